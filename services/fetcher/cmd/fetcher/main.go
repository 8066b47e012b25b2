// Command fetcher runs the fetcher stage: see package fetcher and `fetcher -h`. Its
// version is stage.Version, set at build time.
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/fetcher"
)

func main() {
	var cfg fetcher.Config
	stage.Main(fetcher.Service(&cfg), cfg.RegisterServiceFlags)
}
