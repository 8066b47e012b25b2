module github.com/newsjet/newsjet/tests/integration

go 1.26
