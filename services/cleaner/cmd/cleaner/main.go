// Command cleaner runs the cleaner stage: raw pages in, cleaned pages out. Flags and
// NEWSJET_* environment variables are those of package stage; --version prints the
// version set at build time with -ldflags "-X main.version=...".
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/cleaner"
)

var version = "dev"

func main() { stage.Main(cleaner.Service(version), nil) }
