package extract

import (
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// cleanedDoc builds a cleaned document of the first contract version (v1), a compact
// way to write a test page: Extract reads it by the v1 compatibility path.
func cleanedDoc(lang, head, meta, content string) string {
	return `<!DOCTYPE html><html lang="` + lang + `"><head><meta charset="utf-8">` + head +
		`</head><body><div data-newsjet="meta">` + meta + `</div><article data-newsjet="content">` +
		content + `</article></body></html>`
}

// v1Page is a cleaned page of the first contract version holding doc.
func v1Page(doc, url string) *schema.CleanedPage {
	return &schema.CleanedPage{Schema: schema.CleanedPageV1, ID: "c", RawID: "r", URL: url, V1HTML: doc}
}

// pageOf reads a v1 cleaned document.
func pageOf(doc string) *page {
	cp, content := fromV1(doc)
	return newPage(cp, content, &defaultParams)
}

// metaOf runs fillMetadata on a v1 cleaned document.
func metaOf(t *testing.T, doc string, opts options) *schema.Article {
	t.Helper()
	a := &schema.Article{Authors: []string{}}
	fillMetadata(a, pageOf(doc), opts)
	return a
}

const englishBody = `<p>The council voted on Tuesday to approve the new budget for the city, which has been
debated for months by residents and officials. It was the first vote of its kind in the history of the town,
and the mayor said that the decision would be felt for years by all of the people who live there.</p>`

func TestFillMetadataNewsArticle(t *testing.T) {
	doc := cleanedDoc("en-US",
		`<title>Council approves budget | The Daily Planet</title>
<meta property="og:site_name" content="The Daily Planet">
<meta property="og:title" content="Council approves budget after months of debate - The Daily Planet">
<meta name="description" content="The vote ends a long fight.">
<meta property="article:section" content="Politics">
<meta property="article:tag" content="budget"><meta property="article:tag" content="council">
<meta property="og:image" content="https://cdn.example.com/img/council-vote.jpg">
<link rel="canonical" href="https://example.com/politics/council-budget?utm_source=tw&id=7">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
 "headline":"Council approves budget","datePublished":"2024-05-01T09:30:00+02:00",
 "dateModified":"2024-05-02T10:00:00+02:00","isAccessibleForFree":"False",
 "author":[{"@type":"Person","name":"Lois Lane"}],
 "publisher":{"@type":"Organization","name":"The Daily Planet"}}</script>`,
		`<h1 data-newsjet-ctx="header">The Daily Planet</h1>
<h1 class="headline" data-newsjet-ctx="article">Council approves budget</h1>
<div data-newsjet="after-h1"><p>By Lois Lane and Clark Kent, Staff Writers</p><p>May 1, 2024 9:30 AM</p></div>
<div class="byline" data-newsjet-ctx="article">By Lois Lane and Clark Kent, Staff Writers</div>
<time datetime="2024-05-01T09:30:00+02:00" data-newsjet-ctx="article">May 1, 2024 9:30 AM</time>`,
		`<figure><img src="https://cdn.example.com/img/council-vote.jpg?w=800" alt="Council chamber"><figcaption>The vote in the chamber.</figcaption></figure>`+englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/politics/council-budget?utm_source=tw&id=7"})

	if a.Title != "Council approves budget" {
		t.Errorf("Title = %q", a.Title)
	}
	if got := strings.Join(a.Authors, "|"); got != "Lois Lane|Clark Kent" {
		t.Errorf("Authors = %q", got)
	}
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2024-05-01T09:30:00+02:00" {
		t.Errorf("PublishedAt = %v, want 2024-05-01T09:30:00+02:00 (page offset kept)", a.PublishedAt)
	}
	if a.ModifiedAt == nil || a.ModifiedAt.Format(time.RFC3339) != "2024-05-02T10:00:00+02:00" {
		t.Errorf("ModifiedAt = %v", a.ModifiedAt)
	}
	if a.Language != "en" {
		t.Errorf("Language = %q", a.Language)
	}
	if a.CanonicalURL != "https://example.com/politics/council-budget?id=7" {
		t.Errorf("CanonicalURL = %q, want tracking parameters removed", a.CanonicalURL)
	}
	if a.ID != schema.ArticleID(a.CanonicalURL) {
		t.Errorf("ID = %q, want ArticleID(canonical)", a.ID)
	}
	if a.SiteName != "The Daily Planet" || a.Section != "Politics" || a.Description != "The vote ends a long fight." {
		t.Errorf("site/section/description = %q / %q / %q", a.SiteName, a.Section, a.Description)
	}
	if strings.Join(a.Tags, ",") != "budget,council" {
		t.Errorf("Tags = %q", a.Tags)
	}
	if a.LeadImage == nil || a.LeadImage.URL != "https://cdn.example.com/img/council-vote.jpg" ||
		a.LeadImage.Caption != "The vote in the chamber." || a.LeadImage.Alt != "Council chamber" {
		t.Errorf("LeadImage = %+v", a.LeadImage)
	}
	if !a.Paywalled {
		t.Error("Paywalled = false, want true (isAccessibleForFree False)")
	}
}

func TestFillMetadataOrganizationCredit(t *testing.T) {
	doc := cleanedDoc("en", `<meta property="og:title" content="Markets fall">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Markets fall","author":{"@type":"Person","name":"Reuters"}}</script>`,
		`<h1>Markets fall</h1><div data-newsjet="after-h1"><p>By Reuters</p></div>`, englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if len(a.Authors) != 0 || a.Organization != "Reuters" {
		t.Errorf("Authors = %q, Organization = %q; want none and Reuters", a.Authors, a.Organization)
	}
}

func TestFillMetadataCMSUserIsNotAPerson(t *testing.T) {
	doc := cleanedDoc("en", `<meta name="author" content="admin">`,
		`<h1>Spring concert announced</h1><div data-newsjet="after-h1"><p>Posted on May 3, 2023 by admin</p></div>
<span class="author" data-newsjet-ctx="article">admin</span>`, englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if len(a.Authors) != 0 {
		t.Errorf("Authors = %q, want none", a.Authors)
	}
	if a.PublishedAt == nil || a.PublishedAt.Format("2006-01-02") != "2023-05-03" {
		t.Errorf("PublishedAt = %v, want the shown day 2023-05-03", a.PublishedAt)
	}
}

func TestFillMetadataVisibleDateBeatsWrongDeclaration(t *testing.T) {
	doc := cleanedDoc("en",
		`<meta property="article:published_time" content="2019-11-25T08:00:00Z">`,
		`<h1>Storm hits coast</h1><div data-newsjet="after-h1"><p>By Ann Poe</p><p>November 19, 2019 8:03 am ET</p></div>`,
		englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if a.PublishedAt == nil || a.PublishedAt.UTC().Format(time.RFC3339) != "2019-11-19T13:03:00Z" {
		t.Errorf("PublishedAt = %v, want the shown 8:03 ET = 13:03Z", a.PublishedAt)
	}
}

func TestFillMetadataUpdatedStampIsNotPublished(t *testing.T) {
	doc := cleanedDoc("en",
		`<script type="application/ld+json">{"@type":"NewsArticle","headline":"Fires spread","datePublished":"2019-11-20T06:35:39Z","dateModified":"2019-11-20T06:39:54Z"}</script>`,
		`<h1>Fires spread</h1><div data-newsjet="after-h1"><p>Tom Roe, AP Writer</p><p>Updated 1:39 am EST, Wednesday, November 20, 2019</p></div>
<span class="timestamp" data-newsjet-ctx="article">Updated 1:39 am EST, Wednesday, November 20, 2019</span>`, englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if a.PublishedAt == nil || a.PublishedAt.UTC().Format(time.RFC3339) != "2019-11-20T06:35:39Z" {
		t.Errorf("PublishedAt = %v, want the declared 06:35:39Z", a.PublishedAt)
	}
	if a.ModifiedAt == nil || a.ModifiedAt.UTC().Format("15:04") != "06:39" {
		t.Errorf("ModifiedAt = %v, want 06:39Z", a.ModifiedAt)
	}
	if got := strings.Join(a.Authors, "|"); got != "" {
		t.Errorf("Authors = %q: an unprefixed line is not read as a byline", got)
	}
}

func TestFillMetadataNaiveTimeTakesDeclaredZone(t *testing.T) {
	doc := cleanedDoc("en",
		`<meta property="article:published_time" content="2024-03-10T14:00:00">
<meta property="article:modified_time" content="2024-03-10T15:00:00-05:00">`,
		`<h1>Harbor opens</h1>`, englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2024-03-10T14:00:00-05:00" {
		t.Errorf("PublishedAt = %v, want 14:00 in the declared -05:00", a.PublishedAt)
	}
}

func TestFillMetadataLiveBlogStart(t *testing.T) {
	doc := cleanedDoc("en",
		`<script type="application/ld+json">[{"@type":"NewsArticle","headline":"Other story","datePublished":"2024-01-01T00:00:00Z"},
{"@type":"LiveBlogPosting","headline":"Election night live","datePublished":"2024-11-05T18:00:00-05:00","coverageStartTime":"2024-11-05T18:00:00-05:00"}]</script>`,
		`<h1>Election night live</h1>`, englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2024-11-05T18:00:00-05:00" {
		t.Errorf("PublishedAt = %v, want the LiveBlogPosting start", a.PublishedAt)
	}
}

func TestFillMetadataLanguageFromText(t *testing.T) {
	german := `<p>Die Stadt hat am Dienstag den neuen Haushalt beschlossen, der seit Monaten von den Bürgern und
der Verwaltung diskutiert wurde. Es ist die erste Abstimmung dieser Art in der Geschichte der Stadt, und der
Bürgermeister sagte, dass die Entscheidung für viele Jahre zu spüren sein wird.</p>`
	cases := []struct {
		name, lang, body, want string
	}{
		{"declared and confirmed", "en", englishBody, "en"},
		{"declared wrong", "en", german, "de"},
		{"declared region subtag", "de-AT", german, "de"},
		{"missing", "", german, "de"},
		{"missing, other script", "", `<p>Правительство в четверг одобрило новый бюджет города, который обсуждался несколько месяцев жителями и чиновниками.</p>`, "ru"},
		// Text that no language explains gives no language rather than a guess.
		{"missing, gibberish", "", `<p>Kdjf qwe zxc vbn mlk jhg fds aqw sdr tyu iop lkj hgf dsa zxcv bnm qwer</p>`, ""},
		{"missing, numbers and names", "", `<p>Tel 0123 456 789. Opening hours: Mon-Fri 9-17. Sat 10-14. Harbour office.</p>`, ""},
		{"missing, one letter repeated", "", `<p>` + strings.Repeat("x", 80) + ` yyy zzz</p>`, ""},
		{"declared, gibberish", "en", `<p>Kdjf qwe zxc vbn mlk jhg fds aqw sdr tyu iop lkj hgf dsa zxcv bnm qwer</p>`, "en"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := metaOf(t, cleanedDoc(c.lang, "", `<h1>Budget</h1>`, c.body), options{})
			if a.Language != c.want {
				t.Errorf("Language = %q, want %q", a.Language, c.want)
			}
		})
	}
}

func TestFillMetadataCanonicalFallback(t *testing.T) {
	cases := []struct {
		name, head, url, want string
	}{
		{"no canonical", "", "https://Example.com/a?fbclid=1", "https://example.com/a"},
		{"relative canonical", `<link rel="canonical" href="/b">`, "https://example.com/a", "https://example.com/b"},
		{"home page canonical ignored", `<link rel="canonical" href="https://example.com/">`, "https://example.com/a", "https://example.com/a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := metaOf(t, cleanedDoc("en", c.head, "<h1>T</h1>", englishBody), options{URL: c.url})
			if a.CanonicalURL != c.want {
				t.Errorf("CanonicalURL = %q, want %q", a.CanonicalURL, c.want)
			}
		})
	}
}

func TestFillMetadataEmptyDocument(t *testing.T) {
	a := metaOf(t, "<html><body></body></html>", options{})
	if a.Title != "" || a.PublishedAt != nil || len(a.Authors) != 0 || a.LeadImage != nil {
		t.Errorf("empty document gave %+v", a)
	}
}

func TestFillMetadataInvalidJSONLD(t *testing.T) {
	doc := cleanedDoc("en", "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"Line\nbreak\",\"datePublished\":\"2024-02-03T04:05:06Z\"}</script>"+
		`<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-02-03T04:05:06Z", oops}</script>`,
		`<h1>Line break</h1>`, englishBody)
	a := metaOf(t, doc, options{})
	if a.PublishedAt == nil || !a.PublishedAt.Equal(time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)) {
		t.Errorf("PublishedAt = %v, want the date from the repaired JSON-LD", a.PublishedAt)
	}
}

func BenchmarkFillMetadata(b *testing.B) {
	doc := cleanedDoc("en",
		`<title>Council approves budget | The Daily Planet</title><meta property="og:title" content="Council approves budget">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Council approves budget","datePublished":"2024-05-01T09:30:00+02:00","author":{"@type":"Person","name":"Lois Lane"}}</script>`,
		`<h1>Council approves budget</h1><div data-newsjet="after-h1"><p>By Lois Lane</p><p>May 1, 2024</p></div>`,
		strings.Repeat(englishBody, 20))
	p := pageOf(doc)
	b.ReportAllocs()
	for b.Loop() {
		p.titleH1, p.pos = -1, -1
		fillMetadata(&schema.Article{}, p, options{URL: "https://example.com/a"})
	}
}

func TestFillMetadataPaywall(t *testing.T) {
	cases := []struct {
		name, head, meta string
		want             bool
	}{
		{"free", `<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":true}</script>`, `<h1>T</h1>`, false},
		{"declared on a part", `<script type="application/ld+json">{"@type":"NewsArticle","hasPart":{"@type":"WebPageElement","isAccessibleForFree":"False","cssSelector":".paywall"}}</script>`, `<h1>T</h1>`, true},
		{"marker kept by the cleaner", ``, `<h1>T</h1><div class="article-paywall"></div>`, true},
		{"nothing", ``, `<h1>T</h1>`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := metaOf(t, cleanedDoc("en", c.head, c.meta, englishBody), options{}).Paywalled; got != c.want {
				t.Errorf("Paywalled = %v, want %v", got, c.want)
			}
		})
	}
}

func TestFillMetadataLeadImageFromKeptFigure(t *testing.T) {
	doc := cleanedDoc("en", `<meta property="og:image" content="https://cdn.example.com/2024/lead.jpg?w=1200">`,
		`<figure class="hero"><img data-src="https://cdn.example.com/2024/lead.jpg" alt="Harbor"><figcaption>The harbor at dawn.</figcaption></figure><h1>T</h1>`,
		`<figure><img src="https://cdn.example.com/other.jpg"><figcaption>Other.</figcaption></figure>`+englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if a.LeadImage == nil || a.LeadImage.Caption != "The harbor at dawn." || a.LeadImage.Alt != "Harbor" ||
		a.LeadImage.URL != "https://cdn.example.com/2024/lead.jpg?w=1200" {
		t.Errorf("LeadImage = %+v", a.LeadImage)
	}
}

func TestFillMetadataWordPressByline(t *testing.T) {
	doc := cleanedDoc("en-GB",
		`<title>Harbor reopens after the storm &#8211; Coast Weekly</title><meta property="og:site_name" content="Coast Weekly">`,
		`<h1 class="entry-title" data-newsjet-ctx="article">Harbor reopens after the storm</h1>
<div data-newsjet="after-h1"><p>Posted on March 3, 2024 by Jana Roe</p></div>
<span class="posted-on" data-newsjet-ctx="article"><a href="/2024/03/03/harbor/" rel="bookmark"><time class="entry-date published" datetime="2024-03-03T08:15:00+00:00">March 3, 2024</time><time class="updated" datetime="2024-03-05T10:00:00+00:00">March 5, 2024</time></a></span>
<span class="byline" data-newsjet-ctx="article"> by <span class="author vcard"><a class="url fn n" href="https://coast.example/author/jana-roe/">Jana Roe</a></span></span>`,
		englishBody)
	a := metaOf(t, doc, options{URL: "https://coast.example/2024/03/03/harbor/"})
	if a.Title != "Harbor reopens after the storm" || strings.Join(a.Authors, "|") != "Jana Roe" || a.Language != "en" {
		t.Errorf("title %q authors %q language %q", a.Title, a.Authors, a.Language)
	}
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2024-03-03T08:15:00Z" {
		t.Errorf("PublishedAt = %v", a.PublishedAt)
	}
}

func TestFillMetadataHAtomUpdated(t *testing.T) {
	doc := cleanedDoc("en", ``,
		`<h1>Harbor reopens</h1><span class="posted-on" data-newsjet-ctx="article"><time class="entry-date published" datetime="2024-03-03T08:15:00+00:00">March 3, 2024</time><time class="updated" datetime="2024-03-05T10:00:00+00:00">March 5, 2024</time></span>`,
		englishBody)
	a := metaOf(t, doc, options{})
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2024-03-03T08:15:00Z" ||
		a.ModifiedAt == nil || a.ModifiedAt.Format(time.RFC3339) != "2024-03-05T10:00:00Z" {
		t.Errorf("PublishedAt = %v, ModifiedAt = %v", a.PublishedAt, a.ModifiedAt)
	}
}

func TestFillMetadataLiveBlogCoverageStart(t *testing.T) {
	doc := cleanedDoc("en",
		`<script type="application/ld+json">{"@type":"LiveBlogPosting","headline":"Election night live","coverageStartTime":"2026-05-07T21:00:00+01:00",
"liveBlogUpdate":[{"@type":"BlogPosting","datePublished":"2026-05-07T23:40:00+01:00"}]}</script>`,
		`<h1>Election night live</h1><time datetime="2026-05-07T23:40:00+01:00" data-newsjet-ctx="article">23:40</time>`, englishBody)
	a := metaOf(t, doc, options{})
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2026-05-07T21:00:00+01:00" {
		t.Errorf("PublishedAt = %v, want the coverage start, not the latest post", a.PublishedAt)
	}
}

