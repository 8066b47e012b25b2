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

// System is one extractor under test: it turns a page's raw bytes into body text
// and, for systems that find metadata, an article holding it in newsjet's terms
// (nil for systems without metadata, such as the floor).
type System struct {
	Name    string
	Extract func(p *Page) (text string, article *schema.Article, err error)
	// GridOf names the system whose parameter grid this one is a point of ("" for
	// none): it is run and cross-validated with that system's family, and left out
	// of the tables and the per-page file.
	GridOf string
}

// Newsjet runs the whole newsjet path in process: clean.Clean then extract.Extract
// on the cleaned page it returns (no message encoding between them).
func Newsjet() System { return NewsjetWith("newsjet", nil) }

// NewsjetWith is Newsjet named name, extracting with par (nil: the defaults).
func NewsjetWith(name string, par *extract.Params) System { return newsjetWith(name, nil, par) }

// newsjetWith is Newsjet named name, cleaning with cpar and extracting with par
// (nil: the defaults). A page's bytes are never changed: they are handed over to
// clean, as the cleaner service hands over each message's.
func newsjetWith(name string, cpar *clean.Params, par *extract.Params) System {
	return System{Name: name, Extract: func(p *Page) (string, *schema.Article, error) {
		cp, err := clean.Clean(p.Raw, clean.Options{URL: p.URL, Params: cpar, HandOver: true})
		if err != nil {
			return "", nil, err
		}
		cp.URL = p.URL
		a, err := extract.Extract(cp, par)
		if err != nil {
			return "", nil, err
		}
		return a.BodyText, a, nil
	}}
}

// Trafilatura runs go-trafilatura's public Extract on the raw bytes, without its
// fallback extractors (htmldate then runs in its fast mode). The article holds
// its title, authors (its "; "-joined string split), date and language.
func Trafilatura() System { return trafilaturaSystem("trafilatura", false) }

// TrafilaturaFallback is Trafilatura with EnableFallback: readability and
// dom-distiller candidates are compared, and htmldate runs in its extensive mode.
func TrafilaturaFallback() System { return trafilaturaSystem("trafilatura-fallback", true) }

func trafilaturaSystem(name string, fallback bool) System {
	return System{Name: name, Extract: func(p *Page) (string, *schema.Article, error) {
		u, _ := nurl.Parse(p.URL)
		r, err := trafilatura.Extract(bytes.NewReader(p.Raw), trafilatura.Options{OriginalURL: u, EnableFallback: fallback})
		if err != nil {
			return "", nil, err
		}
		m := r.Metadata
		a := &schema.Article{Title: m.Title, Language: m.Language}
		if m.Author != "" {
			a.Authors = strings.Split(m.Author, "; ")
		}
		if !m.Date.IsZero() {
			a.PublishedAt = &m.Date
		}
		return r.ContentText, a, nil
	}}
}

// Readeck runs readeck go-readability on the raw bytes and renders its text. The
// article holds its title, byline (as one author), published and modified times
// and language.
func Readeck() System {
	return System{Name: "readeck", Extract: func(p *Page) (string, *schema.Article, error) {
		u, _ := nurl.Parse(p.URL)
		r, err := readability.FromReader(bytes.NewReader(p.Raw), u)
		if err != nil {
			return "", nil, err
		}
		var sb strings.Builder
		if err := r.RenderText(&sb); err != nil {
			return "", nil, err
		}
		a := &schema.Article{Title: r.Title(), Language: r.Language()}
		if b := r.Byline(); b != "" {
			a.Authors = []string{b}
		}
		if t, err := r.PublishedTime(); err == nil {
			a.PublishedAt = &t
		}
		if t, err := r.ModifiedTime(); err == nil {
			a.ModifiedAt = &t
		}
		return sb.String(), a, nil
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

// SystemsByName returns the named systems: "newsjet", "trafilatura",
// "trafilatura-fallback", "readeck", "floor", "htmldate-fast" and
// "htmldate-extensive".
func SystemsByName(names []string) ([]System, error) {
	all := map[string]func() System{"newsjet": Newsjet, "trafilatura": Trafilatura, "trafilatura-fallback": TrafilaturaFallback,
		"readeck": Readeck, "floor": Floor, "htmldate-fast": HtmldateFast, "htmldate-extensive": HtmldateExtensive}
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
