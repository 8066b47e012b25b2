module github.com/newsjet/newsjet/pkg/schema

go 1.26

require github.com/segmentio/encoding v0.5.4 // indirect
