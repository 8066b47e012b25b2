// Command parsers compares, on every page of the dev corpora, the block texts of
// newsjet's parser (htmlparse) with those of golang.org/x/net/html.
package main

import (
	"fmt"
	"os"

	"github.com/newsjet/newsjet/bench"
)

func main() {
	if err := bench.ParsersMain(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "parsers:", err)
		os.Exit(1)
	}
}
