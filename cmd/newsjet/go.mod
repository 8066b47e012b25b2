module github.com/newsjet/newsjet/cmd/newsjet

go 1.26
