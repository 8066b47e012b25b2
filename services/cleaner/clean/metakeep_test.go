package clean

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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

func render(t *testing.T, nodes []*html.Node) string {
	t.Helper()
	var b bytes.Buffer
	for _, n := range nodes {
		if err := html.Render(&b, n); err != nil {
			t.Fatal(err)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestCollectMetaHead(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(metaPage))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := collectMeta(doc)
	got := render(t, head)
	for _, want := range []string{
		"<title>Storm hits coast | Daily Planet</title>",
		`<meta property="og:title" content="Storm hits coast"/>`,
		`<meta name="author" content="Lois Lane"/>`,
		`<link rel="canonical" href="https://example.com/storm"/>`,
		`{"@type":"NewsArticle","headline":"Storm hits coast"}`,
		`{"@type":"BreadcrumbList"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("head lacks %s\ngot:\n%s", want, got)
		}
	}
	for _, bad := range []string{"stylesheet", "tracking", ".x{}", "<title>icon"} {
		if strings.Contains(got, bad) {
			t.Errorf("head keeps %q\ngot:\n%s", bad, got)
		}
	}
}

func TestCollectMetaBody(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(metaPage))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	for _, want := range []string{
		`<h1 class="logo" data-newsjet-ctx="header">Daily Planet</h1>`,
		`<h1 data-newsjet-hidden="1">Sign up now</h1>`,
		`<h1 class="headline" data-newsjet-ctx="article">Storm hits coast</h1>`,
		`<div class="byline" data-newsjet-ctx="article">By <a href="/author/lois" rel="author">Lois Lane</a>, Staff Writer</div>`,
		`<time datetime="2024-05-01T09:30:00+02:00" data-newsjet-ctx="article">May 1, 2024</time>`,
		`data-newsjet-ctx="comment">Guest</span>`,
		`<div data-newsjet="after-h1">`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("body lacks %s\ngot:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Sign up now</h1>\n<div") {
		t.Errorf("hidden h1 opens a text window\ngot:\n%s", got)
	}
	if !strings.Contains(got, `Storm hits coast</h1>
<div data-newsjet="after-h1"><p data-newsjet-end="1">By Lois Lane, Staff Writer </p>`) {
		t.Errorf("no text window after the headline\ngot:\n%s", got)
	}
}

func TestCollectMetaAfterH1(t *testing.T) {
	page := `<html><body><h1>Title</h1><p class="x">By <b>Jane Roe</b></p><p>Posted 3 May 2023</p>` +
		`<p>` + strings.Repeat("word ", 400) + `</p><p>late text</p></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	var after *html.Node
	for _, n := range body {
		if attrVal(n, attrKind) == "after-h1" {
			after = n
		}
	}
	if after == nil {
		t.Fatalf("no after-h1 block in %s", render(t, body))
	}
	var blocks []string
	for p := after.FirstChild; p != nil; p = p.NextSibling {
		blocks = append(blocks, p.FirstChild.Data)
	}
	if len(blocks) < 3 || blocks[0] != "By Jane Roe" || blocks[1] != "Posted 3 May 2023" {
		t.Fatalf("after-h1 blocks = %q", blocks)
	}
	if s := render(t, []*html.Node{after}); strings.Contains(s, "late text") || len(s) > afterH1MaxText+400 {
		t.Errorf("after-h1 window not limited: %d bytes", len(s))
	}
}

func TestCollectMetaLargeElementDescends(t *testing.T) {
	page := `<html><body><div class="author-page">` + strings.Repeat("<p>filler text here</p>", 100) +
		`<span class="byline">By Ann Poe</span></div></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	if strings.Contains(got, "filler") && strings.Count(got, "filler") > 30 {
		t.Errorf("large element copied whole: %d bytes", len(got))
	}
	if !strings.Contains(got, `<span class="byline">By Ann Poe</span>`) {
		t.Errorf("inner byline lost:\n%s", got)
	}
}

func TestCollectMetaDoesNotMutate(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(metaPage))
	if err != nil {
		t.Fatal(err)
	}
	before := render(t, []*html.Node{doc})
	head, body := collectMeta(doc)
	// Rendering the results and mutating the copies must leave doc untouched.
	_ = render(t, append(head, body...))
	for _, n := range body {
		n.Attr = append(n.Attr, html.Attribute{Key: "x", Val: "y"})
	}
	if after := render(t, []*html.Node{doc}); after != before {
		t.Error("collectMeta changed the original tree")
	}
}

func TestCollectMetaDeepNesting(t *testing.T) {
	// html.Parse refuses such depth; a tree built by hand can still have it.
	doc, err := html.Parse(strings.NewReader("<h1>top</h1><div></div>"))
	if err != nil {
		t.Fatal(err)
	}
	n := doc.LastChild.LastChild.LastChild // html > body > div
	for range 2 * metaMaxDepth {
		d := &html.Node{Type: html.ElementNode, Data: "div"}
		n.AppendChild(d)
		n = d
	}
	h := &html.Node{Type: html.ElementNode, Data: "h1", DataAtom: atom.H1}
	h.AppendChild(&html.Node{Type: html.TextNode, Data: "deep"})
	n.AppendChild(h)
	_, body := collectMeta(doc)
	got := render(t, body)
	if !strings.Contains(got, "top") || strings.Contains(got, "deep") {
		t.Errorf("want the shallow h1 only (deeper than %d levels is not searched):\n%s", metaMaxDepth, got)
	}
}

func BenchmarkCollectMeta(b *testing.B) {
	page := strings.Replace(metaPage, "<p>The storm arrived on Tuesday.</p>",
		strings.Repeat(`<div class="para"><p>The storm arrived on <a href="/x">Tuesday</a>.</p></div>`, 500), 1)
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		collectMeta(doc)
	}
}

func TestCollectMetaBeforeH1AndTitleElement(t *testing.T) {
	page := `<html><head><title>Harbor reopens after the storm - Coast News</title></head><body>
<nav><a href="/">Home</a></nav>
<p class="about">Von <a href="/x">Jana Roe</a> publiziert am 25. September 2018</p>
<h1>Harbor reopens after the storm</h1><p>Body.</p></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	want := `<div data-newsjet="before-h1"><p>Von </p><p>Jana Roe</p><p> publiziert am 25. September 2018</p></div>`
	if !strings.Contains(got, want) {
		t.Errorf("no text window before the h1 (menu text excluded):\n%s", got)
	}

	noH1 := `<html><head><meta property="og:title" content="Harbor reopens after the storm"></head><body>
<div><p class="titulo">Harbor reopens after the storm</p><small>05/10/2018 - Published by: Jana Roe</small></div>
<p>Body text.</p></body></html>`
	doc, err = html.Parse(strings.NewReader(noH1))
	if err != nil {
		t.Fatal(err)
	}
	_, body = collectMeta(doc)
	got = render(t, body)
	if !strings.Contains(got, "<p class=\"titulo\" data-newsjet-title=\"1\">Harbor reopens after the storm</p>\n"+
		`<div data-newsjet="after-h1"><p data-newsjet-end="1">05/10/2018 - Published by: Jana Roe </p>`) {
		t.Errorf("the element showing og:title does not stand in for the h1:\n%s", got)
	}
}

func TestCollectMetaStrayHeadMetas(t *testing.T) {
	// The <div> closes <head> early: the parser puts the later <meta> and <link> in <body>.
	page := `<html><head><title>T</title><div>banner</div>
<meta property="article:modified_time" content="2019-11-19T22:25:13+00:00">
<link rel="canonical" href="https://example.com/a"></head><body>
<div itemscope><meta itemprop="datePublished" content="2019-11-19T05:04:02Z"></div><h1>T</h1></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	head, body := collectMeta(doc)
	gotHead, gotBody := render(t, head), render(t, body)
	for _, want := range []string{`<meta property="article:modified_time"`, `<link rel="canonical" href="https://example.com/a"/>`} {
		if !strings.Contains(gotHead, want) {
			t.Errorf("head lacks %s:\n%s", want, gotHead)
		}
	}
	if !strings.Contains(gotBody, `<meta itemprop="datePublished" content="2019-11-19T05:04:02Z"/>`) {
		t.Errorf("body lacks the microdata meta:\n%s", gotBody)
	}
}

func TestCollectMetaPaywallMarker(t *testing.T) {
	page := `<html><body><h1>T</h1><div class="article-paywall"><p>Subscribe to read more.</p></div>
<div class="paywall-footer">x</div></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	if !strings.Contains(got, `<div class="article-paywall"></div>`) || strings.Contains(got, "paywall-footer") {
		t.Errorf("want one bare paywall marker:\n%s", got)
	}
}

func TestCollectMetaFigures(t *testing.T) {
	page := `<html><body><header><h1>Site</h1></header>
<figure class="hero"><img data-src="https://cdn.example.com/lead.jpg" alt="Harbor"><figcaption>The harbor at dawn.</figcaption></figure>
<h1>T</h1><aside><figure><img src="/ad.jpg"></figure></aside>
<figure><img src="/2.jpg"></figure><figure><img src="/3.jpg"></figure></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	if !strings.Contains(got, `<figure class="hero"><img data-src="https://cdn.example.com/lead.jpg" alt="Harbor"/><figcaption>The harbor at dawn.</figcaption></figure>`) {
		t.Errorf("lead figure not kept:\n%s", got)
	}
	if strings.Contains(got, "/ad.jpg") || strings.Contains(got, "/3.jpg") || !strings.Contains(got, "2.jpg") {
		t.Errorf("want the first two figures outside sidebars:\n%s", got)
	}
}

func TestCollectMetaBounded(t *testing.T) {
	page := "<html><body><h1>T</h1>" + strings.Repeat(`<time datetime="2024-01-01">Jan 1</time><p class="byline">By A B</p>`, 5000) +
		`<script type="application/ld+json">{"@type":"NewsArticle"}</script></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	head, body := collectMeta(doc)
	if len(body) > maxBodyNodes {
		t.Errorf("body holds %d entries, want at most %d", len(body), maxBodyNodes)
	}
	if len(head) != 1 {
		t.Errorf("head holds %d entries, want the JSON-LD after the cap too", len(head))
	}
}

func TestCollectMetaTagLinks(t *testing.T) {
	page := `<html><body><nav><a rel="tag" href="/tag/menu">Menu</a></nav><article><h1>Storm hits coast</h1>
<p>The storm arrived on Tuesday.</p>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/weather/" rel="category tag">Weather</a></span>
<span class="tags-links">Tagged <a href="/t/storms/">storms</a>, <a href="/t/coast/">coast</a></span></footer>
<p>See also <a rel="tag" href="/tag/floods">floods</a>.</p></article></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	for _, want := range []string{
		`<span class="cat-links" data-newsjet-ctx="article">Posted in <a href="/category/weather/" rel="category tag">Weather</a></span>`,
		`<span class="tags-links" data-newsjet-ctx="article">Tagged <a href="/t/storms/">storms</a>, <a href="/t/coast/">coast</a></span>`,
		`<a href="/tag/floods" rel="tag" data-newsjet-ctx="article">floods</a>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("body lacks %s\ngot:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Menu") {
		t.Errorf("menu tag link kept\ngot:\n%s", got)
	}
}

func TestCollectMetaAfterH1ElementsNotGlued(t *testing.T) {
	page := `<html><body><h1>Stadtlauf: Rekord</h1><div class="zeile"><span>Autor: <a href="/a/jb">Jana Berg</a></span>` +
		`<span>Veröffentlicht am 20.09.2026</span></div><p>Mehr als 4000 Läufer.</p></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	if !strings.Contains(got, "Autor: Jana Berg Veröffentlicht am 20.09.2026") {
		t.Errorf("after-h1 window glues two elements' texts\ngot:\n%s", got)
	}
}

func TestCollectMetaTitleAfterSitePrefix(t *testing.T) {
	// No h1: the headline is a bold line showing <title> without its site prefix.
	page := `<html><head><title>Pine Hollow Pennysaver - Town to buy Grange hall</title></head><body><table><tr><td>` +
		`<p><font size="5"><b>Town to buy Grange hall</b></font></p><p><i>By Bill Sauer - March 16, 2026</i></p>` +
		`<p>The town board voted Monday night to buy the former Grange hall.</p></td></tr></table></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	_, body := collectMeta(doc)
	got := render(t, body)
	if !strings.Contains(got, `<b data-newsjet-title="1">Town to buy Grange hall</b>`) ||
		!strings.Contains(got, "By Bill Sauer - March 16, 2026") {
		t.Errorf("headline element or its window missing\ngot:\n%s", got)
	}
}
