package client

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/api"
	"github.com/newsjet/newsjet/services/sink/store"
)

// EnvURL names the environment variable giving the API URL when --api is not given.
const EnvURL = "NEWSJET_API_URL"

// ErrUsage: the command line is wrong; the message says how.
var ErrUsage = errors.New("usage")

const usage = `usage: newsjet articles [--api URL] COMMAND
  list [-q TEXT] [--site HOST] [--author NAME] [--language CODE] [--story ID] [--since TIME]
       [--until TIME] [--limit N] [--cursor C] [--all]
                   one JSON line per article (newest first); without --all the cursor
                   of the next page is printed on stderr
  get ID           the article with its current version, one JSON line
  versions ID      one JSON line per version, oldest first
  story ID         the story (its origin and copies), one JSON line
--api defaults to $` + EnvURL + `, else ` + DefaultURL + `. TIME is RFC 3339, YYYY-MM-DD or a
duration back from now (24h).`

// Run runs `newsjet articles` with args (the words after "articles"): JSON lines on
// stdout, anything else on stderr. It returns ErrUsage (wrapped, with the usage text)
// for a bad command line, errors.Is(err, store.ErrNotFound) for an unknown article,
// errors.Is(err, store.ErrStoryNotFound) for an unknown story, and the API's or the
// connection's error otherwise.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("articles", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	base := fs.String("api", "", "read API URL")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", ErrUsage, err, usage)
	}
	if *base == "" {
		*base = os.Getenv(EnvURL)
	}
	if *base == "" {
		*base = DefaultURL
	}
	c, err := New(*base, nil)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("%w: no command\n%s", ErrUsage, usage)
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	switch cmd, rest := rest[0], rest[1:]; cmd {
	case "list":
		return runList(ctx, c, rest, enc, stderr)
	case "story":
		if len(rest) != 1 {
			return fmt.Errorf("%w: story takes one story id\n%s", ErrUsage, usage)
		}
		st, err := c.Story(ctx, rest[0])
		if err != nil {
			return err
		}
		return enc.Encode(st)
	case "get", "versions":
		if len(rest) != 1 {
			return fmt.Errorf("%w: %s takes one article id\n%s", ErrUsage, cmd, usage)
		}
		if cmd == "get" {
			rec, err := c.Get(ctx, rest[0])
			if err != nil {
				return err
			}
			return enc.Encode(rec)
		}
		vs, err := c.Versions(ctx, rest[0])
		if err != nil {
			return err
		}
		for _, v := range vs {
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("%w: unknown command %q\n%s", ErrUsage, cmd, usage)
	}
}

func runList(ctx context.Context, c *Client, args []string, enc *json.Encoder, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var q store.Query
	var since, until string
	fs.StringVar(&q.Text, "q", "", "full-text query")
	fs.StringVar(&q.Site, "site", "", "site host")
	fs.StringVar(&q.Author, "author", "", "author name")
	fs.StringVar(&q.Language, "language", "", "language code")
	fs.StringVar(&q.Story, "story", "", "story id")
	fs.StringVar(&since, "since", "", "articles at or after TIME")
	fs.StringVar(&until, "until", "", "articles before TIME")
	fs.IntVar(&q.Limit, "limit", 0, "page size")
	fs.StringVar(&q.Cursor, "cursor", "", "continue after this cursor")
	all := fs.Bool("all", false, "follow cursors to the last page")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", ErrUsage, err, usage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected %q\n%s", ErrUsage, fs.Arg(0), usage)
	}
	var err error
	if q.Since, err = api.ParseTime("since", since); err != nil {
		return fmt.Errorf("%w: %v\n%s", ErrUsage, err, usage)
	}
	if q.Until, err = api.ParseTime("until", until); err != nil {
		return fmt.Errorf("%w: %v\n%s", ErrUsage, err, usage)
	}
	for {
		page, err := c.List(ctx, q)
		if err != nil {
			return err
		}
		for _, rec := range page.Articles {
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		if !*all {
			fmt.Fprintf(stderr, "next page: --cursor %s\n", page.Next)
			return nil
		}
		q.Cursor = page.Next
	}
}
