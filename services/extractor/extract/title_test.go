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

func TestDropKicker(t *testing.T) {
	cases := []struct {
		name, h1, declared, want string
	}{
		{"a kicker glued to the headline", "HarbourCranes stand idle as the port strikes", "Harbour: Cranes stand idle as the port strikes",
			"Cranes stand idle as the port strikes"},
		{"a kicker before the declared title", "Port strike Cranes stand idle as the port strikes", "Cranes stand idle as the port strikes",
			"Cranes stand idle as the port strikes"},
		{"a quoted headline after a kicker", "Port strike „Wir bleiben draußen“, sagen die Arbeiter", "Port strike - „Wir bleiben draußen“, sagen die Arbeiter",
			"„Wir bleiben draußen“, sagen die Arbeiter"},
		{"a section label before a bar", "Local News | Cranes stand idle as the port strikes", "Cranes stand idle as the port strikes",
			"Cranes stand idle as the port strikes"},
		{"a prefix shown with a colon is part of the headline", "Fact Check: Cranes stand idle as the port strikes",
			"Cranes stand idle as the port strikes", "Fact Check: Cranes stand idle as the port strikes"},
		{"a prefix of function words is part of the headline", "The Harbour Cranes Stand Idle", "Harbour Cranes Stand Idle",
			"The Harbour Cranes Stand Idle"},
		{"a longer label before a bar is part of the headline", "Design Week 2026 in Milan | Cranes stand idle",
			"Cranes stand idle", "Design Week 2026 in Milan | Cranes stand idle"},
		{"a declared title of two words is no evidence", "Port strike Cranes idle", "Cranes idle", "Port strike Cranes idle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := lexFor("en").dropKicker(c.h1, []string{c.declared}); got != c.want {
				t.Errorf("dropKicker(%q) = %q, want %q", c.h1, got, c.want)
			}
		})
	}
}

func TestMetadataEntitiesDecodedOnce(t *testing.T) {
	head := `<meta property="og:title" content="Children&amp;#x27;s ferry returns">` +
		`<script type="application/ld+json">{"@type":"NewsArticle","headline":"Children&#x27;s ferry returns","description":"Tom &amp; Jerry &#8211; again",` +
		`"author":{"@type":"Person","name":"Ann O&#039;Neil"}}</script>`
	// The declared author is credited on the page, so it counts.
	a := articleOf(t, rawPage("en", head, "", "<p>Reporting by Ann O'Neil in the harbour town.</p>"), "https://harbour.example/news/ferry")
	if a.Description != "Tom & Jerry – again" {
		t.Errorf("description %q", a.Description)
	}
	if len(a.Authors) != 1 || a.Authors[0] != "Ann O'Neil" {
		t.Errorf("authors %q", a.Authors)
	}
	if got := collapse("Children&amp;#x27;s"); got != "Children's" {
		t.Errorf("collapse of a double-escaped entity = %q", got)
	}
	if got := collapse("AT&T &amp;amp; more"); got != "AT&T & more" {
		t.Errorf("collapse = %q", got)
	}
}

func TestSiteNameHeadingBesideTheTitle(t *testing.T) {
	cases := []struct{ name, title, h1, want string }{
		{"the blog's domain opens <title>", "Harbourblog.de » Blog Archiv » Cranes stand idle at the port", "Harbourblog.de",
			"Cranes stand idle at the port"},
		{"the blog's name is a later part of <title>", "Cranes stand idle at the port : Harbour Blog | Notes from the quay",
			"Harbour Blog", "Cranes stand idle at the port"},
		{"a section of a breadcrumb title is no site name", "HarbourNews.de | Kultur | Literatur | Cranes stand idle", "Literatur",
			"Literatur"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + c.title + `</title></head><body>` +
				`<header><h1>` + c.h1 + `</h1></header><article><h2 class="post-title">Cranes stand idle at the port</h2>` + prose("en") +
				`</article></body></html>`
			if a := articleOf(t, raw, ""); a.Title != c.want {
				t.Errorf("title %q, want %q", a.Title, c.want)
			}
		})
	}
}

func TestShortShownHeadlineOfTheArticle(t *testing.T) {
	// A short h1 in the article, sharing no word with the declared title, is the
	// headline the declared title paraphrases; a section name is not.
	for _, c := range []struct{ h1, want string }{
		{"Finanzierung Ihres Autos", "Finanzierung Ihres Autos"},
		{"O Opinion", "Autofinanzierung – Autokredit oder doch besser Leasing?"},
	} {
		raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Autofinanzierung – Autokredit oder doch besser Leasing?</title></head>` +
			`<body><article><h1>` + c.h1 + `</h1>` + prose("de") + `</article></body></html>`
		if a := articleOf(t, raw, ""); a.Title != c.want {
			t.Errorf("h1 %q: title %q, want %q", c.h1, a.Title, c.want)
		}
	}
	// "Kicker: Headline - Site": the h1 showing the headline is no site name.
	raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Siemens und die Kohlemine: Kaeser verarscht Neubauer - taz.de</title></head>` +
		`<body><div class="sect subjective commentary"><article><h4>Siemens und die Kohlemine</h4><h1>Kaeser verarscht Neubauer</h1>` + prose("de") +
		`</article></div></body></html>`
	if a := articleOf(t, raw, ""); a.Title != "Kaeser verarscht Neubauer" {
		t.Errorf("title %q, want the h1", a.Title)
	}
}

func TestSiteHostOfAWaybackCapture(t *testing.T) {
	for in, want := range map[string]string{
		"https://web.archive.org/web/20140226054445/http://www.harbourtalks.example/2013/08/07/kinos/": "www.harbourtalks.example",
		"https://web.archive.org/web/20140226054445im_/https://harbour.example/x.png":                  "harbour.example",
		"https://web.archive.org/about/":              "web.archive.org",
		"https://www.harbourtalks.example/2013/kinos": "www.harbourtalks.example",
	} {
		if got := siteHost(in); got != want {
			t.Errorf("siteHost(%q) = %q, want %q", in, got, want)
		}
	}
	// A captured blog whose h1 is its name, spelled as its host.
	raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Harbour Talks » Blog Archiv » Die Kräne im Hafen stehen still</title>` +
		`<link rel="canonical" href="https://web.archive.org/web/20140226054445/http://www.harbourtalks.example/2013/08/07/kraene/"></head>` +
		`<body><header><h1>Harbour Talks</h1></header><article><h2 class="post-title">Die Kräne im Hafen stehen still</h2>` + prose("de") + `</article></body></html>`
	if a := articleOf(t, raw, ""); a.Title != "Die Kräne im Hafen stehen still" {
		t.Errorf("title %q", a.Title)
	}
}
