// Package extract turns a cleaned document (the output of the cleaner: metadata
// elements in <head> and <div data-newsjet="meta">, main content in
// <article data-newsjet="content">) into a structured schema.Article.
//
// It is a pure package: no I/O, safe for concurrent use.
//
// # Dates and time zones
//
// PublishedAt and ModifiedAt keep the offset the page gives. A time shown or
// declared without a zone is read in a zone the page itself reveals: an offset
// declared on another of its times, the zone named next to the shown clock
// ("19:14 GMT"), the offset between a shown local clock and a zoneless declared
// time of the same minute (the page shows local time, its metadata the UTC
// instant), or the one zone of a Korean, Japanese or Chinese page. When the page
// reveals no zone, the instant is unknowable to within a day, and no zone is
// guessed: only the day is kept, as 12:00 UTC of the date shown. The same
// encoding is used for a date given without any clock. Noon names the same
// calendar day in every zone from UTC-12 to UTC+11, where midnight UTC would be
// the day before anywhere west of Greenwich. Such a day-only time is flagged
// with PublishedPrecision (ModifiedPrecision) "day"; both are empty for a full
// time.
package extract

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Sentinel errors returned (wrapped) by Extract.
var (
	// ErrEmpty: the cleaned document is empty.
	ErrEmpty = errors.New("extract: empty document")
	// ErrMalformed: the document cannot be parsed.
	ErrMalformed = errors.New("extract: malformed document")
)

// Options describe the page a cleaned document came from.
type Options struct {
	URL       string    // page URL (final URL after redirects), used to resolve relative links and as canonical fallback
	FetchedAt time.Time // used as a reference for relative dates
}

// Extract parses a cleaned document and returns the structured article: content
// fields (body text, HTML, Markdown, word count, reading time, live posts,
// truncation) and metadata (title, authors, dates, language, canonical URL, site,
// description, section, tags, lead image, paywall). The stage wiring adds lineage
// ids and timestamps.
//
// A document without content still gives an article (with metadata only). It
// returns ErrEmpty for an empty string and ErrMalformed when parsing fails.
func Extract(cleaned string, opts Options) (*schema.Article, error) {
	if strings.TrimSpace(cleaned) == "" {
		return nil, ErrEmpty
	}
	doc, err := html.Parse(strings.NewReader(cleaned))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	a := &schema.Article{Schema: schema.ArticleV1, URL: opts.URL, Authors: []string{}}
	fillMetadata(a, doc, opts)
	base, _ := url.Parse(opts.URL)
	c := contentNode(doc)
	if c != nil {
		fillBody(a, c, base)
	}
	fillLivePosts(a, c)
	return a, nil
}

// contentNode returns <article data-newsjet="content">, or <body> for a document
// that is not a cleaned one.
func contentNode(doc *html.Node) *html.Node {
	var body *html.Node
	var find func(n *html.Node, depth int) *html.Node
	find = func(n *html.Node, depth int) *html.Node {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Body:
				body = n
			case atom.Article:
				for _, at := range n.Attr {
					if at.Key == "data-newsjet" && at.Val == "content" {
						return n
					}
				}
			}
		}
		if depth > 3 {
			return nil
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if r := find(c, depth+1); r != nil {
				return r
			}
		}
		return nil
	}
	if c := find(doc, 0); c != nil {
		return c
	}
	return body
}
