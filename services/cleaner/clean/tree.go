package clean

import (
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// elem is one element of the page body in document (pre-)order. Its subtree is
// the index range [i, end).
type elem struct {
	n      *html.Node
	parent int32
	end    int32
	flags  uint16
	// own is the visible text directly inside the element; inl the text of its
	// paragraph (own text plus that of inline descendants not inside a nested
	// block), inlLink the part of inl inside links.
	own, inl, inlLink int32
	// text, link: all visible text of the subtree and the part inside links.
	text, link int32
	// good is the weighted paragraph text of the subtree: the main-content signal.
	good float32
	// titles counts the title links in the subtree: headings or paragraphs that
	// are mostly one link of at least Params.TitleMinLen bytes, or open with one (teaser
	// headlines).
	titles int32
	// ads counts the scripts, iframes, objects and ins elements in the subtree
	// (ad and embed code), the controls (buttons, inputs, icons) and the empty
	// elements named like furniture (ad slots filled by script).
	ads int32
	// bonus is extra weight used only to choose the content root (itemprop=articleBody).
	bonus float32
	// paras is the paragraph weight of the element's child blocks (their own
	// paragraphs only): how much readable text the element holds itself, the
	// measure of secondOpinion.
	paras float32
}

// page is the flattened body of a parsed document.
type page struct {
	par *Params
	// adLabels are the ad labels of the page's language (see adLabelsFor).
	adLabels map[string]bool
	els      []elem
	body     int32   // index of <body>, -1 when absent
	h1       int32   // index of the first shown <h1>, -1 when none
	h1s      []int32 // indices of all shown <h1> elements, in document order
	// keep is the element chosen by secondOpinion (-1 for none): it and its
	// ancestors are not furniture.
	keep int32
}

// maxWalkDepth bounds the recursion over the parsed tree (html.Parse itself keeps
// nesting under 512).
const maxWalkDepth = 1024

// flattenBody builds the element array of doc's <body>, classifying each element
// and summing the text statistics bottom-up.
func flattenBody(doc *html.Node, par *Params) *page {
	p := &page{par: par, body: -1, h1: -1, keep: -1}
	body := findBody(doc)
	if body == nil {
		return p
	}
	p.els = make([]elem, 0, 1024)
	p.body = 0
	p.add(body, -1, 0, false)
	p.sum()
	return p
}

func findBody(doc *html.Node) *html.Node {
	for c := doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Html {
			for b := c.FirstChild; b != nil; b = b.NextSibling {
				if b.Type == html.ElementNode && b.DataAtom == atom.Body {
					return b
				}
			}
		}
	}
	return nil
}

// add appends n and its element descendants. Junk subtrees are one element
// with no statistics; their descendants are not visited.
func (p *page) add(n *html.Node, parent int32, depth int, hidden bool) {
	idx := int32(len(p.els))
	f := classify(n)
	if n.DataAtom == atom.Body {
		f = fBlock
	}
	if hidden {
		f |= fHidden
	}
	p.els = append(p.els, elem{n: n, parent: parent, flags: f})
	if f&fJunk != 0 || depth >= maxWalkDepth {
		p.els[idx].end = idx + 1
		return
	}
	if n.DataAtom == atom.H1 && f&fHidden == 0 {
		if p.h1 < 0 {
			p.h1 = idx
		}
		p.h1s = append(p.h1s, idx)
	}
	childHidden := f&fHidden != 0
	var own int32
	first := true
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			v := visibleLen(c.Data)
			own += v
			first = first && v == 0
		case html.ElementNode:
			if first && c.DataAtom == atom.A {
				p.els[idx].flags |= fLeadLink
			}
			first = false
			p.add(c, idx, depth+1, childHidden)
		}
	}
	e := &p.els[idx]
	e.own = own
	e.end = int32(len(p.els))
}

// visibleLen counts the non-whitespace bytes of s.
func visibleLen(s string) int32 {
	var n int32
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\n', '\t', '\r', '\f':
		default:
			n++
		}
	}
	return n
}

// sum fills text, link, inl, inlLink and good bottom-up. Hidden and junk
// elements contribute nothing.
func (p *page) sum() {
	els := p.els
	for i := range els {
		e := &els[i]
		if e.flags&(fJunk|fHidden) != 0 {
			e.own = 0
		}
		e.text = e.own
		e.inl = e.own
		if e.flags&fLink != 0 {
			e.link = e.own
			e.inlLink = e.own
		}
	}
	for i := len(els) - 1; i > 0; i-- {
		e := &els[i]
		switch e.n.DataAtom {
		case atom.Script, atom.Iframe, atom.Object, atom.Embed, atom.Ins, atom.Button, atom.Svg, atom.Input, atom.Select:
			e.ads++
		}
		if e.flags&fBoiler != 0 && e.text == 0 && e.own == 0 && e.n.FirstChild == nil {
			e.ads++
		}
		els[e.parent].ads += e.ads
		if e.flags&(fJunk|fHidden) != 0 {
			continue
		}
		if e.flags&fLink != 0 {
			e.link = e.text
			e.inlLink = e.inl
		}
		if e.flags&fBlock != 0 {
			w := p.paragraphWeight(e)
			e.good += w
			els[e.parent].paras += w
			if e.inlLink >= p.par.TitleMinLen && (float32(e.inlLink) >= p.par.TitleLinkShare*float32(e.inl) ||
				(e.flags&fLeadLink != 0 && float32(e.inlLink) >= p.par.LeadLinkShare*float32(e.inl))) {
				e.titles++
			}
			if p.isCard(e) {
				e.good *= p.par.CardDiscount
			}
		}
		if e.flags&fArticleBody != 0 {
			e.bonus += (p.par.ArticleBodyBoost - 1) * e.good
		}
		par := &els[e.parent]
		par.titles += e.titles
		par.text += e.text
		par.link += e.link
		par.good += e.good
		par.bonus += e.bonus
		if e.flags&fInline != 0 {
			par.inl += e.inl
			par.inlLink += e.inlLink
		}
	}
	if len(els) > 0 {
		els[0].good += p.paragraphWeight(&els[0])
	}
}

// isCard reports whether a block is a teaser card (see Params.CardMaxText): a link
// to another page, not prose.
func (p *page) isCard(e *elem) bool {
	switch e.n.DataAtom {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Body:
		return false
	}
	return e.titles > 0 && e.text <= p.par.CardMaxText && e.text-e.link > p.par.CardMinOwnText
}

// paragraphWeight scores a block's own paragraph (see Params.NoWeightLinkShare):
// long text with few links is article prose; short lines and link lists score
// little or nothing.
func (p *page) paragraphWeight(e *elem) float32 {
	if e.inl == 0 || e.flags&(fCaption|fHeading) != 0 {
		return 0
	}
	ld := float32(e.inlLink) / float32(e.inl)
	if ld > p.par.NoWeightLinkShare {
		return 0
	}
	w := float32(e.inl) * (1 - ld)
	switch {
	case e.inl < p.par.ShortParaLen:
		w *= p.par.ShortParaWeight
	case e.inl < p.par.MidParaLen:
		w *= p.par.MidParaWeight
	case e.inl < p.par.LongParaLen:
		w *= p.par.LongParaWeight
	}
	if e.n.DataAtom == atom.P {
		w *= p.par.PBonus
	}
	return w
}
