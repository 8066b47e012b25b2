// Command devbench scores newsjet, go-trafilatura (with and without fallback),
// readeck and go-htmldate on the dev corpora (AEB, trafilatura-dev, htmldate-dev)
// as each corpus's authors score it, with site-grouped cross-validated figures
// beside the full-corpus ones.
package main

import (
	"fmt"
	"os"

	"github.com/newsjet/newsjet/bench"
)

func main() {
	if err := bench.SuiteMain(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "devbench:", err)
		os.Exit(1)
	}
}
