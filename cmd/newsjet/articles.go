package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/newsjet/newsjet/services/sink/client"
)

// cmdArticles queries the sink's read API (`newsjet articles list|get|versions`): the
// sink's own client command, one JSON line per article on stdout.
func (a *app) cmdArticles(ctx context.Context, args []string) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		err := client.Run(ctx, nil, a.stdout, a.stderr)
		fmt.Fprintln(a.stderr, err)
		return nil
	}
	err := client.Run(ctx, args, a.stdout, a.stderr)
	if errors.Is(err, client.ErrUsage) {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return err
}
