package clean

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

const metaPage = `<!DOCTYPE html><html lang="en"><head>
<title>Storm hits coast | Daily Planet</title>
<meta charset="utf-8">
<meta property="og:title" content="Storm hits coast">
<meta name="author" content="Lois Lane">
<meta name="viewport" content="width=device-width">
<link rel="canonical" href="https://example.com/storm">
<link rel="stylesheet" href="/s.css">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Storm hits coast"}</script>
<script>var tracking = 1;</script>
<style>.x{}</style>
</head><body>
<header><h1 class="logo">Daily Planet</h1><nav><a href="/">Home</a></nav></header>
<div class="modal" style="display: none"><h1>Sign up now</h1></div>
<article>
<h1 class="headline">Storm hits coast</h1>
<div class="byline">By <a rel="author" href="/author/lois">Lois Lane</a>, Staff Writer</div>
<time datetime="2024-05-01T09:30:00+02:00">May 1, 2024</time>
<p>The storm arrived on Tuesday.</p>
<svg><title>icon</title></svg>
<script type="application/ld+json">{"@type":"BreadcrumbList"}</script>
</article>
<div class="comments"><span class="comment-author">Guest</span></div>
</body></html>`

// metaOf parses a page and collects its metadata.
func metaOf(page string) pageMeta {
	return collectMeta(htmlparse.Document(page), &defaultParams)
}

// find returns the first candidate with the given tag whose class is class, or nil.
func find(m pageMeta, tag, class string) *schema.Candidate {
	for i, c := range m.candidates {
		if c.Tag == tag && c.Class == class {
			return &m.candidates[i]
		}
	}
	return nil
}

func TestCollectMetaHead(t *testing.T) {
	h := metaOf(metaPage).head
	if h.Title != "Storm hits coast | Daily Planet" {
		t.Errorf("title %q", h.Title)
	}
	want := []schema.Meta{{Key: "og:title", Content: "Storm hits coast"}, {Key: "author", Content: "Lois Lane"}}
	if !slices.Equal(h.Meta, want) {
		t.Errorf("meta %+v, want %+v (no viewport: the contract keeps the keys of schema.HeadMeta)", h.Meta, want)
	}
	if !slices.Equal(h.Links, []schema.Link{{Rel: "canonical", Href: "https://example.com/storm"}}) {
		t.Errorf("links %+v (stylesheets are not kept)", h.Links)
	}
	if len(h.JSONLD) != 2 || string(h.JSONLD[0]) != `{"@type":"NewsArticle","headline":"Storm hits coast"}` ||
		string(h.JSONLD[1]) != `{"@type":"BreadcrumbList"}` || len(h.JSONLDText) != 0 {
		t.Errorf("JSON-LD %q %q, want both blocks (head and body)", h.JSONLD, h.JSONLDText)
	}
}

func TestCollectMetaBody(t *testing.T) {
	m := metaOf(metaPage)
	want := []schema.Headline{
		{Text: "Daily Planet", Region: schema.RegionHeader},
		{Text: "Sign up now", Hidden: true},
		{Text: "Storm hits coast", Region: schema.RegionArticle,
			// The comment after the story is no part of its header.
			After: []string{"By Lois Lane, Staff Writer", "May 1, 2024", "The storm arrived on Tuesday."}},
	}
	if len(m.headlines) != 3 {
		t.Fatalf("headlines %+v", m.headlines)
	}
	for i, h := range m.headlines {
		if h.Text != want[i].Text || h.Hidden != want[i].Hidden || h.Region != want[i].Region ||
			(i == 2 && !slices.Equal(h.After, want[i].After)) {
			t.Errorf("headline %d = %+v, want %+v", i, h, want[i])
		}
	}
	if len(m.headlines[1].After) != 0 {
		t.Errorf("hidden h1 opens a text window: %q", m.headlines[1].After)
	}
	byline := find(m, "div", "byline")
	if byline == nil || byline.Text != "By Lois Lane, Staff Writer" || byline.Region != schema.RegionArticle || byline.AfterHeadlines != 2 {
		t.Fatalf("byline %+v", byline)
	}
	link := byline
	if i := slices.Index(m.candidates, *byline); i+1 < len(m.candidates) {
		link = &m.candidates[i+1]
	}
	if link.Tag != "a" || link.Depth != 1 || link.Rel != "author" || link.Href != "/author/lois" || link.Text != "Lois Lane" {
		t.Errorf("nested author link %+v", link)
	}
	if tm := find(m, "time", ""); tm == nil || tm.Datetime != "2024-05-01T09:30:00+02:00" || tm.Text != "May 1, 2024" {
		t.Errorf("time %+v", tm)
	}
	if c := find(m, "span", "comment-author"); c == nil || c.Region != schema.RegionComment || c.Text != "Guest" {
		t.Errorf("comment author %+v", c)
	}
}

