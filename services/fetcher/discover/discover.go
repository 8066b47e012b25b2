// Package discover finds article links in feeds (RSS 2.0, RSS 1.0, Atom, JSON Feed)
// and sitemaps (url sets, news sitemaps, sitemap indexes, plain-text lists), and tells
// which of those a document or URL is. It does no I/O.
package discover

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"

	"github.com/newsjet/newsjet/pkg/schema"
)

// ErrNotDiscoverable is returned for a document that is neither a feed nor a sitemap,
// or that does not parse as the one it claims to be.
var ErrNotDiscoverable = errors.New("discover: not a feed or sitemap")

// Link is one URL a feed or sitemap points at.
type Link struct {
	// URL is absolute (relative links are resolved against the document's URL).
	URL string
	// Kind is schema.KindArticle for a page, schema.KindSitemap for a child sitemap of
	// a sitemap index.
	Kind string
	// Date is the item's publication (or else modification) date, zero when not given.
	Date  time.Time
	Title string
}

// Result is what one feed or sitemap yields.
type Result struct {
	// Kind is schema.KindFeed or schema.KindSitemap.
	Kind  string
	Links []Link
}

// Detect tells what a document is from its first bytes and media type:
// schema.KindFeed, schema.KindSitemap, schema.KindArticle (HTML), or "" when unknown.
func Detect(body []byte, mediaType string) string {
	b := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(b) == 0:
		return ""
	case b[0] == '{':
		if bytes.Contains(b[:min(len(b), 4096)], []byte("jsonfeed.org")) {
			return schema.KindFeed
		}
		return ""
	case b[0] == '<':
		switch root := rootElement(b); root {
		case "rss", "rdf", "feed":
			return schema.KindFeed
		case "urlset", "sitemapindex":
			return schema.KindSitemap
		case "html":
			return schema.KindArticle
		}
		if mediaType == "text/html" || mediaType == "application/xhtml+xml" {
			return schema.KindArticle
		}
	case mediaType == "text/plain" && (bytes.HasPrefix(b, []byte("http://")) || bytes.HasPrefix(b, []byte("https://"))):
		return schema.KindSitemap
	}
	return ""
}

// rootElement returns the lower-cased local name of the first element, "" if none is
// found in the first 64 KiB. A doctype naming html counts as html.
func rootElement(b []byte) string {
	d := xml.NewDecoder(bytes.NewReader(b[:min(len(b), 64<<10)]))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return strings.ToLower(t.Name.Local)
		case xml.Directive:
			if bytes.HasPrefix(bytes.ToLower(t), []byte("doctype html")) {
				return "html"
			}
		}
	}
}

// GuessKind guesses from a URL alone whether it names a feed, a sitemap or an article,
// by its path: ".rss", ".atom", "feed.json", "/feed", "/rss", "atom.xml", "feed.xml",
// "rss.xml" are feeds; a name containing "sitemap" ending in .xml, .xml.gz or .txt is a
// sitemap; anything else is an article. The fetcher checks the content anyway: a feed
// requested as an article is handled as a feed.
func GuessKind(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return schema.KindArticle
	}
	p := strings.ToLower(strings.TrimSuffix(u.Path, "/"))
	base := path.Base(p)
	switch {
	case strings.Contains(base, "sitemap") &&
		(strings.HasSuffix(base, ".xml") || strings.HasSuffix(base, ".xml.gz") || strings.HasSuffix(base, ".txt")):
		return schema.KindSitemap
	case strings.HasSuffix(base, ".rss"), strings.HasSuffix(base, ".atom"), strings.HasSuffix(base, ".rdf"),
		base == "feed", base == "rss", base == "atom", base == "feed.json",
		base == "feed.xml", base == "rss.xml", base == "atom.xml", base == "index.xml":
		return schema.KindFeed
	}
	return schema.KindArticle
}

