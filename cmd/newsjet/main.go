// Command newsjet runs the whole newsjet pipeline in one process and talks to a running
// one:
//
//	newsjet run [--once FILE|URL...]   embedded NATS + JetStream, fetcher, cleaner, extractor, sink
//	newsjet extract FILE...            clean and extract without a broker (the stages' own code)
//	newsjet publish FILE|URL...        raw pages / fetch requests to any NATS server
//	newsjet tail [--site HOST]         articles of the extracted stream as they arrive
//	newsjet articles list|get|versions the sink's read API
//	newsjet dead [filters] | dead show ID  dead letters, from the dead-letter stream
//	newsjet replay dead|raw            republish dead letters; re-extract stored raw pages
//
// stdout carries only JSON lines (and the help asked for with -h); logs (zap, JSON, the
// format of every newsjet binary) and progress go to stderr. Exit codes: 0 success, 1
// failure, 2 bad command line, 3 when run --once or extract could not handle some of
// their inputs (each reported on stderr; the others were handled). Every flag can also
// be set by its NEWSJET_* environment variable (flag --data-dir from NEWSJET_DATA_DIR);
// `newsjet <command> -h` lists a command's flags. The version (newsjet version,
// newsjet --version) is stage.Version, set at build time.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := newApp(os.Stdin, os.Stdout, os.Stderr).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
