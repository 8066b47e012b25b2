package bench

import (
	"bytes"
	"errors"
	"fmt"
	nurl "net/url"
	"strings"

	"codeberg.org/readeck/go-readability/v2"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/clean"
	"github.com/newsjet/newsjet/services/extractor/extract"
)

// System is one extractor under test: it turns a page's raw bytes into body text.
// Article is set only by systems that produce a newsjet article.
type System struct {
	Name    string
	Extract func(p *Page) (text string, article *schema.Article, err error)
}

// Newsjet runs the whole newsjet path in process: clean.Clean then extract.Extract
// on the cleaned page it returns (no message encoding between them).
func Newsjet() System {
	return System{Name: "newsjet", Extract: func(p *Page) (string, *schema.Article, error) {
		cp, err := clean.Clean(p.Raw, clean.Options{URL: p.URL})
		if err != nil {
			return "", nil, err
		}
		cp.URL = p.URL
		a, err := extract.Extract(cp, nil)
		if err != nil {
			return "", nil, err
		}
		return a.BodyText, a, nil
	}}
}

// Trafilatura runs go-trafilatura's public Extract on the raw bytes.
func Trafilatura() System {
	return System{Name: "trafilatura", Extract: func(p *Page) (string, *schema.Article, error) {
		u, _ := nurl.Parse(p.URL)
		r, err := trafilatura.Extract(bytes.NewReader(p.Raw), trafilatura.Options{OriginalURL: u})
		if err != nil {
			return "", nil, err
		}
		return r.ContentText, nil, nil
	}}
}

// Readeck runs readeck go-readability on the raw bytes and renders its text.
func Readeck() System {
	return System{Name: "readeck", Extract: func(p *Page) (string, *schema.Article, error) {
		u, _ := nurl.Parse(p.URL)
		a, err := readability.FromReader(bytes.NewReader(p.Raw), u)
		if err != nil {
			return "", nil, err
		}
		var sb strings.Builder
		if err := a.RenderText(&sb); err != nil {
			return "", nil, err
		}
		return sb.String(), nil, nil
	}}
}

// Floor parses the page with html.Parse and returns all text of <body> with a
// newline between blocks: the no-extraction baseline.
func Floor() System {
	return System{Name: "floor", Extract: func(p *Page) (string, *schema.Article, error) {
		doc, err := html.Parse(bytes.NewReader(p.Raw))
		if err != nil {
			return "", nil, err
		}
		var sb strings.Builder
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			switch {
			case n.Type == html.TextNode:
				sb.WriteString(n.Data)
				sb.WriteByte('\n')
			case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "noscript"):
				return
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		return sb.String(), nil, nil
	}}
}

// SystemsByName returns the named systems ("newsjet", "trafilatura", "readeck", "floor").
func SystemsByName(names []string) ([]System, error) {
	all := map[string]func() System{"newsjet": Newsjet, "trafilatura": Trafilatura, "readeck": Readeck, "floor": Floor}
	out := make([]System, 0, len(names))
	for _, n := range names {
		f, ok := all[strings.TrimSpace(n)]
		if !ok {
			return nil, fmt.Errorf("%w: unknown system %q", errUsage, n)
		}
		out = append(out, f())
	}
	return out, nil
}

var errUsage = errors.New("bench: usage")
