package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/newsjet/newsjet/services/sink/client"
)

// cmdArticles queries the sink's read API (`newsjet articles list|get|versions`): the
// sink's own client command, one JSON line per article on stdout.
func (a *app) cmdArticles(ctx context.Context, args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		// With no arguments the client answers with its usage text after one line
		// saying what was missing; help is the text alone.
		err := client.Run(ctx, nil, a.stdout, a.stderr)
		_, text, _ := strings.Cut(err.Error(), "\n")
		fmt.Fprintln(a.stderr, text)
		return nil
	}
	return client.Run(ctx, args, a.stdout, a.stderr)
}
