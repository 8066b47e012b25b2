// Command extractor runs the extractor stage: cleaned pages in, articles out. Flags and
// NEWSJET_* environment variables are those of package stage; --version prints
// stage.Version, set at build time.
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/extractor"
)

func main() { stage.Main(extractor.Service(stage.Version), nil) }
