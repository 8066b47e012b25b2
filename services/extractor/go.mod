module github.com/newsjet/newsjet/services/extractor

go 1.26.0

require (
	github.com/newsjet/newsjet/pkg/schema v0.0.0
	github.com/segmentio/encoding v0.5.4
	golang.org/x/net v0.62.0
)

require (
	github.com/RadhiFadlillah/whatlanggo v0.0.0-20240916001553-aac1f0f737fc // indirect
	github.com/itlightning/dateparse v0.2.1 // indirect
	github.com/segmentio/asm v1.1.3 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/newsjet/newsjet/pkg/schema => ../../pkg/schema
