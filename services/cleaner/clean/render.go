package clean

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// renderDoc writes the cleaned document (see the package doc of the extractor for
// its shape). The meta div ends with a <div data-newsjet="after-content"> holding
// one <p> per short line cut from the end of the content, when there are any.
func renderDoc(doc *html.Node, head, body []*html.Node, c content) string {
	var sb strings.Builder
	sb.Grow(8 << 10)
	sb.WriteString("<!DOCTYPE html><html")
	if lang := htmlLang(doc); lang != "" {
		sb.WriteString(` lang="`)
		sb.WriteString(html.EscapeString(lang))
		sb.WriteByte('"')
	}
	sb.WriteString("><head>\n<meta charset=\"utf-8\">\n")
	for _, n := range head {
		_ = html.Render(&sb, n)
		sb.WriteByte('\n')
	}
	sb.WriteString("</head><body>\n<div data-newsjet=\"meta\">")
	for _, n := range body {
		_ = html.Render(&sb, n)
		sb.WriteByte('\n')
	}
	if len(c.tail) > 0 {
		// The short lines cut from the end of the content: a sign-off credit.
		sb.WriteString(`<div data-newsjet="after-content">`)
		for _, n := range c.tail {
			sb.WriteString("<p>")
			sb.WriteString(html.EscapeString(normText(n)))
			sb.WriteString("</p>")
		}
		sb.WriteString("</div>\n")
	}
	sb.WriteString("</div>\n<article data-newsjet=\"content\">")
	if c.root != nil {
		for ch := c.root.FirstChild; ch != nil; ch = ch.NextSibling {
			renderNode(&sb, ch)
		}
	}
	sb.WriteString("</article>\n</body></html>\n")
	out := sb.String()
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\ufffd")
	}
	return out
}

func htmlLang(doc *html.Node) string {
	for c := doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Html {
			for _, a := range c.Attr {
				if a.Key == "lang" || a.Key == "xml:lang" {
					return strings.TrimSpace(a.Val)
				}
			}
		}
	}
	return ""
}

// contentAttrs are the attributes copied onto content elements.
var contentAttrs = map[string]bool{
	"href": true, "src": true, "srcset": true, "alt": true, "title": true, "datetime": true,
	"colspan": true, "rowspan": true, "lang": true, "dir": true, "cite": true, "width": true, "height": true,
	"data-src": true, "data-lazy-src": true, "data-original": true, "data-srcset": true, "start": true,
}

// renderNode writes n with only contentAttrs, dropping comments.
func renderNode(sb *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		sb.WriteString(html.EscapeString(n.Data))
	case html.ElementNode:
		sb.WriteByte('<')
		sb.WriteString(n.Data)
		for _, a := range n.Attr {
			if a.Namespace != "" || !contentAttrs[a.Key] {
				continue
			}
			sb.WriteByte(' ')
			sb.WriteString(a.Key)
			sb.WriteString(`="`)
			sb.WriteString(html.EscapeString(a.Val))
			sb.WriteByte('"')
		}
		sb.WriteByte('>')
		if htmlparse.Void(n.DataAtom) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			renderNode(sb, c)
		}
		sb.WriteString("</")
		sb.WriteString(n.Data)
		sb.WriteByte('>')
	}
}
