package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// The compatibility path of newsjet.cleaned_page.v1, whose pages are one HTML
// document: the head's metadata elements in <head>, copies of the body's
// metadata-bearing elements in <div data-newsjet="meta"> (data-newsjet-hidden and
// data-newsjet-ctx on each, the text windows around each headline in
// <div data-newsjet="before-h1"> and "after-h1", the lines cut from the end of the
// content in "after-content", the stand-in headline marked data-newsjet-title), and
// the main content in <article data-newsjet="content">. fromV1 reads such a document
// into the v2 fields; every element nested in a copied one becomes a nested
// candidate.
const (
	v1Kind   = "data-newsjet"
	v1Hidden = "data-newsjet-hidden"
	v1Ctx    = "data-newsjet-ctx"
	v1Title  = "data-newsjet-title"
)

// fromV1 reads a v1 document: the v2 fields of its page (Head, Headlines,
// Candidates, Tail) and its parsed content (the document's <body> when it has no
// content element: a document that is not a cleaned one is all content).
func fromV1(doc string) (*schema.CleanedPage, *html.Node) {
	root := htmlparse.Document(doc)
	cp := &schema.CleanedPage{}
	var content, body *html.Node
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 64 {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Html:
				cp.Head.Lang = attr(c, "lang")
				walk(c, depth+1)
			case atom.Head:
				walk(c, depth+1)
			case atom.Body:
				body = c
				walk(c, depth+1)
			case atom.Title:
				if cp.Head.Title == "" {
					cp.Head.Title = collapse(textOf(c))
				}
			case atom.Meta:
				v1Meta(&cp.Head, c)
			case atom.Base:
				if cp.Head.Base == "" {
					cp.Head.Base = strings.TrimSpace(attr(c, "href"))
				}
			case atom.Link:
				if rel := attr(c, "rel"); rel != "" {
					cp.Head.Links = append(cp.Head.Links, schema.Link{Rel: strings.ToLower(rel), Href: strings.TrimSpace(attr(c, "href"))})
				}
			case atom.Script:
				if c.FirstChild != nil {
					cp.Head.AddJSONLD(c.FirstChild.Data)
				}
			case atom.Div:
				if attr(c, v1Kind) == "meta" {
					v1MetaDiv(cp, c)
					continue
				}
				walk(c, depth+1)
			case atom.Article:
				if attr(c, v1Kind) == "content" && content == nil {
					content = c
					continue
				}
				walk(c, depth+1)
			default:
				walk(c, depth+1)
			}
		}
	}
	walk(root, 0)
	if content == nil {
		content = body
	}
	return cp, content
}

// v1Meta adds a <meta> element to the head, as the cleaner does.
func v1Meta(h *schema.PageHead, n *html.Node) {
	key := firstNonEmpty(attr(n, "property"), attr(n, "name"), attr(n, "itemprop"), attr(n, "http-equiv"))
	val := attr(n, "content")
	if val == "" {
		val = attr(n, "value")
	}
	key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
	if key != "" && val != "" {
		h.Meta = append(h.Meta, schema.Meta{Key: key, Content: val})
	}
}

// v1MetaDiv reads the cleaner's copies of metadata-bearing body elements.
func v1MetaDiv(cp *schema.CleanedPage, div *html.Node) {
	var before []string
	shown := 0
	lines := func(n *html.Node) []string {
		var out []string
		for b := n.FirstChild; b != nil; b = b.NextSibling {
			if t := collapse(textOf(b)); t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	for c := div.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch {
		case c.DataAtom == atom.H1 || attr(c, v1Title) != "":
			h := schema.Headline{Text: htmlparse.Text(c, false, v1Skip), Hidden: attr(c, v1Hidden) != "",
				StandIn: c.DataAtom != atom.H1, Region: attr(c, v1Ctx), Before: before}
			cp.Headlines = append(cp.Headlines, h)
			if !h.Hidden {
				shown++
			}
			before = nil
		case attr(c, v1Kind) == "before-h1":
			before = append(before, lines(c)...)
		case attr(c, v1Kind) == "after-content":
			cp.Tail = append(cp.Tail, lines(c)...)
		case attr(c, v1Kind) == "after-h1":
			if len(cp.Headlines) > 0 {
				h := &cp.Headlines[len(cp.Headlines)-1]
				h.After = append(h.After, lines(c)...)
			}
		default:
			top := v1Candidate(c, 0, attr(c, v1Hidden) != "")
			top.Region, top.AfterHeadlines = attr(c, v1Ctx), shown
			cp.Candidates = append(cp.Candidates, top)
			v1Nested(cp, c, 1, top.Hidden)
		}
	}
}

// v1Nested adds every element nested in the copy n as a candidate at depth.
func v1Nested(cp *schema.CleanedPage, n *html.Node, depth int, hidden bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		h := hidden || attr(c, v1Hidden) != ""
		cp.Candidates = append(cp.Candidates, v1Candidate(c, depth, h))
		v1Nested(cp, c, depth+1, h)
	}
}

// v1Candidate returns the candidate a v1 copy is, without region and position.
func v1Candidate(n *html.Node, depth int, hidden bool) schema.Candidate {
	c := schema.Candidate{Tag: n.Data, Depth: depth, Hidden: hidden, Class: attr(n, "class"), ElemID: attr(n, "id"),
		Itemprop: attr(n, "itemprop"), Rel: attr(n, "rel"), Href: attr(n, "href"), Datetime: attr(n, "datetime"),
		Content: attr(n, "content")}
	switch n.DataAtom {
	case atom.Abbr:
		c.Title = attr(n, "title")
	case atom.Img:
		c.Src, c.Alt = imgSrc(n), attr(n, "alt")
	}
	c.Text = htmlparse.Text(n, true, v1Skip)
	return c
}

// v1Skip reports whether a copied element is marked hidden.
func v1Skip(n *html.Node) bool { return attr(n, v1Hidden) != "" }
