package htmlparse

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TestText checks that Document sees the same text as golang.org/x/net/html.Parse
// on malformed markup.
func TestText(t *testing.T) {
	docs := map[string]string{
		"unclosed p":       "<p>one<p>two<div>three</div>four",
		"nested lists":     "<ul><li>a<li>b<ul><li>c</ul><li>d</ul>",
		"table":            "<table><tr><td>a<td>b<tr><td>c</table>after",
		"entities":         "<p>&amp; &lt;b&gt; &eacute; &#233; &#x00E9; &nbsp;x &notanentity;</p>",
		"misnested":        "<b>bold <i>both</b> italic?</i> plain",
		"comments":         "<p>a<!-- hidden -->b<!-->c<!--->d</p>",
		"raw text":         "<p>x</p><script>if (a < b) { document.write('<p>no</p>') }</script><style>p{}</style><textarea>&lt;t&gt;</textarea>",
		"attributes":       `<p title='a "q"' data-x=1 CLASS=Big id = "k">text</p>`,
		"uppercase":        "<DIV><P>Upper</P></DIV>",
		"stray end tags":   "</div></span><p>text</p></p></body>more",
		"svg":              "<p>before</p><svg><title>icon</title><path d='M0'/></svg><p>after</p>",
		"cdata and pi":     "<?xml version='1.0'?><p>a<![CDATA[b]]>c</p>",
		"self closing div": "<div/>inside?<p>p</p>",
		"lone lt":          "<p>a < b and c <3</p>",
	}
	for name, src := range docs {
		t.Run(name, func(t *testing.T) {
			ref, err := html.Parse(strings.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := visibleText(Document(src)), visibleText(ref); got != want {
				t.Errorf("text differs\n got: %q\nwant: %q", got, want)
			}
		})
	}
}

// TestBody: a fragment's head elements stay in the body, where they were written.
func TestBody(t *testing.T) {
	b := Body(`<title>t</title><p>one<p>two</p><meta name="x">`)
	if b.DataAtom != atom.Body || b.Parent == nil || b.Parent.DataAtom != atom.Html {
		t.Fatalf("Body returned %+v", b)
	}
	var tags []string
	for c := b.FirstChild; c != nil; c = c.NextSibling {
		tags = append(tags, c.Data)
	}
	if got := strings.Join(tags, " "); got != "title p p meta" {
		t.Errorf("body children %q", got)
	}
}

func TestStyleHides(t *testing.T) {
	for s, want := range map[string]bool{
		"display:none": true, "DISPLAY: NONE": true, "visibility: hidden;color:red": true,
		"color:red": false, "overflow:hidden": false, "display:block": false,
	} {
		if got := StyleHides(s); got != want {
			t.Errorf("StyleHides(%q) = %v", s, got)
		}
	}
}

// visibleText is the text of the body outside raw-text and foreign elements,
// whitespace collapsed (text nodes joined as a browser shows them).
func visibleText(doc *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Head, atom.Svg, atom.Math:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.Join(strings.Fields(sb.String()), " ")
}

// TestAttributesAcrossChunks: attributes are stored in chunks; a tag whose
// attributes fill one up moves to the next whole, keeping every attribute once (the
// first of duplicate names), lower-cased, in order, and no element shares another's.
func TestAttributesAcrossChunks(t *testing.T) {
	var src strings.Builder
	for i := range 100 {
		src.WriteString(`<p id="p` + strings.Repeat("x", i) + `" class=c>text</p>`)
	}
	src.WriteString(`<div`)
	for i := range 300 {
		src.WriteString(` DATA-A` + strings.Repeat("b", i%150) + `="` + strings.Repeat("v", i) + `"`)
	}
	src.WriteString(` onclick="x()" style="color:red" Title=t>big</div><p id=after>x</p>`)
	doc := Document(src.String())
	var els []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.P || n.DataAtom == atom.Div) {
			els = append(els, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(els) != 102 {
		t.Fatalf("%d elements", len(els))
	}
	for i, p := range els[:100] {
		if len(p.Attr) != 2 || p.Attr[0] != (html.Attribute{Key: "id", Val: "p" + strings.Repeat("x", i)}) || p.Attr[1].Key != "class" {
			t.Fatalf("p %d attributes %v", i, p.Attr)
		}
	}
	div := els[100]
	if len(div.Attr) != 151 {
		t.Fatalf("div has %d attributes, want 150 distinct data-a* and title", len(div.Attr))
	}
	for i, a := range div.Attr[:150] {
		if a.Key != "data-a"+strings.Repeat("b", i) || a.Val != strings.Repeat("v", i) {
			t.Fatalf("div attribute %d = %q=%q", i, a.Key, a.Val[:min(len(a.Val), 8)])
		}
	}
	if div.Attr[150] != (html.Attribute{Key: "title", Val: "t"}) {
		t.Errorf("last attribute %v", div.Attr[150])
	}
	if after := els[101]; len(after.Attr) != 1 || after.Attr[0].Val != "after" {
		t.Errorf("the element after the big one has %v", after.Attr)
	}
	div.Attr = append(div.Attr, html.Attribute{Key: "added"})
	if after := els[101]; after.Attr[0].Val != "after" {
		t.Error("appending to one element's attributes changed another's")
	}
}

// TestHidesMarkup: the text of a <noscript> and of a script holding markup is kept
// (markup a reader may be shown instead of the page), that of other scripts is not.
func TestHidesMarkup(t *testing.T) {
	doc := Document(`<html><body><div id="app"></div><noscript><p>Shown without scripts</p></noscript>` +
		`<script type="text/x-template"><p>A template</p></script><script type="text/html"><p>Markup</p></script>` +
		`<script>var app = 1;</script></body></html>`)
	want := map[string]string{"noscript": "<p>Shown without scripts</p>", "text/x-template": "<p>A template</p>",
		"text/html": "<p>Markup</p>"}
	var walk func(*html.Node)
	seen := 0
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			key := c.Data
			for _, a := range c.Attr {
				if a.Key == "type" {
					key = a.Val
				}
			}
			switch {
			case HidesMarkup(c):
				seen++
				if c.FirstChild == nil || c.FirstChild.Data != want[key] {
					t.Errorf("%s: text %+v, want %q", key, c.FirstChild, want[key])
				}
			case c.DataAtom == atom.Script:
				if c.FirstChild != nil {
					t.Errorf("plain script kept its text %q", c.FirstChild.Data)
				}
			}
			walk(c)
		}
	}
	walk(doc)
	if seen != len(want) {
		t.Errorf("%d elements hide markup, want %d", seen, len(want))
	}
}
