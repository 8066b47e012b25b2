module github.com/newsjet/newsjet/services/extractor

go 1.26
