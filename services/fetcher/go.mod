module github.com/newsjet/newsjet/services/fetcher

go 1.26.0

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/temoto/robotstxt v1.1.2
	golang.org/x/time v0.16.0
)
