package discover

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>https://news.test/</link>
<item><title>Ferry returns</title><link>https://news.test/2026/ferry?utm_source=rss</link>
<pubDate>Tue, 24 Nov 2026 08:00:00 +0100</pubDate></item>
<item><title>Council votes</title><link>/2026/council</link></item>
<item><title>Duplicate</title><link>https://NEWS.test/2026/ferry#top</link></item>
<item><title>Only a guid</title><guid isPermaLink="true">https://news.test/2026/guid-only</guid></item>
<item><title>Mail</title><link>mailto:desk@news.test</link></item>
</channel></rss>`

const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:x</id><updated>2026-11-24T10:00:00Z</updated>
<entry><title>First</title><id>urn:1</id><link rel="alternate" href="https://news.test/a/1"/><updated>2026-11-24T10:00:00Z</updated></entry>
<entry><title>Second</title><id>urn:2</id><link href="https://news.test/a/2"/><published>2026-11-23T10:00:00+02:00</published><updated>2026-11-24T10:00:00Z</updated></entry>
</feed>`

const jsonFeed = `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
{"id":"1","url":"https://news.test/j/1","title":"One","date_published":"2026-11-24T09:00:00Z"},
{"id":"2","url":"https://news.test/j/2","title":"Two"}]}`

const newsSitemap = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.test/n/1</loc><news:news><news:publication><news:name>Gazette</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2026-11-24T07:30:00+01:00</news:publication_date><news:title>Harbour reopens</news:title></news:news></url>
<url><loc>https://news.test/n/2</loc><lastmod>2026-11-20</lastmod></url>
</urlset>`

const sitemapIndex = `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.test/sitemap-news.xml</loc><lastmod>2026-11-24T10:00:00Z</lastmod></sitemap>
<sitemap><loc>https://news.test/sitemap-2026.xml.gz</loc></sitemap>
</sitemapindex>`

func urls(r *Result) []string {
	var out []string
	for _, l := range r.Links {
		out = append(out, l.URL)
	}
	return out
}

func TestFeeds(t *testing.T) {
	cases := []struct {
		name, body, mt string
		want           []string
	}{
		{"rss", rss, "application/rss+xml", []string{
			"https://news.test/2026/ferry?utm_source=rss", "https://news.test/2026/council", "https://news.test/2026/guid-only"}},
		{"atom", atom, "application/atom+xml", []string{"https://news.test/a/1", "https://news.test/a/2"}},
		{"json", jsonFeed, "application/feed+json", []string{"https://news.test/j/1", "https://news.test/j/2"}},
		{"rss served as text/xml", rss, "text/xml", []string{
			"https://news.test/2026/ferry?utm_source=rss", "https://news.test/2026/council", "https://news.test/2026/guid-only"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse([]byte(c.body), c.mt, "https://news.test/feed", "")
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != schema.KindFeed || !slices.Equal(urls(r), c.want) {
				t.Fatalf("Parse = %s %v, want feed %v", r.Kind, urls(r), c.want)
			}
			for _, l := range r.Links {
				if l.Kind != schema.KindArticle {
					t.Errorf("%s kind %s", l.URL, l.Kind)
				}
			}
		})
	}
	r, _ := Parse([]byte(rss), "application/rss+xml", "https://news.test/feed", schema.KindFeed)
	want := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	if !r.Links[0].Date.Equal(want) || r.Links[0].Title != "Ferry returns" {
		t.Fatalf("first item %+v", r.Links[0])
	}
	a, _ := Parse([]byte(atom), "", "https://news.test/atom", "")
	if !a.Links[1].Date.Equal(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("atom published date: %v", a.Links[1].Date)
	}
}

func TestSitemaps(t *testing.T) {
	r, err := Parse([]byte(newsSitemap), "application/xml", "https://news.test/sitemap-news.xml", schema.KindSitemap)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != schema.KindSitemap || !slices.Equal(urls(r), []string{"https://news.test/n/1", "https://news.test/n/2"}) {
		t.Fatalf("news sitemap: %v", urls(r))
	}
	if l := r.Links[0]; l.Title != "Harbour reopens" || !l.Date.Equal(time.Date(2026, 11, 24, 6, 30, 0, 0, time.UTC)) {
		t.Fatalf("news entry %+v", l)
	}
	if !r.Links[1].Date.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("lastmod date %v", r.Links[1].Date)
	}
	idx, err := Parse([]byte(sitemapIndex), "text/xml", "https://news.test/sitemap.xml", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range idx.Links {
		if l.Kind != schema.KindSitemap {
			t.Fatalf("index child %+v is not a sitemap", l)
		}
	}
	if len(idx.Links) != 2 {
		t.Fatalf("index children %v", urls(idx))
	}
	txt, err := Parse([]byte("https://news.test/t/1\n\nhttps://news.test/t/2\r\nnot a url\n"), "text/plain", "https://news.test/sitemap.txt", schema.KindSitemap)
	if err != nil || !slices.Equal(urls(txt), []string{"https://news.test/t/1", "https://news.test/t/2"}) {
		t.Fatalf("text sitemap: %v %v", txt, err)
	}
}

func TestNotDiscoverable(t *testing.T) {
	for name, body := range map[string]string{
		"html":      "<!DOCTYPE html><html><body><p>story</p></body></html>",
		"other xml": "<?xml version=\"1.0\"?><svg></svg>",
		"json":      `{"hello": "world"}`,
		"empty":     "",
	} {
		if _, err := Parse([]byte(body), "", "https://x.test/", schema.KindFeed); !errors.Is(err, ErrNotDiscoverable) {
			t.Errorf("%s: %v, want ErrNotDiscoverable", name, err)
		}
	}
	// A truncated feed yields the items that were complete, or an error: never a panic.
	if r, err := Parse([]byte("<rss><channel><item><link>https://x.test/a</link></item><item><link>https://x"), "", "https://x.test/", ""); err == nil && len(r.Links) > 1 {
		t.Fatalf("truncated feed gave %v", urls(r))
	}
	if _, err := Parse([]byte("<html><body>x</body></html>"), "text/html", "https://x.test/", ""); !errors.Is(err, ErrNotDiscoverable) {
		t.Fatalf("html with no kind: %v", err)
	}
}

func TestDetectAndGuess(t *testing.T) {
	detect := map[string]string{
		rss: schema.KindFeed, atom: schema.KindFeed, jsonFeed: schema.KindFeed,
		newsSitemap: schema.KindSitemap, sitemapIndex: schema.KindSitemap,
		"\xef\xbb\xbf<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"></rdf:RDF>": schema.KindFeed,
		"<!DOCTYPE html><html></html>": schema.KindArticle,
		"<html><head></head></html>":   schema.KindArticle,
		"%PDF-1.7":                     "",
	}
	for body, want := range detect {
		if got := Detect([]byte(body), ""); got != want {
			t.Errorf("Detect(%.40q) = %q, want %q", body, got, want)
		}
	}
	guess := map[string]string{
		"https://news.test/feed":                schema.KindFeed,
		"https://news.test/feed/":               schema.KindFeed,
		"https://news.test/world/rss.xml":       schema.KindFeed,
		"https://news.test/index.atom":          schema.KindFeed,
		"https://news.test/feed.json":           schema.KindFeed,
		"https://news.test/sitemap.xml":         schema.KindSitemap,
		"https://news.test/news-sitemap.xml":    schema.KindSitemap,
		"https://news.test/sitemap-2026.xml.gz": schema.KindSitemap,
		"https://news.test/2026/11/story.html":  schema.KindArticle,
		"https://news.test/sitemap-guide":       schema.KindArticle,
		"::bad":                                 schema.KindArticle,
	}
	for u, want := range guess {
		if got := GuessKind(u); got != want {
			t.Errorf("GuessKind(%s) = %s, want %s", u, got, want)
		}
	}
}
