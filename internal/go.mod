module github.com/newsjet/newsjet/internal

go 1.26