func TestCollectMetaAfterH1(t *testing.T) {
	page := `<html><body><h1>Title</h1><p class="x">By <b>Jane Roe</b></p><p>Posted 3 May 2023</p>` +
		`<p>` + strings.Repeat("word ", 400) + `</p><p>late text</p></body></html>`
	m := metaOf(page)
	if len(m.headlines) != 1 {
		t.Fatalf("headlines %+v", m.headlines)
	}
	after := m.headlines[0].After
	if len(after) < 3 || after[0] != "By Jane Roe" || after[1] != "Posted 3 May 2023" {
		t.Fatalf("after = %q", after)
	}
	if s := strings.Join(after, " "); strings.Contains(s, "late text") || len(s) > defaultParams.AfterH1MaxText+len(after) {
		t.Errorf("window not limited: %d bytes", len(s))
	}
}

func TestCollectMetaLargeElementDescends(t *testing.T) {
	page := `<html><body><div class="author-page">` + strings.Repeat("<p>filler text here</p>", 100) +
		`<span class="byline">By Ann Poe</span></div></body></html>`
	m := metaOf(page)
	if c := find(m, "div", "author-page"); c != nil {
		t.Errorf("large element kept whole: %d bytes of text", len(c.Text))
	}
	if c := find(m, "span", "byline"); c == nil || c.Text != "By Ann Poe" || c.Depth != 0 {
		t.Errorf("inner byline %+v", c)
	}
}

func TestCollectMetaDoesNotMutate(t *testing.T) {
	doc := htmlparse.Document(metaPage)
	var before, after strings.Builder
	if err := html.Render(&before, doc); err != nil {
		t.Fatal(err)
	}
	collectMeta(doc, &defaultParams)
	if err := html.Render(&after, doc); err != nil {
		t.Fatal(err)
	}
	if after.String() != before.String() {
		t.Error("collectMeta changed the original tree")
	}
}

func TestCollectMetaDeepNesting(t *testing.T) {
	// The parser flattens such depth; a tree built by hand can still have it.
	doc := htmlparse.Document("<h1>top</h1><div></div>")
	n := doc.LastChild.LastChild.LastChild // html > body > div
	for range 2 * metaMaxDepth {
		d := &html.Node{Type: html.ElementNode, Data: "div"}
		n.AppendChild(d)
		n = d
	}
	h := &html.Node{Type: html.ElementNode, Data: "h1", DataAtom: atom.H1}
	h.AppendChild(&html.Node{Type: html.TextNode, Data: "deep"})
	n.AppendChild(h)
	m := collectMeta(doc, &defaultParams)
	if len(m.headlines) != 1 || m.headlines[0].Text != "top" {
		t.Errorf("want the shallow h1 only (deeper than %d levels is not searched): %+v", metaMaxDepth, m.headlines)
	}
}

func BenchmarkCollectMeta(b *testing.B) {
	page := strings.Replace(metaPage, "<p>The storm arrived on Tuesday.</p>",
		strings.Repeat(`<div class="para"><p>The storm arrived on <a href="/x">Tuesday</a>.</p></div>`, 500), 1)
	doc := htmlparse.Document(page)
	b.ReportAllocs()
	for b.Loop() {
		collectMeta(doc, &defaultParams)
	}
}

