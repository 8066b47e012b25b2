// Command extractor runs the extractor stage: cleaned pages in, articles out. Flags and
// NEWSJET_* environment variables are those of package stage; --version prints the
// version set at build time with -ldflags "-X main.version=...".
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/extractor"
)

var version = "dev"

func main() { stage.Main(extractor.Service(version), nil) }
