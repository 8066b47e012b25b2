module github.com/newsjet/newsjet/services/sink

go 1.26
