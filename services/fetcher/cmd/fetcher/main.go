// Command fetcher runs the fetcher stage: see package fetcher and `fetcher -h`.
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/fetcher"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = fetcher.Version

func main() {
	var cfg fetcher.Config
	svc := fetcher.Service(&cfg)
	svc.Version = version
	stage.Main(svc, cfg.RegisterServiceFlags)
}
