// Command sink runs the sink stage: Articles from NATS JetStream into PostgreSQL or
// SQLite, with the read API on the HTTP port. Flags and NEWSJET_* variables: see
// stage.Config and sink.Config.
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/sink"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = sink.Version

func main() {
	var cfg sink.Config
	svc := sink.New(&cfg).Service()
	svc.Version = version
	stage.Main(svc, cfg.RegisterFlags)
}
