module github.com/newsjet/newsjet/services/cleaner

go 1.26
