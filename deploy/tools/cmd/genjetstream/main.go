// Command genjetstream writes the NACK Stream, Consumer and ObjectStore resources of
// every environment (deploy/jetstream/<env>/) from pkg/schema.
//
// Usage: genjetstream [-out dir]   (default ../../jetstream, run from deploy/tools/jetstream
// by go generate)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/newsjet/newsjet/deploy/tools/jetstream"
)

func main() {
	out := flag.String("out", "../../jetstream", "output directory (deploy/jetstream)")
	flag.Parse()
	if err := jetstream.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genjetstream:", err)
		os.Exit(1)
	}
}
