package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/newsjet/newsjet/services/sink/client"
)

// cmdArticles queries the sink's read API (`newsjet articles list|get|versions`): the
// sink's own client command, one JSON line per article on stdout. help, -h or --help
// anywhere in args prints the usage on stdout.
func (a *app) cmdArticles(ctx context.Context, args []string) error {
	if slices.ContainsFunc(args, func(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }) {
		// With no arguments the client answers with its usage text after one line
		// saying what was missing; help is the text alone.
		err := client.Run(ctx, nil, a.stdout, a.stderr)
		_, text, _ := strings.Cut(err.Error(), "\n")
		fmt.Fprintln(a.stdout, text)
		return nil
	}
	return client.Run(ctx, args, a.stdout, a.stderr)
}