func TestCollectMetaBeforeH1AndTitleElement(t *testing.T) {
	page := `<html><head><title>Harbor reopens after the storm - Coast News</title></head><body>
<nav><a href="/">Home</a></nav>
<p class="about">Von <a href="/x">Jana Roe</a> publiziert am 25. September 2018</p>
<h1>Harbor reopens after the storm</h1><p>Body.</p></body></html>`
	m := metaOf(page)
	if len(m.headlines) != 1 || !slices.Equal(m.headlines[0].Before, []string{"Von", "Jana Roe", "publiziert am 25. September 2018"}) {
		t.Errorf("no text window before the h1 (menu text excluded): %+v", m.headlines)
	}

	noH1 := `<html><head><meta property="og:title" content="Harbor reopens after the storm"></head><body>
<div><p class="titulo">Harbor reopens after the storm</p><small>05/10/2018 - Published by: Jana Roe</small></div>
<p>Body text.</p></body></html>`
	m = metaOf(noH1)
	if len(m.headlines) != 1 || !m.headlines[0].StandIn || m.headlines[0].Text != "Harbor reopens after the storm" ||
		len(m.headlines[0].After) == 0 || m.headlines[0].After[0] != "05/10/2018 - Published by: Jana Roe" {
		t.Errorf("the element showing og:title does not stand in for the h1: %+v", m.headlines)
	}
}

func TestCollectMetaStrayHeadMetas(t *testing.T) {
	// The <div> closes <head> early: the parser puts the later <meta> and <link> in <body>.
	page := `<html><head><title>T</title><div>banner</div>
<meta property="article:modified_time" content="2019-11-19T22:25:13+00:00">
<link rel="canonical" href="https://example.com/a"></head><body>
<div itemscope><meta itemprop="datePublished" content="2019-11-19T05:04:02Z"></div><h1>T</h1></body></html>`
	m := metaOf(page)
	if !slices.Contains(m.head.Meta, schema.Meta{Key: "article:modified_time", Content: "2019-11-19T22:25:13+00:00"}) ||
		!slices.Contains(m.head.Links, schema.Link{Rel: "canonical", Href: "https://example.com/a"}) {
		t.Errorf("head %+v", m.head)
	}
	if c := find(m, "meta", ""); c == nil || c.Itemprop != "datePublished" || c.Content != "2019-11-19T05:04:02Z" {
		t.Errorf("microdata meta %+v", c)
	}
}

func TestCollectMetaPaywallMarker(t *testing.T) {
	page := `<html><body><h1>T</h1><div class="article-paywall"><p>Subscribe to read more.</p></div>
<div class="paywall-footer">x</div></body></html>`
	m := metaOf(page)
	if c := find(m, "div", "article-paywall"); c == nil || c.Text != "" || find(m, "div", "paywall-footer") != nil {
		t.Errorf("want one bare paywall marker: %+v", m.candidates)
	}
}

func TestCollectMetaFigures(t *testing.T) {
	page := `<html><body><header><h1>Site</h1></header>
<figure class="hero"><img data-src="https://cdn.example.com/lead.jpg" alt="Harbor"><figcaption>The harbor at dawn.</figcaption></figure>
<h1>T</h1><aside><figure><img src="/ad.jpg"></figure></aside>
<figure><img src="/2.jpg"></figure><figure><img src="/3.jpg"></figure></body></html>`
	m := metaOf(page)
	var srcs []string
	for _, c := range m.candidates {
		if c.Tag == "img" {
			srcs = append(srcs, c.Src)
		}
	}
	if !slices.Equal(srcs, []string{"https://cdn.example.com/lead.jpg", "/2.jpg"}) {
		t.Errorf("want the first two figures outside sidebars: %q", srcs)
	}
	hero := find(m, "figure", "hero")
	i := slices.Index(m.candidates, *hero)
	if len(m.candidates) < i+3 || m.candidates[i+1].Alt != "Harbor" || m.candidates[i+2].Tag != "figcaption" ||
		m.candidates[i+2].Text != "The harbor at dawn." || m.candidates[i+2].Depth != 1 {
		t.Errorf("lead figure %+v", m.candidates[i:])
	}
}

func TestCollectMetaBounded(t *testing.T) {
	page := "<html><body><h1>T</h1>" + strings.Repeat(`<time datetime="2024-01-01">Jan 1</time><p class="byline">By A B</p>`, 5000) +
		`<script type="application/ld+json">{"@type":"NewsArticle"}</script></body></html>`
	m := metaOf(page)
	if n := len(m.candidates) + len(m.headlines); n > defaultParams.MaxBodyEntries {
		t.Errorf("body holds %d entries, want at most %d", n, defaultParams.MaxBodyEntries)
	}
	if len(m.head.JSONLD) != 1 {
		t.Errorf("head holds %d JSON-LD blocks, want the one after the cap too", len(m.head.JSONLD))
	}
}

