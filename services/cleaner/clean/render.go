package clean

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// renderContent renders the children of the content root as sanitized HTML (see
// schema.CleanedPage.Content); "" for no root.
func renderContent(root *html.Node) string {
	if root == nil {
		return ""
	}
	var sb strings.Builder
	sb.Grow(8 << 10)
	for ch := root.FirstChild; ch != nil; ch = ch.NextSibling {
		renderNode(&sb, ch)
	}
	return sb.String()
}

// tailLines returns the text of the short lines cut from the end of the content.
func tailLines(tail []*html.Node) []string {
	var out []string
	for _, n := range tail {
		if s := htmlparse.Fold(normText(n)); s != "" {
			out = append(out, s)
		}
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
	"href": true, "src": true, "alt": true, "title": true, "datetime": true, "colspan": true, "rowspan": true,
	"cite": true, "width": true, "height": true, "data-src": true, "data-lazy-src": true, "data-original": true,
	"start": true,
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

// validUTF8 replaces invalid UTF-8 in every string of p by U+FFFD (the page's bytes
// are kept as they are in the tree).
func validUTF8(p *schema.CleanedPage) {
	fix := func(s *string) {
		if !utf8.ValidString(*s) {
			*s = strings.ToValidUTF8(*s, "\ufffd")
		}
	}
	fixAll := func(l []string) {
		for i := range l {
			fix(&l[i])
		}
	}
	h := &p.Head
	fix(&h.Lang)
	fix(&h.Title)
	fix(&h.Base)
	for i := range h.Meta {
		fix(&h.Meta[i].Key)
		fix(&h.Meta[i].Content)
	}
	for i := range h.Links {
		fix(&h.Links[i].Rel)
		fix(&h.Links[i].Href)
	}
	fixAll(h.JSONLDText)
	for i := range p.Headlines {
		hl := &p.Headlines[i]
		fix(&hl.Text)
		fixAll(hl.Before)
		fixAll(hl.After)
	}
	for i := range p.Candidates {
		c := &p.Candidates[i]
		for _, s := range [...]*string{&c.Tag, &c.Class, &c.ElemID, &c.Itemprop, &c.Rel, &c.Href, &c.Datetime,
			&c.Content, &c.Title, &c.Src, &c.Alt, &c.Text} {
			fix(s)
		}
	}
	fix(&p.Content)
	fixAll(p.Tail)
}