// Parse reads a feed or sitemap served from docURL. kind is schema.KindFeed or
// schema.KindSitemap, or "" to detect it from the content. Links are absolute, http(s)
// only, without duplicates (by normalised URL), in document order. It returns an error
// wrapping ErrNotDiscoverable for anything else.
func Parse(body []byte, mediaType, docURL, kind string) (*Result, error) {
	if detected := Detect(body, mediaType); detected == schema.KindFeed || detected == schema.KindSitemap {
		kind = detected
	} else if kind == "" || detected == schema.KindArticle || bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return nil, fmt.Errorf("%w: %s (%s)", ErrNotDiscoverable, docURL, mediaType)
	}
	base, err := url.Parse(docURL)
	if err != nil {
		return nil, fmt.Errorf("%w: document URL %q: %v", ErrNotDiscoverable, docURL, err)
	}
	var links []Link
	if kind == schema.KindFeed {
		links, err = parseFeed(body)
	} else {
		links, err = parseSitemap(body, mediaType)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotDiscoverable, docURL, err)
	}
	return &Result{Kind: kind, Links: absolute(base, links)}, nil
}

// absolute resolves links against base, drops non-http(s) and duplicate links.
func absolute(base *url.URL, links []Link) []Link {
	seen := map[string]bool{}
	out := links[:0]
	for _, l := range links {
		ref, err := url.Parse(strings.TrimSpace(l.URL))
		if err != nil {
			continue
		}
		abs := base.ResolveReference(ref).String()
		norm, err := schema.NormalizeURL(abs)
		if err != nil || seen[norm] {
			continue
		}
		seen[norm] = true
		l.URL = abs
		out = append(out, l)
	}
	return out
}

func parseFeed(body []byte) ([]Link, error) {
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	links := make([]Link, 0, len(f.Items))
	for _, it := range f.Items {
		link := it.Link
		if link == "" && len(it.Links) > 0 {
			link = it.Links[0]
		}
		if link == "" && (strings.HasPrefix(it.GUID, "http://") || strings.HasPrefix(it.GUID, "https://")) {
			link = it.GUID
		}
		if link == "" {
			continue
		}
		l := Link{URL: link, Kind: schema.KindArticle, Title: strings.TrimSpace(it.Title)}
		switch {
		case it.PublishedParsed != nil:
			l.Date = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			l.Date = *it.UpdatedParsed
		}
		links = append(links, l)
	}
	return links, nil
}

type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapURL `xml:"url"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
	News    *struct {
		PublicationDate string `xml:"publication_date"`
		Title           string `xml:"title"`
	} `xml:"news"`
}

func parseSitemap(body []byte, mediaType string) ([]Link, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n\xef\xbb\xbf")
	if len(trimmed) > 0 && trimmed[0] != '<' {
		if mediaType != "text/plain" && mediaType != "" {
			return nil, fmt.Errorf("neither XML nor a plain-text sitemap")
		}
		return parseTextSitemap(trimmed), nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charset.NewReaderLabel
	var doc sitemapDoc
	if err := d.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var links []Link
	switch doc.XMLName.Local {
	case "urlset":
		for _, u := range doc.URLs {
			l := Link{URL: u.Loc, Kind: schema.KindArticle, Date: parseDate(u.LastMod)}
			if u.News != nil {
				l.Title = strings.TrimSpace(u.News.Title)
				if d := parseDate(u.News.PublicationDate); !d.IsZero() {
					l.Date = d
				}
			}
			links = append(links, l)
		}
	case "sitemapindex":
		for _, s := range doc.Sitemaps {
			links = append(links, Link{URL: s.Loc, Kind: schema.KindSitemap, Date: parseDate(s.LastMod)})
		}
	default:
		return nil, fmt.Errorf("root element <%s> is not urlset or sitemapindex", doc.XMLName.Local)
	}
	return links, nil
}

func parseTextSitemap(b []byte) []Link {
	var links []Link
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
			links = append(links, Link{URL: line, Kind: schema.KindArticle})
		}
	}
	return links
}

// parseDate reads the W3C datetime forms sitemaps use; zero when unparsable.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
