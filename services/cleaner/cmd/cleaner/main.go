// Command cleaner runs the cleaner stage: raw pages in, cleaned pages out. Flags and
// NEWSJET_* environment variables are those of package stage; --version prints
// stage.Version, set at build time.
package main

import (
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/cleaner"
)

func main() { stage.Main(cleaner.Service(stage.Version), nil) }
