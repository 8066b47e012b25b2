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
