package extract

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// cleaned wraps a content fragment in the cleaned-document shape.
func cleaned(head, content string) string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` + head +
		`</head><body><div data-newsjet="meta"></div><article data-newsjet="content">` + content +
		`</article></body></html>`
}

// contentOf parses a content fragment as Extract does.
func contentOf(t *testing.T, fragment string) *html.Node {
	t.Helper()
	return htmlparse.Body(fragment)
}

func TestBodyText(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"paragraphs", "<p>One.</p><p>Two.</p>", "One.\n\nTwo."},
		{"no glue between blocks", "<p>end.</p><p>Next</p><div>div</div><h2>Head</h2><p>x</p>", "end.\n\nNext\n\ndiv\n\nHead\n\nx"},
		{"inline elements join", "<p>a<b>b</b>c <i>d</i> e<a href='/x'>f</a>.</p>", "abc d ef."},
		{"whitespace collapsed", "<p>  many \n\t spaces\u00a0here  </p>", "many spaces here"},
		{"ruby readings left out", "<p><ruby>漢字<rp>(</rp><rt>かんじ</rt><rp>)</rp></ruby>を読む</p>", "漢字を読む"},
		{"soft hyphens and zero-width characters left out", "<p>Bundes&shy;regie\u00adrung, Zero\u200bwidth\u2060joined\ufeff, emoji \U0001F468\u200d\U0001F33E</p>",
			"Bundesregierung, Zerowidthjoined, emoji \U0001F468\u200d\U0001F33E"},
		{"line break", "<p>line one<br>line two</p>", "line one\nline two"},
		{"lists", "<ul><li>first</li><li>second <em>item</em></li></ul>", "first\n\nsecond item"},
		{"caption left out", "<p>Text.</p><figure><img src='a.jpg'><figcaption>Photo: someone</figcaption></figure><p>More.</p>", "Text.\n\nMore."},
		{"blockquote kept", "<blockquote><p>Quoted post.</p>— Someone (@someone)</blockquote>", "Quoted post.\n\n— Someone (@someone)"},
		{"pre kept", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"text directly in content", "Loose text <b>here</b>", "Loose text here"},
		{"empty", "", ""},
		{"data table: a line per row", "<p>Results:</p><table><caption>Mayor</caption><thead><tr><th>Candidate</th><th>Votes</th></tr></thead>" +
			"<tbody><tr><td>Priya <b>Basran</b></td><td><p>17,904</p></td></tr><tr><td>Doug Kettering</td><td>15,559<br>(35.8%)</td></tr></tbody></table><p>After.</p>",
			"Results:\n\nMayor\n\nCandidate Votes\nPriya Basran 17,904\nDoug Kettering 15,559 (35.8%)\n\nAfter."},
		{"layout table: paragraphs stay apart", "<table><tr><td><p>First paragraph.</p><p>Second paragraph.</p></td><td>Side</td></tr></table>",
			"First paragraph.\n\nSecond paragraph.\n\nSide"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := bodyText(contentOf(t, c.in)); got != c.want {
				t.Errorf("bodyText(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestBodyHTMLSanitized(t *testing.T) {
	base, _ := url.Parse("https://news.example/a/story.html")
	in := `<h1>Title</h1><p onclick="steal()" style="color:red" class="x">Hello <a href="/b" onmouseover="x()">link</a>
<a href="javascript:alert(1)">bad</a> <a href="#top">anchor</a></p>
<script>alert(1)</script><style>p{}</style><iframe src="https://ads.example"></iframe>
<figure><img src="img/photo.jpg" alt="A photo" width="640"><figcaption>Caption text</figcaption></figure>
<img src="https://track.example/p.gif" width="1" height="1"><img src="data:image/gif;base64,R0lGOD" data-src="/lazy.jpg">
<blockquote cite="/src"><p>Quote</p></blockquote><ul><li>item</li></ul><div>loose div text</div>
<form><input name="q"><button>Go</button></form>`
	got := bodyHTML(contentOf(t, in), base)
	for _, bad := range []string{"onclick", "onmouseover", "style=", "class=", "<script", "alert", "<style", "<iframe",
		"javascript:", "track.example", "data:image", "<form", "<input", "<button", "#top"} {
		if strings.Contains(got, bad) {
			t.Errorf("body_html keeps %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{`<h2>Title</h2>`, `<a href="https://news.example/b">link</a>`,
		`<img src="https://news.example/a/img/photo.jpg" alt="A photo" width="640">`, `<figcaption>Caption text</figcaption>`,
		`<img src="https://news.example/lazy.jpg">`, `<blockquote cite="https://news.example/src">`, `<li>item</li>`,
		`<p>loose div text</p>`} {
		if !strings.Contains(got, want) {
			t.Errorf("body_html lacks %q:\n%s", want, got)
		}
	}
}

func TestBodyMarkdown(t *testing.T) {
	base, _ := url.Parse("https://news.example/a/")
	in := `<h2>Section</h2><p>Some <strong>bold</strong> and <em>soft</em> text with a <a href="/l">link</a>.</p>
