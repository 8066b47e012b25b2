// Package uncached guards tests that read files outside their Go module. Go's test cache
// keys a result on the files a test opens only when they lie inside the test's module, so a
// test of deploy/tools that reads deploy/base or deploy/jetstream could report a cached pass
// after those files changed. Main refuses to run such a test unless caching is off
// (go test -count=1).
package uncached

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// cacheFlag is the flag go test passes to a test binary whose result it may cache: it asks
// the binary to log the files and environment variables the test reads.
const cacheFlag = "test.testlogfile"

// Cacheable reports whether the running test binary's result may be cached by go test.
// Call it after flag.Parse.
func Cacheable() bool {
	f := flag.Lookup(cacheFlag)
	return f != nil && f.Value.String() != ""
}

// Main runs the tests and exits, or, when go test may cache the result, exits 1 at once with
// a message saying to rerun with -count=1. Use it as TestMain.
func Main(m *testing.M, reads string) {
	flag.Parse()
	if Cacheable() {
		fmt.Fprintf(os.Stderr, "these tests read %s, outside their module, which Go's test cache does not track: run go test -count=1\n", reads)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
