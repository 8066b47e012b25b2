module github.com/newsjet/newsjet/services/fetcher

go 1.26
