package extract

import (
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/clean"
)

// articleOf cleans a raw page written for a test and extracts its article.
func articleOf(t *testing.T, raw, url string) *schema.Article {
	t.Helper()
	cp, err := clean.Clean([]byte(raw), clean.Options{URL: url})
	if err != nil {
		t.Fatalf("clean: %v", err)
	}
	cp.URL = url
	a, err := Extract(cp, nil)
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	return a
}

// rawPage is a page with head markup, a header after the headline and a body of
// prose.
func rawPage(lang, head, header, body string) string {
	return `<!DOCTYPE html><html lang="` + lang + `"><head><meta charset="utf-8"><title>Harbour cranes idle</title>` + head +
		`</head><body><nav><a href="/">Home</a></nav><article><h1>Harbour cranes idle</h1>` + header +
		`<p>The cranes at the harbour stood still on Tuesday as the workers of the port walked out over a dispute
about pay and hours that has gone on for months, and the ships waiting in the bay had nowhere to unload.</p>
<p>Union leaders said the strike would last until the port authority made an offer that matched the rise in
the cost of living, while the authority said it had already offered more than the other ports in the region.</p>` +
		body + `</article></body></html>`
}

// publishedDay returns the day of a's publication as written (its own offset), ""
// for none.
func publishedDay(a *schema.Article) string {
	if a.PublishedAt == nil {
		return ""
	}
	return a.PublishedAt.Format(time.DateOnly)
}

func TestDeclaredDatesOutrankShownDates(t *testing.T) {
	cases := []struct {
		name, lang, head, header, want string
	}{
		{"a declared publication outranks another date shown in the header", "en",
			`<meta property="article:published_time" content="2026-03-04T09:30:00+01:00">`,
			`<div class="event-date">March 20, 2026</div>`, "2026-03-04"},
		{"JSON-LD datePublished outranks a shown date", "de",
			`<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2026-03-04T09:30:00+01:00"}</script>`,
			`<p class="meta-date">12.02.2026</p>`, "2026-03-04"},
		{"a shown date beats times declared under generic keys only", "de",
			`<meta name="date" content="2026-03-05T15:00:00+01:00"><meta name="dcterms.date" content="2026-03-05">`,
			`<p class="date">04.03.2026</p>`, "2026-03-04"},
		{"a shown date beside an Updated stamp beats a declared revision time", "en",
			`<meta property="article:published_time" content="2026-03-05T10:00:00+00:00">`,
			`<div class="article-date">March 4, 2026 / 9:15 PM / Updated 13 hours ago</div>`, "2026-03-04"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := articleOf(t, rawPage(c.lang, c.head, c.header, ""), "https://harbour.example/news/cranes")
			if got := publishedDay(a); got != c.want {
				t.Errorf("published day %q, want %q (%v)", got, c.want, a.PublishedAt)
			}
		})
	}
}