func TestCollectMetaTagLinks(t *testing.T) {
	page := `<html><body><nav><a rel="tag" href="/tag/menu">Menu</a></nav><article><h1>Storm hits coast</h1>
<p>The storm arrived on Tuesday.</p>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/weather/" rel="category tag">Weather</a></span>
<span class="tags-links">Tagged <a href="/t/storms/">storms</a>, <a href="/t/coast/">coast</a></span></footer>
<p>See also <a rel="tag" href="/tag/floods">floods</a>.</p></article></body></html>`
	m := metaOf(page)
	var got []string
	for _, c := range m.candidates {
		got = append(got, fmt.Sprintf("%d %s.%s %s %q", c.Depth, c.Tag, c.Class, c.Href, c.Text))
	}
	want := []string{
		`0 span.cat-links  "Posted in Weather"`, `1 a. /category/weather/ "Weather"`,
		`0 span.tags-links  "Tagged storms, coast"`, `1 a. /t/storms/ "storms"`, `1 a. /t/coast/ "coast"`,
		`0 a. /tag/floods "floods"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("candidates\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCollectMetaAfterH1ElementsNotGlued(t *testing.T) {
	page := `<html><body><h1>Stadtlauf: Rekord</h1><div class="zeile"><span>Autor: <a href="/a/jb">Jana Berg</a></span>` +
		`<span>Veröffentlicht am 20.09.2026</span></div><p>Mehr als 4000 Läufer.</p></body></html>`
	m := metaOf(page)
	if len(m.headlines) != 1 || len(m.headlines[0].After) == 0 || m.headlines[0].After[0] != "Autor: Jana Berg Veröffentlicht am 20.09.2026" {
		t.Errorf("after-h1 window glues two elements' texts: %+v", m.headlines)
	}
}

// TestCandidateTextLines: where two elements' texts meet without white space the
// candidate's text breaks the line (a name and a job title), not elsewhere.
func TestCandidateTextLines(t *testing.T) {
	m := metaOf(`<html><body><div class="byline"><span>Jane Roe</span><span>Staff Writer</span>, <a href="/x">Metro</a> <b>Desk</b>` +
		`<span hidden>secret</span><br>May 1</div></body></html>`)
	if c := find(m, "div", "byline"); c == nil || c.Text != "Jane Roe\nStaff Writer, Metro Desk May 1" {
		t.Errorf("byline %+v", c)
	}
}

func TestCollectMetaTitleAfterSitePrefix(t *testing.T) {
	// No h1: the headline is a bold line showing <title> without its site prefix.
	page := `<html><head><title>Pine Hollow Pennysaver - Town to buy Grange hall</title></head><body><table><tr><td>` +
		`<p><font size="5"><b>Town to buy Grange hall</b></font></p><p><i>By Bill Sauer - March 16, 2026</i></p>` +
		`<p>The town board voted Monday night to buy the former Grange hall.</p></td></tr></table></body></html>`
	m := metaOf(page)
	if len(m.headlines) != 1 || !m.headlines[0].StandIn || m.headlines[0].Text != "Town to buy Grange hall" ||
		!slices.Contains(m.headlines[0].After, "By Bill Sauer - March 16, 2026") {
		t.Errorf("headline element or its window missing: %+v", m.headlines)
	}
}

func TestCollectMetaDatedLines(t *testing.T) {
	page := `<html><body><nav><p>Archive 2024</p></nav><article><h1>Harbour cranes idle</h1>
<p class="lead">The cranes at the harbour stood still on Tuesday as the workers walked out over pay; the port authority
said it had made an offer in March 2024, while the union said the offer came far too late for its members.</p>
<div class="box"><span>Datum:</span> 03.02.2024</div>
<p hidden>Hidden 2024</p>
<div class="post-footer">Dieser Artikel wurde am 14. Dezember 2024 um 14:48 verfasst.</div>
</article><div class="comments"><p>Guest, 15.12.2024</p></div><footer><p>Stand 27.01.2025</p></footer></body></html>`
	m := metaOf(page)
	var dated []string
	for _, c := range m.candidates {
		dated = append(dated, c.Text)
	}
	want := []string{"Datum: 03.02.2024", "Dieser Artikel wurde am 14. Dezember 2024 um 14:48 verfasst.", "Stand 27.01.2025"}
	if !slices.Equal(dated, want) {
		t.Errorf("dated lines %q, want %q (not the menu's, the long lead's, the hidden one's, the comment's)", dated, want)
	}
	if c := m.candidates[len(m.candidates)-1]; c.Region != schema.RegionFooter {
		t.Errorf("footer line region %q", c.Region)
	}
	for _, c := range []struct {
		s    string
		want bool
	}{{"Datum: 03.02.2024", true}, {"28.09.19 12:44", true}, {"id 120200622120908039", false}, {"call 1989 7", false},
		{"June 3, 2031", true}, {"Page 2 of 10", false}, {"© 2019-2026 Daily Digest", false}, {"2026-03-04", true}} {
		if got := hasDate(c.s); got != c.want {
			t.Errorf("hasDate(%q) = %v", c.s, got)
		}
	}
}

func TestCollectMetaDatedLineInGluedSpans(t *testing.T) {
	// A blog's date box: month, day and year in spans, the day and year with no
	// space between them in the markup.
	m := metaOf(`<html><body><div class="entry" id="post-7"><div class="stamp"><span class="m">Feb</span> ` +
		`<span class="d">18</span><span class="y">2024</span></div><h2>Spring at the allotment</h2>` +
		`<p>The first seedlings are out.</p></div></body></html>`)
	if len(m.candidates) != 1 || m.candidates[0].Text != "Feb 18\n2024" {
		t.Errorf("candidates %+v, want the date box as a dated line", m.candidates)
	}
}

func TestCollectMetaEmbeddedPostIsNoise(t *testing.T) {
	m := metaOf(`<html><body><article><h1>Harbour cranes idle</h1><p>The cranes stood still.</p>` +
		`<blockquote class="instagram-media"><p>A post shared by Kira on <time datetime="2026-04-21T11:40:22+00:00">Apr 21, 2026</time></p></blockquote>` +
		`</article></body></html>`)
	if c := find(m, "time", ""); c == nil || c.Region != schema.RegionRelated {
		t.Errorf("embedded post's time %+v, want region related", c)
	}
	if after := m.headlines[0].After; len(after) != 1 {
		t.Errorf("text after the headline %q, want the story's paragraph only", after)
	}
}

func TestCommentaryIsNoCommentRegion(t *testing.T) {
	m := metaOf(`<html><body><div class="sect news subjective commentary"><article><h1>Kaeser verarscht Neubauer</h1><p>Text.</p></article></div>` +
		`<div class="comment-list"><h1>Kommentare</h1></div></body></html>`)
	if m.headlines[0].Region != schema.RegionArticle || m.headlines[1].Region != schema.RegionComment {
		t.Errorf("regions %q, %q: want article (an opinion piece) and comment", m.headlines[0].Region, m.headlines[1].Region)
	}
}

func TestCollectMetaDateInsideTheHeadline(t *testing.T) {
	m := metaOf(`<html><body><article><h1><span class="topline"><span class="date">27.01.2026</span></span>MineralölINFO November</h1><p>Text.</p></article></body></html>`)
	c := find(m, "span", "date")
	if c == nil || c.Text != "27.01.2026" || c.AfterHeadlines != 1 {
		t.Errorf("date inside the h1: %+v, want a candidate after the headline", c)
	}
}

func TestMetaClassBits(t *testing.T) {
	for _, tc := range []struct {
		class string
		want  uint8
	}{
		{"", 0}, {"a", 0}, {"d", 0}, {"story-body", 0},
		{"Article-Byline", wordMeta}, {"ArticleDATELINE", wordMeta}, {"xCOMMENTS", wordComment},
		{"commentary", 0}, {"commentary comments", wordComment}, {"sr-only", wordHidden},
		{"TAGS related-links", wordTags | wordRelated}, {"post-author paywall", wordMeta | wordPaywall},
		{"tiktok-embed", wordRelated}, {"tiktok-embe", 0},
	} {
		if got := metaClassBits(tc.class); got != tc.want {
			t.Errorf("metaClassBits(%q) = %08b, want %08b", tc.class, got, tc.want)
		}
	}
}
