// Command aebbench runs newsjet, go-trafilatura and readeck go-readability over
// the Article Extraction Benchmark and prints speed, allocation and F1/P/R.
package main

import (
	"fmt"
	"os"

	"github.com/newsjet/newsjet/bench"
)

func main() {
	if err := bench.Main(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "aebbench:", err)
		os.Exit(1)
	}
}
