module github.com/newsjet/newsjet/services/fetcher

go 1.26.0

require (
	github.com/andybalholm/brotli v1.3.0
	github.com/temoto/robotstxt v1.1.2
	golang.org/x/time v0.16.0
)

require (
	github.com/segmentio/asm v1.1.3 // indirect
	github.com/segmentio/encoding v0.5.4 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

require (
	github.com/mmcdole/gofeed v1.4.2
	github.com/mmcdole/goxpp/v2 v2.0.0 // indirect
	github.com/newsjet/newsjet/pkg/schema v0.0.0
	golang.org/x/net v0.62.0
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/newsjet/newsjet/pkg/schema => ../../pkg/schema
