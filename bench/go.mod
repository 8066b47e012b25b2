module github.com/newsjet/newsjet/bench

go 1.26
