// Command sink runs the sink stage: Articles from NATS JetStream into PostgreSQL or
// SQLite, with the read API on the HTTP port. Flags and NEWSJET_* variables: see
// stage.Config and sink.Config. Its version is stage.Version, set at build time.
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/sink"
)

func main() {
	var cfg sink.Config
	stage.Main(sink.New(&cfg).Service(), cfg.RegisterFlags)
}
