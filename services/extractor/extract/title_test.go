package extract

import (
	"strings"
	"testing"
)

func TestStripSite(t *testing.T) {
	site := siteTokens("The Daily Planet", "www.dailyplanet.com")
	cases := map[string]string{
		"Council approves budget | The Daily Planet":            "Council approves budget",
		"Council approves budget - dailyplanet.com":             "Council approves budget",
		"Council approves budget - DailyPlanet":                 "Council approves budget",
		"Opinion | Republicans Are Following Trump":             "Republicans Are Following Trump",
		"The Daily Planet: Council approves budget":             "The Daily Planet: Council approves budget",
		"Trump - the man and the myth":                          "Trump - the man and the myth",
		"Council approves budget":                               "Council approves budget",
		"Council approves budget | Politics | The Daily Planet": "Council approves budget | Politics",
	}
	for in, want := range cases {
		if got := lexFor("en").stripSite(in, site); got != want {
			t.Errorf("stripSite(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTitleChoice(t *testing.T) {
	cases := []struct {
		name, head, meta, want string
	}{
		{"h1 over SEO og:title",
			`<meta property="og:title" content="Storm: what you need to know about the storm hitting the coast">`,
			`<h1>Storm hits the coast</h1>`, "Storm hits the coast"},
		{"logo h1 skipped",
			`<title>Storm hits the coast | Daily Planet</title>`,
			`<h1 data-newsjet-ctx="header">Daily Planet</h1><h1 data-newsjet-ctx="article">Storm hits the coast</h1>`, "Storm hits the coast"},
		{"hidden h1 skipped",
			`<meta property="og:title" content="Storm hits the coast">`,
			`<h1 data-newsjet-hidden="1">Sign up</h1><h1>Storm hits the coast</h1>`, "Storm hits the coast"},
		{"no h1: og:title without suffix",
			`<meta property="og:title" content="Storm hits the coast - Daily Planet"><meta property="og:site_name" content="Daily Planet">`,
			``, "Storm hits the coast"},
		{"h1 of another story: shown h2 headline",
			`<meta property="og:title" content="Storm hits the coast - Digg">`,
			`<h2 itemprop="headline">Storm hits the coast</h2><h1 data-newsjet-ctx="article">Why reindeer matter</h1>`, "Storm hits the coast"},
		{"short unrelated h1 is a section name",
			`<title>Storm hits the coast and floods the town - Planet</title>`,
			`<h1>World news</h1>`, "Storm hits the coast and floods the town"},
		{"element showing the title on a page without h1",
			`<title>Storm hits the coast - Planet</title>`,
			`<p data-newsjet-title="1">Storm hits the coast</p><div data-newsjet="after-h1"><p>By Ann Poe</p></div>`, "Storm hits the coast"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := metaOf(t, cleanedDoc("en", c.head, c.meta, englishBody), options{URL: "https://www.planet.example/a"})
			if a.Title != c.want {
				t.Errorf("Title = %q, want %q", a.Title, c.want)
			}
		})
	}
}

func TestTitleFallsBackToContent(t *testing.T) {
	long := strings.Repeat("word ", 40)
	cases := []struct{ name, content, want string }{
		{"first heading", `<p>Intro line.</p><h2>Ferry <em>timetable</em></h2><p>Text.</p>`, "Ferry timetable"},
		{"first line", `<p>Just a plain text file.</p><p>With two paragraphs.</p>`, "Just a plain text file."},
		{"link list", `<ul><li><a href="a.html">a.html</a></li><li><a href="b.html">b.html</a></li></ul>`, "a.html"},
		{"long first line cut at a word", `<p>` + long + `</p>`, strings.TrimSpace(long[:defaultParams.FallbackTitleRunes])},
		{"empty", ``, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := metaOf(t, cleanedDoc("", "", "", c.content), options{URL: "https://example.com/a"})
			if a.Title != c.want {
				t.Errorf("title %q, want %q", a.Title, c.want)
			}
		})
	}
}
