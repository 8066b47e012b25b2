// Command pipelinebench runs the AEB pages through newsjet's four stages on an
// embedded JetStream server and through clean+extract in process, in one run, and
// prints "pipeline/in-process throughput R" and "pipeline/in-process cpu C".
package main

import (
	"fmt"
	"os"

	"github.com/newsjet/newsjet/bench"
)

func main() {
	if err := bench.PipelineMain(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pipelinebench:", err)
		os.Exit(1)
	}
}
