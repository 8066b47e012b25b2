module github.com/newsjet/newsjet/tests/contract

go 1.26.0

require (
	github.com/newsjet/newsjet/pkg/schema v0.0.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
)

require (
	github.com/segmentio/asm v1.1.3 // indirect
	github.com/segmentio/encoding v0.5.4 // indirect
	golang.org/x/sys v0.5.0 // indirect
	golang.org/x/text v0.14.0 // indirect
)

replace github.com/newsjet/newsjet/pkg/schema => ../../pkg/schema
