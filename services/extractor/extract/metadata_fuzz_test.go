package extract

import (
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// FuzzFillMetadata checks that no v1 document makes fillMetadata panic and that the
// fields it fills stay well-formed.
func FuzzFillMetadata(f *testing.F) {
	f.Add(cleanedDoc("en", `<title>T | S</title><script type="application/ld+json">{"@type":"NewsArticle","headline":"T","datePublished":"2024-05-01T09:30:00+02:00","author":{"name":"Jane Roe"}}</script>`,
		`<h1>T</h1><div data-newsjet="after-h1"><p>By Jane Roe</p><p>May 1, 2024 9:30 AM EST</p></div>`, englishBody))
	f.Add(cleanedDoc("", `<script type="application/ld+json">[{"@graph":[{"@type":["Article"],"author":[[{"name":1}]]}]}]</script>`,
		`<p data-newsjet-title="1">x</p><div data-newsjet="before-h1"><p>13.13.2019 99:99</p></div>`, ""))
	f.Add("<h1>\x00</h1><time datetime='0001-01-01'>31/31/31</time>")
	f.Fuzz(func(t *testing.T, doc string) {
		a := &schema.Article{}
		fillMetadata(a, pageOf(doc), options{URL: "https://example.com/a", FetchedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if a.ID == "" {
			t.Error("no ID")
		}
		for _, name := range a.Authors {
			if strings.TrimSpace(name) == "" {
				t.Errorf("empty author in %q", a.Authors)
			}
		}
		if len(a.Language) > 3 {
			t.Errorf("language %q is not a primary subtag", a.Language)
		}
	})
}

// FuzzParseTextDate checks that no text makes the dateline reader panic and that
// what it returns is a valid calendar date.
func FuzzParseTextDate(f *testing.F) {
	for _, s := range []string{"Nov. 19, 2019 8:03 am ET", "05/10/2018", "2019年11月20日 12:00", "24 сентября 2018", "11/13/19 at 4:00 PM EST"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, dayFirst bool) {
		d, ok := lexFor("").parseTextDate(s, dayFirst)
		if !ok {
			return
		}
		got := time.Date(d.year, d.month, d.day, d.hour, d.min, d.sec, 0, time.UTC)
		if d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31 || d.hour > 23 || d.min > 59 || d.sec > 59 || got.Year() < 1990 {
			t.Errorf("parseTextDate(%q) = %+v", s, d)
		}
	})
}
