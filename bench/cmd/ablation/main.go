// Command ablation scores newsjet on the dev corpora with each of the cleaner's
// content passes disabled in turn, so every pass shows what it earns.
package main

import (
	"fmt"
	"os"

	"github.com/newsjet/newsjet/bench"
)

func main() {
	if err := bench.AblationMain(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ablation:", err)
		os.Exit(1)
	}
}