<ul><li>one</li><li>two</li></ul><ol start="3"><li>three</li></ol><blockquote><p>Quoted</p></blockquote>
<figure><img src="p.jpg" alt="pic"><figcaption>Cap</figcaption></figure><pre>code  here</pre><p>5 * 3 = 15</p>`
	want := "## Section\n\nSome **bold** and *soft* text with a [link](https://news.example/l).\n\n- one\n- two\n\n" +
		"3. three\n\n> Quoted\n\n![pic](https://news.example/a/p.jpg)\n\n*Cap*\n\n```\ncode  here\n```\n\n5 \\* 3 = 15"
	if got := bodyMarkdown(contentOf(t, in), base); got != want {
		t.Errorf("markdown:\n%s\nwant:\n%s", got, want)
	}
}

func TestCountWords(t *testing.T) {
	cases := []struct {
		in         string
		words, cjk int
	}{
		{"", 0, 0},
		{"Hello, world! It's 2026.", 5, 0},
		{"naïve café—déjà vu", 4, 0},
		{"東京で会議", 0, 5},
		{"Kindle版の本", 1, 3},
		{"हिन्दी भाषा", 2, 0},
	}
	for _, c := range cases {
		if w, k := countWords(c.in); w != c.words || k != c.cjk {
			t.Errorf("countWords(%q) = %d, %d; want %d, %d", c.in, w, k, c.words, c.cjk)
		}
	}
}

func TestExtractBodyFields(t *testing.T) {
	long := strings.Repeat("word ", 500)
	a, err := Extract(v1Page(cleaned("<title>T</title>", "<p>"+long+"</p><p>Second paragraph.</p>"), "https://news.example/s"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.WordCount != 502 || a.ReadingTimeMinutes != 3 {
		t.Errorf("word count %d, reading time %d; want 502, 3", a.WordCount, a.ReadingTimeMinutes)
	}
	if !strings.HasSuffix(a.BodyText, "word\n\nSecond paragraph.") {
		t.Errorf("body text ends %q", a.BodyText[len(a.BodyText)-40:])
	}
	if !strings.Contains(a.BodyHTML, "<p>Second paragraph.</p>") || !strings.Contains(a.BodyMarkdown, "\n\nSecond paragraph.") {
		t.Errorf("body html/markdown: %q / %q", a.BodyHTML[len(a.BodyHTML)-40:], a.BodyMarkdown[len(a.BodyMarkdown)-40:])
	}
}

func TestTruncatedBody(t *testing.T) {
	text := strings.Repeat("The story goes on and on. ", 10) + "Subscribers can read the rest…"
	a, err := Extract(v1Page(cleaned("", "<p>"+text+"</p>"), ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Truncated {
		t.Error("a body ending in an ellipsis is not flagged truncated")
	}
}

func TestLivePosts(t *testing.T) {
	ld := `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},
{"@type":["LiveBlogPosting"],"liveBlogUpdate":[
{"@type":"BlogPosting","headline":"Second","datePublished":"2026-05-07T23:05:00+01:00","articleBody":"Later &amp; update."},
{"@type":"BlogPosting","headline":"First","datePublished":"2026-05-07T22:00:00+01:00","articleBody":"Polls closed."},
{"@type":"BlogPosting","headline":"No text"}]}]}</script>`
	a, err := Extract(v1Page(cleaned(ld, "<p>Intro.</p>"), ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.LivePosts) != 2 {
		t.Fatalf("got %d live posts, want 2: %+v", len(a.LivePosts), a.LivePosts)
	}
	p := a.LivePosts[0]
	if p.Headline != "Second" || p.Text != "Later & update." || p.PublishedAt == nil ||
		p.PublishedAt.Format("2006-01-02T15:04:05Z07:00") != "2026-05-07T23:05:00+01:00" {
		t.Errorf("first post %+v", p)
	}
	if a.LivePosts[1].Headline != "First" {
		t.Errorf("posts out of page order: %+v", a.LivePosts)
	}
}

func TestExtractErrors(t *testing.T) {
	for _, in := range []string{"", "   \n"} {
		if _, err := Extract(v1Page(in, ""), nil); !errors.Is(err, ErrEmpty) {
			t.Errorf("v1 document %q: error %v, want ErrEmpty", in, err)
		}
	}
	if _, err := Extract(&schema.CleanedPage{Schema: schema.CleanedPageV2, ID: "c", RawID: "r"}, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty v2 page: error %v, want ErrEmpty", err)
	}
	deep := strings.Repeat("<div>", 100000) + "text"
	a, err := Extract(&schema.CleanedPage{Schema: schema.CleanedPageV2, ID: "c", RawID: "r", Content: deep}, nil)
	if err != nil || a.BodyText != "text" {
		t.Errorf("100000 nested elements: %v, body %q", err, a.BodyText)
	}
}

func TestExtractNotCleanedDocument(t *testing.T) {
	a, err := Extract(v1Page("<html><body><p>Plain page.</p><p>Two.</p></body></html>", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.BodyText != "Plain page.\n\nTwo." {
		t.Errorf("body of a plain document: %q", a.BodyText)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(cleaned("<title>T</title>", "<p>Body.</p>"), "https://x.example/")
	f.Add(cleaned(`<script type="application/ld+json">{"@type":"LiveBlogPosting","liveBlogUpdate":[{"articleBody":"x"}]}</script>`, "<ul><li>a<li>b</ul>"), "")
	f.Add("<p>a<br>b<figure><figcaption>c</figure>", "::bad url")
	f.Add(`<a href="javascript:x">y</a><img src="//cdn.example/i.jpg" width="1">`, "http://[::1]:namedport")
	f.Fuzz(func(t *testing.T, doc, pageURL string) {
		// The same bytes as a v1 document and as the content of a v2 page.
		v2 := &schema.CleanedPage{Schema: schema.CleanedPageV2, ID: "c", RawID: "r", URL: pageURL, Content: doc}
		for _, cp := range []*schema.CleanedPage{v1Page(doc, pageURL), v2} {
			a, err := Extract(cp, nil)
			if err != nil {
				if !errors.Is(err, ErrEmpty) {
					t.Fatalf("error without a sentinel: %v", err)
				}
				continue
			}
			if a.WordCount < 0 || a.ReadingTimeMinutes < 0 || (a.WordCount > 0) != (a.ReadingTimeMinutes > 0) {
				t.Fatalf("word count %d, reading time %d", a.WordCount, a.ReadingTimeMinutes)
			}
			if strings.Contains(a.BodyHTML, "<script") || strings.Contains(strings.ToLower(a.BodyHTML), "javascript:") {
				t.Fatalf("unsafe body_html: %q", a.BodyHTML)
			}
		}
	})
}

func TestBodyTextCustomElementsDoNotGlue(t *testing.T) {
	got := bodyText(contentOf(t, "<story-paragraph>First part</story-paragraph><story-paragraph>Second part</story-paragraph>"))
	if got != "First part\n\nSecond part" {
		t.Errorf("custom elements glued: %q", got)
	}
}

// TestExtractLargeDocument: a big cleaned document (20,000 paragraphs, a 10 MB
// text node) gives a full result; time stays linear.
func TestExtractLargeDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("large input skipped in -short")
	}
	var sb strings.Builder
	for i := 0; i < 20000; i++ {
		sb.WriteString("<div><p>Paragraph with <a href='/x'>a link</a> and <time datetime='2026-01-01T00:00:00Z'>a time</time>.</p></div>")
	}
	sb.WriteString("<p>" + strings.Repeat("word ", 2<<20) + "</p>")
	a, err := Extract(v1Page(cleaned("", sb.String()), "https://news.example/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.WordCount < 2<<20 || !strings.HasPrefix(a.BodyText, "Paragraph with a link and a time.") {
		t.Errorf("word count %d, body starts %q", a.WordCount, a.BodyText[:40])
	}
}

// collapseCases hold every kind of white-space run collapseSpaces meets: none,
// single spaces, runs at either end, tabs and newlines, and non-ASCII spaces.
var collapseCases = []string{
	"", " ", "   ", "word", "two words", " lead", "trail ", "  both  ends  ",
	"a\tb", "a\n\nb", "a \u00a0 b", "a\u2003b", "no\u200bsplit", "x\u0085y",
	"bad \xff utf8", "many   spaces   between", "\u3000全角\u3000空白\u3000",
}

func TestCollapseSpaces(t *testing.T) {
	for _, s := range collapseCases {
		if got, want := collapseSpaces(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("collapseSpaces(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzCollapseSpaces(f *testing.F) {
	for _, s := range collapseCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapseSpaces(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("collapseSpaces(%q) = %q, want %q", s, got, want)
		}
	})
}
