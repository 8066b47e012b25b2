// Command fetcher runs the fetcher stage: see package fetcher and `fetcher -h`.
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/fetcher"
)

func main() {
	var cfg fetcher.Config
	stage.Main(fetcher.Service(&cfg), cfg.RegisterServiceFlags)
}