func TestFillMetadataManyElementsLinear(t *testing.T) {
	// A meta div far larger than the cleaner writes (its cap is 400 entries) still
	// gives its result; nearTitle no longer rescans the list per element.
	meta := "<h1>T</h1>" + strings.Repeat(`<time datetime="2024-01-01T00:00:00Z" data-newsjet-ctx="article">Jan 1, 2024</time><span class="byline" data-newsjet-ctx="article">x</span>`, 20000)
	a := metaOf(t, cleanedDoc("en", "", meta, englishBody), options{})
	if a.PublishedAt == nil {
		t.Error("no publication date")
	}
}

func TestFillMetadataShownTagsSectionSiteName(t *testing.T) {
	// No article:section/tag metas, no og:site_name: the page's category and tag
	// links and the site part of <title> fill the fields.
	doc := cleanedDoc("en",
		`<title>Harbour cranes idle as port workers strike – Daily Digest Hub</title>`,
		`<h1>Harbour cranes idle as port workers strike</h1>`+
			`<span class="cat-links" data-newsjet-ctx="article">Posted in <a href="/category/business/" rel="category tag">Business</a></span>`+
			`<span class="tags-links" data-newsjet-ctx="article">Tagged <a href="/tag/ports/">ports</a>, <a href="/tag/strikes/">strikes</a>`+
			`<a href="https://social.example/share?u=x">Share</a></span>`+
			`<a rel="tag" href="/tag/menu" data-newsjet-ctx="nav">Menu tag</a>`,
		englishBody)
	a := metaOf(t, doc, options{URL: "https://digest-hub.example/2026/03/cranes/"})
	if a.Section != "Business" {
		t.Errorf("section %q, want Business", a.Section)
	}
	if got := strings.Join(a.Tags, "|"); got != "ports|strikes" {
		t.Errorf("tags %q, want ports|strikes", got)
	}
	if a.SiteName != "Daily Digest Hub" {
		t.Errorf("site name %q, want Daily Digest Hub", a.SiteName)
	}
	if a.Title != "Harbour cranes idle as port workers strike" {
		t.Errorf("title %q", a.Title)
	}
}

func TestFillMetadataTitleSuffixNotASiteName(t *testing.T) {
	// A title whose last part is neither after the shown headline nor the host's
	// name gives no site name.
	doc := cleanedDoc("en", `<title>Budget vote - what happens next</title>`, `<h1>The budget vote explained</h1>`, englishBody)
	if a := metaOf(t, doc, options{URL: "https://news.example/a"}); a.SiteName != "" {
		t.Errorf("site name %q, want none", a.SiteName)
	}
}

func TestFillMetadataTagCloudIsNotTags(t *testing.T) {
	var links strings.Builder
	for i := range defaultParams.MaxShownTags + 1 {
		links.WriteString(`<a rel="tag" data-newsjet-ctx="article" href="/tag/t` + string(rune('a'+i)) + `">Topic ` + string(rune('A'+i)) + `</a>`)
	}
	doc := cleanedDoc("en", "", `<h1>T</h1>`+links.String(), englishBody)
	if a := metaOf(t, doc, options{URL: "https://news.example/a"}); len(a.Tags) != 0 {
		t.Errorf("tags %q from teasers all over the page, want none", a.Tags)
	}
}
