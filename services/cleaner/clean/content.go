package clean

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// content is the selected main content of a page.
type content struct {
	root *html.Node // nil when the page has no body text
	// tail holds the short lines trimTail cut from the end of the content (a
	// sign-off such as the author's name), in document order, at most TailKeep.
	tail []*html.Node
}

func (c content) empty() bool { return c.root == nil }

// fDrop marks elements removed from the content; fGone those inside a dropped
// element (their statistics were already taken off with it).
const (
	fDrop uint16 = 1 << 15
	fGone uint16 = 1 << 14
)

// selection is the state the content passes share.
type selection struct {
	doc  *html.Node
	host string // the page's host without "www.", "" when unknown
	root int32  // the content root, once chosen
	tail []*html.Node
}

// A pass is one step of main-content selection.
type pass struct {
	// name is the pass's name in Params.Skip and the benchmark's ablation.
	name string
	// does says what the pass removes or keeps, and why; after names the passes it
	// must run after (the table lists them in an order that respects it).
	does, after string
	// required is set on the passes the others need (no content without them).
	required bool
	run      func(p *page, s *selection)
}

// Passes is the content selection, in the order it runs.
var Passes = [...]pass{
	{name: "page-furniture", does: "drops scripts, forms, media and hidden elements, menus, and furniture by tag " +
		"(aside, header, footer, form) or by class, id or role (share, related, comments, ads, ...) holding little " +
		"of the page's prose: never article text",
		run: func(p *page, s *selection) { p.dropBoiler(0) }},
	{name: "descend", required: true, after: "page-furniture",
		does: "chooses the content root: from <body> down to the child holding most of the paragraph weight (the " +
			"headline's link-poor branch beside teaser columns or a thread)",
		run: func(p *page, s *selection) { s.root = p.descend(0) }},
	{name: "widen", after: "descend",
		does: "moves the root up over sibling prose (an intro or standfirst set apart from the body), dropping " +
			"short lines with digits before it (datelines), and past wrappers to the story's other sections (rule \"wrappers\")",
		run: func(p *page, s *selection) { s.root = p.widen(s.root) }},
	{name: "next-story", after: "widen",
		does: "ends the content at the next story of a flat endless page (another h1 opening a story after prose)",
		run:  func(p *page, s *selection) { p.cutAtNextStory(s.root) }},
	{name: "head-lines", after: "next-story",
		does: "drops the byline and dateline lines between the headline and the body (and, on a page without h1, " +
			"the element standing in for it): metadata, not body text",
		run: func(p *page, s *selection) {
			if p.h1 >= 0 {
				p.dropHeadLines(s.root, p.h1, false)
			} else if h := p.titleStandIn(s.doc, s.root, fDrop|fJunk|fHidden); h >= 0 {
				p.dropHeadLines(s.root, h, true)
				p.drop(h)
			}
		}},
	{name: "partner-boxes", after: "widen",
		does: "drops the short boxes after the story that open with a heading and link to another site",
		run:  func(p *page, s *selection) { p.dropPartnerBoxes(s.root, s.host) }},
	{name: "inside", after: "head-lines",
		does: "drops, inside the root, the blocks one of InsideRules matches, in one walk in document order " +
			"(a block it drops is not looked into)",
		run: func(p *page, s *selection) { p.dropInside(s.root) }},
	{name: "repost-note", after: "inside",
		does: "drops a closing syndication note linking the headline (\"This article originally appeared on ...\")",
		run:  func(p *page, s *selection) { p.dropRepostNote(s.root) }},
	{name: "follow-lines", after: "repost-note",
		does: "drops the closing lines that send the reader to a social account (\"Follow us on Twitter @handle\"): " +
			"the site's promotion, not the story",
		run: func(p *page, s *selection) { p.dropFollowLines(s.root) }},
	{name: "tail", after: "follow-lines",
		does: "cuts the headings and short lines after the last prose (\"Comments\", a sign-off), keeping the last " +
			"few as the page's tail for the extractor",
		run: func(p *page, s *selection) { s.tail = p.trimTail(s.root) }},
	{name: "lead", after: "tail",
		does: "keeps the standfirst: the first paragraph of prose after the headline, when it lies outside the " +
			"content or in a small box dropped as furniture (a teaser, intro or excerpt class), moved to the content",
		run: func(p *page, s *selection) { p.keepLead(s.doc, s.root) }},
	{name: "figures", after: "lead",
		does: "turns images with their captions, and tables with their notes, into figures: captions stay in the " +
			"content's HTML, out of its text",
		run: func(p *page, s *selection) { p.markFigures(s.root) }},
}

// selectContent finds the main content of doc by running Passes, and unlinks the
// boilerplate inside it from the tree. It must run after collectMeta, which reads
// the untouched tree. pageHost is the host of the page's URL without "www." (""
// when unknown): links to other hosts are off-site; lang is the page's declared
// language. A root that ends with no text (all of it furniture) or that is a comment
// thread (see isThread: a reader thread outweighing a short story beside it) is given
// up, and the passes from "descend" on choose another, at most reselectMax times.
// A content that is still implausible beside the page's largest readable block
// (see secondOpinion) is chosen again from that block; the passes that change the
// tree ("lead", "figures") run once, on the content kept.
func selectContent(doc *html.Node, pageHost, lang string, par *Params) content {
	flatten := func() *page {
		p := flattenBody(doc, par)
		p.adLabels = adLabelsFor(lang)
		return p
	}
	p := flatten()
	if len(p.els) == 0 {
		return content{}
	}
	if p.els[0].text == 0 {
		return p.lastResort(flatten) // no shown text: perhaps markup hidden from the parser
	}
	s := selection{doc: doc, host: pageHost}
	run := func(from, to int) {
		for i := from; i < to; i++ {
			if ps := &Passes[i]; ps.required || !par.skips(ps.name) {
				ps.run(p, &s)
			}
		}
	}
	run(0, treePass)
	for try := 1; s.root > 0 && try <= reselectMax && (p.els[s.root].text == 0 || p.isThread(s.root)); try++ {
		// The heaviest branch held only furniture, or was a comment thread
		// outweighing a short story: the story is in another branch.
		p.drop(s.root)
		s.tail = nil
		run(descendPass, treePass)
	}
	if alt := p.secondOpinion(s.root); alt >= 0 {
		p = flatten()
		p.keep = alt
		s = selection{doc: doc, host: pageHost}
		run(0, descendPass)
		s.root = alt
		run(descendPass+1, treePass)
	}
	run(treePass, len(Passes))
	if p.els[s.root].text == 0 {
		return p.lastResort(flatten)
	}
	p.unlinkDropped(s.root)
	return content{root: p.els[s.root].n, tail: s.tail}
}

// dropBoiler marks the junk and hidden elements inside root (root itself
// excluded), then the furniture elements by tag (nav, aside, header, footer,
// form), then those by class, id or role, each holding less than
// Params.BoilerKeepShare of the paragraph weight left in root, and takes their
// statistics off their ancestors.
func (p *page) dropBoiler(root int32) {
	p.dropFlagged(root, fJunk|fHidden|fNav, 0)
	p.dropFlagged(root, fBoilerTag, p.par.BoilerKeepShare*p.reference(root))
	p.dropFlagged(root, fBoiler, p.par.BoilerKeepShare*p.reference(root))
}

// reference is the weight the furniture guards compare with: root's paragraph
// weight with the itemprop=articleBody bonus of the elements inside it (not its
// own: the elements that fill a marked body are measured against that body).
func (p *page) reference(root int32) float32 {
	e := &p.els[root]
	if e.flags&fArticleBody != 0 {
		return e.good
	}
	return e.good + e.bonus
}

// dropFlagged drops the elements inside root having one of flags and less than
// keep paragraph weight (any weight when keep is 0). The block the second opinion
// chose (page.keep) and its ancestors are never furniture by tag or name.
func (p *page) dropFlagged(root int32, flags uint16, keep float32) {
	els := p.els
	for i := root + 1; i < els[root].end; {
		e := &els[i]
		if e.flags&fDrop != 0 {
			i = e.end
			continue
		}
		drop := e.flags&flags != 0 && e.flags&fArticleBody == 0 && (keep == 0 || e.good+e.bonus < p.keepWithin(i, root, keep)) &&
			(p.keep < i || p.keep >= e.end || flags&(fBoilerTag|fBoiler) == 0)
		if !drop {
			i++
			continue
		}
		p.drop(i)
		i = e.end
	}
}

// keepWithin is the weight an element i needs to escape dropFlagged: keep, or,
// inside an itemprop=articleBody element below root, Params.BoilerKeepShare of that
// element's weight (the page marked its body; what fills most of it stays).
func (p *page) keepWithin(i, root int32, keep float32) float32 {
	for a := p.els[i].parent; a > root; a = p.els[a].parent {
		if p.els[a].flags&fArticleBody != 0 {
			return p.par.BoilerKeepShare * p.els[a].good
		}
	}
	return keep
}

// drop marks element i removed and subtracts its statistics from its ancestors.
func (p *page) drop(i int32) {
	els := p.els
	e := &els[i]
	e.flags |= fDrop
	inline := e.flags&fInline != 0
	for a := e.parent; a >= 0; a = els[a].parent {
		pa := &els[a]
		pa.text -= e.text
		pa.link -= e.link
		pa.good -= e.good
		pa.bonus -= e.bonus
		if inline {
			pa.inl -= e.inl
			pa.inlLink -= e.inlLink
			if pa.flags&fInline == 0 {
				inline = false
			}
		}
	}
}

// descend walks from element i down to the child holding most of its paragraph
// weight while that child holds at least Params.DescendShare of it (for the link-poor
// child holding the page's first shown <h1>: of the weight left by the link-list
// children, such as a column of teasers). A link-poor child
// holding the page's first shown <h1>, at least Params.H1BranchMin weight and
// Params.H1BranchShare of the element's is taken instead when another child is
// heavier (a comment thread or teaser list beside a short story) or holds an
// <h1> of its own (the next story of an endless page).
func (p *page) descend(i int32) int32 {
	els := p.els
	for {
		best, bestGood := int32(-1), float32(0)
		lists := float32(0) // weight of the link-list children (teaser columns)
		for c := i + 1; c < els[i].end; c = els[c].end {
			e := &els[c]
			if e.flags&fDrop != 0 {
				continue
			}
			if w := e.good + e.bonus; w > bestGood {
				best, bestGood = c, w
			}
			if float32(e.link) > p.par.LinkListDensity*float32(e.text) {
				lists += e.good + e.bonus
			}
		}
		h := p.h1Child(i)
		if h >= 0 && (h != best || p.otherStory(i, h)) && els[h].good+els[h].bonus >= p.par.H1BranchMin &&
			els[h].good >= p.par.H1BranchShare*els[i].good && els[h].link*2 < els[h].text {
			i = h
			continue
		}
		if h >= 0 && h == best && els[h].link*2 < els[h].text &&
			(bestGood >= p.par.DescendShare*(els[i].good+els[i].bonus-lists) || bestGood >= p.par.H1BlockShare*(els[i].good+els[i].bonus)) {
			// The headline's link-poor block beside link lists, or holding most of
			// the weight beside lighter blocks (a guest book, reader entries); widen
			// takes back siblings that continue the story.
			i = h
			continue
		}
		if best < 0 || bestGood < p.par.DescendShare*(els[i].good+els[i].bonus) {
			return i
		}
		i = best
	}
}

// otherStory reports whether a child of i other than h holds a shown <h1> of its
// own: the next story of an endless page.
func (p *page) otherStory(i, h int32) bool {
	for _, x := range p.h1s {
		if x > i && x < p.els[i].end && (x < h || x >= p.els[h].end) && p.els[x].text > 0 {
			return true
		}
	}
	return false
}

// h1Child returns the child of i holding the page's first shown <h1>, or -1.
func (p *page) h1Child(i int32) int32 {
	h1 := p.h1
	if h1 <= i || h1 >= p.els[i].end {
		return -1
	}
	for c := i + 1; c < p.els[i].end; c = p.els[c].end {
		if h1 >= c && h1 < p.els[c].end {
			if p.els[c].flags&fDrop != 0 {
				return -1
			}
			return c
		}
	}
	return -1
}

// widen moves the content root up to its parent while every other child of the
// parent left after dropBoiler is prose (under Params.WidenLinkShare of its text in
// links, no teaser headlines, no <h1>, at most Params.WidenMaxShare of the root's
// weight) or nearly empty (under Params.WidenTiny): an intro or standfirst set apart
// from the body. Short lines holding a digit that come before the old root (datelines,
// timestamps) are dropped on the way. A parent holding nothing but the root and such
// nearly empty lines is a wrapper: unless Params.Skip names "wrappers", widen looks
// past it (through any number of wrappers holding the root alone, at most
// Params.WidenLabelWrappers of them holding a line besides), and takes the parent
// above only when its prose before the root holds a long paragraph (see longProse):
// the other sections of a story whose body is wrapped apart, such as a recipe's
// introduction and ingredients beside its steps (lecker.de), a listing's description
// beside its photos' labels (villacc.de), the story's opening section (politico.com).
// A wrapper passed in vain leaves the root where it was. Neither a comment thread (see
// isThread: it is given up for the story beside it) nor the second opinion's block
// (the page's largest readable block, chosen because what surrounds it failed) is
// widened past a wrapper.
func (p *page) widen(root int32) int32 {
	els := p.els
	kept := root
	wrapped, labels := false, 0
	for root > 0 {
		par := els[root].parent
		ok, extra, long := true, false, false
		for c := par + 1; c < els[par].end; c = els[c].end {
			e := &els[c]
			if c == root || e.flags&fDrop != 0 || e.text < p.par.WidenTiny {
				continue
			}
			if float32(e.link) > p.par.WidenLinkShare*float32(e.text) || e.titles > 0 || e.good > p.par.WidenMaxShare*els[root].good || p.holdsH1(c) {
				ok = false
				break
			}
			extra = true
			long = long || c < root && p.longProse(c)
		}
		if !ok || wrapped && extra && !long {
			return kept
		}
		if !extra {
			if els[par].text != els[root].text {
				labels++
			}
			if p.par.skips(wrappersInfo.Name) || labels > p.par.WidenLabelWrappers || p.keep >= 0 || !wrapped && p.isThread(kept) {
				return kept
			}
			wrapped = true
			root = par
			continue
		}
		for c := par + 1; c < root; c = els[c].end {
			if e := &els[c]; e.flags&fDrop == 0 && e.text > 0 && e.text < p.par.HeadShort && hasDigitText(e.n, 0) {
				p.drop(c)
			}
		}
		root, kept = par, par
	}
	return kept
}

// wrappersInfo names widen's look past wrappers in Params.Skip.
var wrappersInfo = PassInfo{Name: "wrappers", Does: "lets widen look past wrappers holding the root alone (or beside " +
	"short labels) for the other sections of the story, when they open with a long paragraph"}

// longProse reports whether element i holds a kept block whose own paragraph is
// long prose: at least Params.LongParaLen, at most Params.WidenLinkShare of it in
// links.
func (p *page) longProse(i int32) bool {
	els := p.els
	for j := i; j < els[i].end; j++ {
		e := &els[j]
		if e.flags&fDrop != 0 {
			j = e.end - 1
			continue
		}
		if e.flags&fBlock != 0 && e.inl >= p.par.LongParaLen && float32(e.inlLink) <= p.par.WidenLinkShare*float32(e.inl) {
			return true
		}
	}
	return false
}

// holdsH1 reports whether element i holds a shown <h1>.
func (p *page) holdsH1(i int32) bool {
	for _, x := range p.h1s {
		if x >= i && x < p.els[i].end {
			return true
		}
	}
	return false
}

// hasDigitText reports whether the text under n holds an ASCII digit.
func hasDigitText(n *html.Node, depth int) bool {
	if depth > maxWalkDepth {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.ContainsAny(c.Data, "0123456789") {
				return true
			}
		case html.ElementNode:
			if hasDigitText(c, depth+1) {
				return true
			}
		}
	}
	return false
}

// cutAtNextStory ends the content at the next story of an endless page laid
// out flat: a shown <h1> inside root, after the page's first shown <h1> (also
// inside root) and after prose, whose text is another headline and which opens
// a story of its own (a byline or time follows it, or it links elsewhere). That
// <h1> and everything after it in root are dropped. An <h1> used as a section
// heading has none of these and stays.
func (p *page) cutAtNextStory(root int32) {
	els := p.els
	first := p.h1
	if first <= root || first >= els[root].end || els[first].flags&fDrop != 0 {
		return
	}
	var headline string
	for _, x := range p.h1s {
		if x <= first || x >= els[root].end || els[x].text == 0 || p.dropped(x, root) {
			continue
		}
		if headline == "" {
			headline = normText(els[first].n)
		}
		if normText(els[x].n) == headline || p.proseBetween(first, x) < p.par.H1BranchMin || !p.opensStory(x, root) {
			continue
		}
		for i := x; i < els[root].end; i = els[i].end {
			if els[i].flags&fDrop == 0 {
				p.drop(i)
			}
		}
		return
	}
}

// keepLead keeps the standfirst of a story: the first block after the headline (the
// page's first shown <h1>; on a page without one, the first shown element saying the
// title the head declares, see titleStandIn) whose own paragraph is prose (at least
// Params.MidParaLen bytes, at most Params.LeadMaxLinkShare of it in links, no
// heading, not in a figure or an element named a caption, no "©" of a photo credit),
// when it lies between the headline and root (it is moved to the start of root) or
// under root inside a box dropped as furniture by its name or tag, of at most
// Params.CardMaxText bytes or holding nothing but the lead (a "teaser" or "excerpt"
// class: it is moved out of the box, to the box's place; a byline line another pass
// dropped stays dropped). A block inside a script, a hidden element or a menu, or
// under a dropped box holding more, is no lead, and so is a paragraph whose text the
// content holds already (a lead repeated as the body's first paragraph); a title link
// or a link-heavy paragraph met first ends the search (short lines, such as a byline
// linking its author, are passed over). Failure class: the standfirst left out
// (p.lead, div.teaser-text, p.excerpt, div.chapo, p.intro, seen on some 30 sites of
// trafilatura-dev; AEB's truth leaves standfirsts out, trafilatura's keeps them),
// also under a headline that is no <h1> (an h3 itemprop=headline: ahlen.de,
// mpimet.mpg.de; an h2: 7mind.de) and in a teaser box longer than a card
// (mpimet.mpg.de).
func (p *page) keepLead(doc *html.Node, root int32) {
	els := p.els
	h := p.h1
	if h < 0 {
		h = p.titleStandIn(doc, 0, fJunk|fHidden|fNav)
	}
	if h < 0 {
		return
	}
	limit := els[root].end
	for i := els[h].end; i < limit; i++ {
		e := &els[i]
		if e.flags&(fJunk|fHidden|fNav|fCaption) != 0 || e.n.DataAtom == atom.Figure || captionNamed(e.n) {
			i = e.end - 1
			continue
		}
		if i == root {
			continue
		}
		if e.flags&(fBlock|fHeading) != fBlock || e.inl < p.par.MidParaLen {
			continue // a heading, or a short line: a byline, a date, a share bar
		}
		if e.titles > 0 && e.inlLink > 0 || float32(e.inlLink) > p.par.LeadMaxLinkShare*float32(e.inl) {
			return
		}
		if strings.Contains(normText(e.n), "©") {
			continue // a picture's caption and credit
		}
		p.moveLead(i, root)
		return
	}
}

// moveLead keeps block i, the lead found by keepLead, in the content of root, or
// leaves it where it is when it is kept already or lies under furniture.
func (p *page) moveLead(i, root int32) {
	els := p.els
	e := &els[i]
	if i < root {
		if e.end > root || p.furnitureAbove(i, 0) || p.repeats(root, i) {
			return
		}
		p.undrop(i)
		e.n.Parent.RemoveChild(e.n)
		r := els[root].n
		r.InsertBefore(e.n, r.FirstChild)
		return
	}
	if i >= els[root].end {
		return
	}
	top := int32(-1) // the outermost dropped element above i under root
	for a := i; a > root; a = els[a].parent {
		if els[a].flags&fDrop != 0 && els[a].flags&fGone == 0 {
			top = a
		}
	}
	if top < 0 || els[top].text > max(p.par.CardMaxText, e.text) || els[top].flags&(fJunk|fHidden|fNav) != 0 ||
		els[top].flags&(fBoiler|fBoilerTag) == 0 {
		return
	}
	p.undrop(i)
	if top != i {
		e.n.Parent.RemoveChild(e.n)
		els[top].n.Parent.InsertBefore(e.n, els[top].n)
	}
}

// repeats reports whether a kept block under root says what block i says (the
// same own paragraph text).
func (p *page) repeats(root, i int32) bool {
	els := p.els
	var want string
	for j := root + 1; j < els[root].end; j++ {
		e := &els[j]
		if e.flags&fDrop != 0 {
			j = e.end - 1
			continue
		}
		if e.flags&fBlock == 0 || e.inl != els[i].inl {
			continue
		}
		if want == "" {
			want = normText(els[i].n)
		}
		if normText(e.n) == want {
			return true
		}
	}
	return false
}

// captionNamed reports whether n's class names a caption ("wp-caption",
// "Figure-caption", "caption-full").
func captionNamed(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && strings.Contains(strings.ToLower(a.Val), "caption") {
			return true
		}
	}
	return false
}

// furnitureAbove reports whether an ancestor of i below stop is a menu, hidden, or
// dropped, named like furniture and holding more than Params.CardMaxText bytes (a
// related list, a sidebar; a <header> holding the headline and its lead is none).
func (p *page) furnitureAbove(i, stop int32) bool {
	for a := p.els[i].parent; a > stop; a = p.els[a].parent {
		if x := &p.els[a]; x.flags&(fJunk|fHidden|fNav) != 0 || x.flags&(fDrop|fBoiler) == fDrop|fBoiler && x.text > p.par.CardMaxText {
			return true
		}
	}
	return false
}

// undrop clears the drop marks of element i and of the elements under it that were
// dropped with an ancestor (fGone), so that unlinkDropped keeps them.
func (p *page) undrop(i int32) {
	els := p.els
	els[i].flags &^= fDrop | fGone
	for j := i + 1; j < els[i].end; j++ {
		if els[j].flags&fGone != 0 {
			els[j].flags &^= fDrop | fGone
		}
	}
}

// dropRepostNote drops the last paragraph of root when it is a syndication
// note: all of it in one <em> or <i>, holding a link whose text is the page's
// headline ("This article originally appeared on Partner: <a>headline</a>").
func (p *page) dropRepostNote(root int32) {
	els := p.els
	if p.h1 < 0 {
		return
	}
	headline := wordsOf(normText(els[p.h1].n))
	if headline == "" {
		return
	}
	for i := els[root].end - 1; i > root; i-- {
		e := &els[i]
		if e.flags&fDrop != 0 || e.flags&fBlock == 0 || e.inl == 0 || p.dropped(i, root) {
			continue
		}
		if e.n.DataAtom == atom.P && e.link > 0 && onlyEmphasis(e.n) && linksText(e.n, headline, 0) {
			p.drop(i)
		}
		return
	}
}

// dropFollowLines drops the last paragraphs of root, from the end, while each is
// at most Params.FollowMaxText long, lies outside a quotation (an embedded post) and
// names a social account: an "@" opening a word that starts with a letter or "_"
// ("Follow @BGRDeals on Twitter", "Twitter (@NYTopinion)"; an e-mail address or
// "@1377 Apartments" is none). Failure class: the site's "follow us" line kept
// as the story's last paragraph (nytimes.com, bgr.com, jamaica-gleaner.com).
func (p *page) dropFollowLines(root int32) {
	els := p.els
	for i := els[root].end - 1; i > root; i-- {
		e := &els[i]
		if e.flags&fDrop != 0 || e.flags&fBlock == 0 || e.inl == 0 || p.dropped(i, root) {
			continue
		}
		if e.inl > p.par.FollowMaxText || p.inQuote(i, root) || !namesHandle(normText(e.n)) {
			return
		}
		p.drop(i)
	}
}

// inQuote reports whether element i or an ancestor below root is a <blockquote>.
func (p *page) inQuote(i, root int32) bool {
	for a := i; a > root; a = p.els[a].parent {
		if p.els[a].n.DataAtom == atom.Blockquote {
			return true
		}
	}
	return false
}

// namesHandle reports whether s holds a social account handle: "@" at the start of
// s or after a space or "(", followed by a letter or "_".
func namesHandle(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '@' || i > 0 && s[i-1] != ' ' && s[i-1] != '(' {
			continue
		}
		if c := s[i+1]; c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// wordsOf returns the lower-cased words (letters and digits) of s, one space apart.
func wordsOf(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// onlyEmphasis reports whether all of n's content is one <em> or <i>.
func onlyEmphasis(n *html.Node) bool {
	only := soleElement(n)
	return only != nil && (only.DataAtom == atom.Em || only.DataAtom == atom.I)
}

// soleElement returns n's only child element when n holds nothing else but
// white space, else nil.
func soleElement(n *html.Node) *html.Node {
	var only *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "":
		case c.Type == html.ElementNode && only == nil:
			only = c
		default:
			return nil
		}
	}
	return only
}

// linksText reports whether n holds a link whose words (wordsOf) are text.
func linksText(n *html.Node, text string, depth int) bool {
	if depth > maxWalkDepth {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.A && wordsOf(normText(c)) == text || linksText(c, text, depth+1) {
			return true
		}
	}
	return false
}

// secondOpinionInfo names the second opinion in Params.Skip.
var secondOpinionInfo = PassInfo{Name: "second-opinion", Does: "chooses the content again from the page's largest " +
	"readable block when the content chosen is implausible beside it (a consent notice, a tagline, an intro, nothing)"}

// secondOpinion returns the page's largest readable block (see largestBlock) when
// the content chosen at root is implausible beside it, else -1. The criterion: the
// block is not kept under root (it lies outside root, or a pass dropped it as
// furniture) and root's paragraph weight left is under Params.SecondOpinionShare of
// the weight of the block's own paragraphs. Failure classes it answers: a consent
// notice, a tagline or an intro chosen over the story; a story laid out in
// <header> or <aside> elements, or in elements whose class names furniture, all
// dropped; a page of a few paragraphs that ends with no content at all.
func (p *page) secondOpinion(root int32) int32 {
	if p.par.skips(secondOpinionInfo.Name) {
		return -1
	}
	best := p.largestBlock()
	if best < 0 || (best >= root && best < p.els[root].end && !p.dropped(best, root)) {
		return -1
	}
	if p.els[root].good >= p.par.SecondOpinionShare*p.els[best].paras {
		return -1
	}
	return best
}

// largestBlock returns the shown element (not inside a script, a hidden element, a
// menu, or an element whose class, id or role names furniture and that holds under
// half of the page's text or is furniture by tag as well: a sidebar, a consent
// notice, comments; a <div> wrapping most of the page is no furniture whatever its
// name) whose own paragraphs (its child blocks with text) weigh the most, -1 when no
// element has a paragraph with weight.
func (p *page) largestBlock() int32 {
	els := p.els
	best, bestW := int32(-1), float32(0)
	for i := int32(0); i < int32(len(els)); {
		e := &els[i]
		if i > 0 && (e.flags&(fJunk|fHidden|fNav) != 0 || e.flags&fBoiler != 0 && (e.flags&fBoilerTag != 0 || 2*e.text < els[0].text)) {
			i = e.end
			continue
		}
		if e.paras > bestW {
			best, bestW = i, e.paras
		}
		i++
	}
	return best
}

// lastResortInfo names the last resort in Params.Skip.
var lastResortInfo = PassInfo{Name: "last-resort", Does: "chooses, when the content came out empty and no second " +
	"opinion applies, the first substantial block of the page whatever its class names say"}

// lastResort returns the content of a page whose content came out empty: the
// first element in document order whose own paragraphs weigh at least
// Params.LastResortShare of the heaviest element's, whatever its class, id or role
// names, without its scripts, hidden elements and menus. Elements inside a script, a
// hidden element, a menu or an element that is furniture by tag (aside, header,
// footer, form) holding under half of the page's text are not counted. Failure
// class: a page whose text is all in blocks named like furniture, which the passes
// drop whole, such as a forum thread whose posts are all named comments (the first
// substantial one is the opening post); such a page had no body at all. A page with
// no shown paragraph at all takes its content so from the markup it hides from the
// parser, if any (see hiddenBody). flatten makes the page anew: the passes that gave
// up changed the statistics of the one they ran on.
func (p *page) lastResort(flatten func() *page) content {
	if p.par.skips(lastResortInfo.Name) {
		return content{}
	}
	p = flatten()
	if found := p.firstSubstantial(); found >= 0 {
		return p.keepOnly(found)
	}
	return p.hiddenBody()
}

// firstSubstantial returns the first element (see eachShownBlock) whose own
// paragraphs weigh at least Params.LastResortShare of the heaviest one's, -1 when
// none holds a paragraph with weight.
func (p *page) firstSubstantial() int32 {
	heaviest := float32(0)
	p.eachShownBlock(func(i int32) bool {
		heaviest = max(heaviest, p.els[i].paras)
		return false
	})
	if heaviest == 0 {
		return -1
	}
	found := int32(-1)
	p.eachShownBlock(func(i int32) bool {
		if p.els[i].paras >= p.par.LastResortShare*heaviest {
			found = i
			return true
		}
		return false
	})
	return found
}

// keepOnly returns element i as the content, without its scripts, hidden elements
// and menus.
func (p *page) keepOnly(i int32) content {
	p.dropFlagged(i, fJunk|fHidden|fNav, 0)
	p.unlinkDropped(i)
	return content{root: p.els[i].n}
}

// hiddenBody returns the content of the heaviest markup the page hides from a reader
// without scripts or from the parser: a <noscript> (shown only when scripts are off)
// or a script holding markup (type text/html or a template type), each parsed as a
// body of its own and chosen from as lastResort chooses (firstSubstantial). Failure
// class: a page rendered by script, whose story is in such markup while its shown
// body is an empty shell. It is the empty content when no such markup holds a
// paragraph with weight.
func (p *page) hiddenBody() content {
	var best content
	bestW := float32(0)
	for i := range p.els {
		e := &p.els[i]
		if e.flags&fHidden != 0 || !htmlparse.HidesMarkup(e.n) || e.n.FirstChild == nil {
			continue
		}
		doc := htmlparse.Document("<html><body>" + e.n.FirstChild.Data + "</body></html>")
		hp := flattenBody(doc, p.par)
		hp.adLabels = p.adLabels
		if found := hp.firstSubstantial(); found >= 0 && hp.els[found].paras > bestW {
			bestW = hp.els[found].paras
			best = hp.keepOnly(found)
		}
	}
	return best
}

// eachShownBlock calls f with every element below the body, in document order,
// until f returns true, passing over the subtrees of scripts, hidden elements, menus
// and elements that are furniture by tag holding under half of the page's text (a
// <form> wrapping the whole page is none).
func (p *page) eachShownBlock(f func(i int32) bool) {
	els := p.els
	for i := int32(1); i < int32(len(els)); {
		e := &els[i]
		if e.flags&(fJunk|fHidden|fNav) != 0 || e.flags&fBoilerTag != 0 && 2*e.text < els[0].text {
			i = e.end
			continue
		}
		if f(i) {
			return
		}
		i++
	}
}

// reselectMax bounds how often selectContent gives up a content root for another.
const reselectMax = 3

// descendPass is the index in Passes of "descend": selectContent runs the passes from
// there again when it gives up a content root. treePass is that of "lead", the
// first pass that changes the tree: it and the passes after it run once, on the
// content kept.
var descendPass, treePass = passIndex("descend"), passIndex("lead")

func passIndex(name string) int {
	for i, ps := range Passes {
		if ps.name == name {
			return i
		}
	}
	panic("clean: no pass " + name)
}

// threadMinEntries is how many like-shaped entries beside a reply box make a
// comment thread.
const threadMinEntries = 3

// isThread reports whether element i is a comment thread whatever its class names: it
// holds a reply box (a <textarea>) and at least threadMinEntries child entries of the
// same shape (the same sequence of child tags, at least one of them a block, each
// entry with text). An article's paragraphs and figures are not entries, however
// alike their markup: a story with a comment form under it is no thread.
func (p *page) isThread(i int32) bool {
	if p.likeEntries(i) < threadMinEntries {
		return false
	}
	for j := i + 1; j < p.els[i].end; j++ {
		if p.els[j].n.DataAtom == atom.Textarea {
			return true
		}
	}
	return false
}

// likeEntries returns the size of the largest group of element children of i with
// text, other than paragraphs and figures, that have the same sequence of child
// tags, a block among them.
func (p *page) likeEntries(i int32) int {
	els := p.els
	groups := map[string]int{}
	best := 0
	var sig strings.Builder
	for c := i + 1; c < els[i].end; c = els[c].end {
		if els[c].text == 0 || els[c].flags&fDrop != 0 || els[c].n.DataAtom == atom.P || els[c].n.DataAtom == atom.Figure {
			continue
		}
		sig.Reset()
		block := false
		for n := els[c].n.FirstChild; n != nil; n = n.NextSibling {
			if n.Type == html.ElementNode {
				sig.WriteString(n.Data)
				sig.WriteByte(' ')
				block = block || htmlparse.Block(n.DataAtom)
			}
		}
		if !block {
			continue
		}
		k := els[c].n.Data + ">" + sig.String()
		groups[k]++
		best = max(best, groups[k])
	}
	return best
}

// opensStory reports whether the <h1> x heads a story: it holds a link, or a
// <time> element or an element named like a byline, author or date comes after
// it before the next paragraph of prose.
func (p *page) opensStory(x, root int32) bool {
	els := p.els
	if els[x].link > 0 {
		return true
	}
	for i, n := els[x].end, 0; i < els[root].end && n < p.par.StoryHeadScan; i, n = i+1, n+1 {
		e := &els[i]
		if e.n.DataAtom == atom.Time || storyMetaName(e.n) {
			return true
		}
		if e.n.DataAtom == atom.P && e.text >= p.par.StoryProseLen {
			return false
		}
	}
	return false
}

// storyMetaName reports whether n's class or id names a byline, an author or a date.
func storyMetaName(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" {
			continue
		}
		v := strings.ToLower(a.Val)
		if strings.Contains(v, "byline") || strings.Contains(v, "author") || strings.Contains(v, "date") {
			return true
		}
	}
	return false
}

// dropHeadLines drops, inside root, the short lines (under Params.HeadShort characters)
// between the headline h (the page's first shown <h1>) and the first paragraph
// of prose that hold a <time>, a link to an author page or a date written in
// digits: the byline and dateline of a headline laid out flat with its body.
// With all set (h stands in for a missing <h1>, see titleStandIn) every short
// line there is dropped: such pages mark neither bylines nor dates ("By NAME -
// March 16, 2026" in a <font>).
func (p *page) dropHeadLines(root, h int32, all bool) {
	els := p.els
	if h <= root || h >= els[root].end || p.dropped(h, root) {
		return
	}
	for i := els[h].end; i < els[root].end; {
		e := &els[i]
		switch {
		case e.flags&fDrop != 0:
			i = e.end
		case e.flags&fBlock == 0 || e.inl == 0 && e.text > 0 && e.end > i+1:
			i++ // look inside
		case e.text >= p.par.HeadShort && visibleRunes(normText(e.n)) >= p.par.HeadShort:
			return // prose: the body starts
		default:
			if e.text > 0 && (all || bylineLike(e.n, 0) || numericDate(normText(e.n))) {
				p.drop(i)
			}
			i = e.end
		}
	}
}

// dropPartnerBoxes drops, inside root and after its last paragraph of prose
// (a block holding Params.HeadShort bytes or more of its own text), the boxes that
// open with a heading (h2..h6), hold at most Params.PartnerMax bytes of text and link
// to another site: a funeral home's "Arrangements", a florist's "Send
// flowers", a ticket seller's box placed under the story. Nothing is dropped
// when the page's host is unknown.
func (p *page) dropPartnerBoxes(root int32, pageHost string) {
	if pageHost == "" {
		return
	}
	els := p.els
	last := int32(-1)
	for i := root + 1; i < els[root].end; i++ {
		e := &els[i]
		if e.flags&fDrop != 0 {
			i = e.end - 1
			continue
		}
		if e.flags&fBlock != 0 && e.flags&fHeading == 0 && e.inl >= p.par.HeadShort {
			last = i
		}
	}
	if last < 0 {
		return
	}
	for i := els[last].end; i < els[root].end; i++ {
		e := &els[i]
		if e.flags&fDrop != 0 {
			i = e.end - 1
			continue
		}
		if e.flags&fBlock != 0 && e.text > 0 && e.text <= p.par.PartnerMax && opensWithHeading(e.n) && linksOffSite(e.n, pageHost, 0) {
			p.drop(i)
			i = e.end - 1
		}
	}
}

// opensWithHeading reports whether n's first child element is a heading h2..h6.
func opensWithHeading(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "":
		case c.Type != html.ElementNode:
			return false
		default:
			switch c.DataAtom {
			case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				return true
			}
			return false
		}
	}
	return false
}

// linksOffSite reports whether n holds a link to an absolute http(s) URL whose
// host is neither host nor one of its subdomains (nor its parent domain).
func linksOffSite(n *html.Node, host string, depth int) bool {
	if depth > maxWalkDepth {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.A {
			if h := hostOf(attrVal(c, "href")); h != "" && h != host && !strings.HasSuffix(h, "."+host) && !strings.HasSuffix(host, "."+h) {
				return true
			}
		}
		if linksOffSite(c, host, depth+1) {
			return true
		}
	}
	return false
}

// hostOf returns the lower-case host of an absolute http(s) URL without "www.",
// "" for any other reference.
func hostOf(ref string) string {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// visibleRunes counts the characters of s other than spaces (a line's length
// in any script: e.text counts bytes, two per Greek or Cyrillic letter).
func visibleRunes(s string) int32 {
	var n int32
	for _, r := range s {
		if r != ' ' {
			n++
		}
	}
	return n
}

// titleStandIn returns the index of the headline of a page without a shown
// <h1>: the first shown element inside root whose first text is the title the
// head declares (see metaCollector.showsTitle: a Joomla h2.contentheading, a
// FrontPage <font size=5><b>), -1 when there is none. Elements having one of the
// skip flags are not looked into.
func (p *page) titleStandIn(doc *html.Node, root int32, skip uint16) int32 {
	c := declaredTitles(doc)
	if len(c.titles) == 0 {
		return -1
	}
	els := p.els
	for i := root + 1; i < els[root].end; i++ {
		e := &els[i]
		if e.flags&skip != 0 {
			i = e.end - 1
			continue
		}
		if c.showsTitle(e.n) {
			return i
		}
	}
	return -1
}

// declaredTitles returns a collector holding the titles doc's <head> declares
// (its first <title>, og:title and twitter:title), as collectMeta reads them.
func declaredTitles(doc *html.Node) *metaCollector {
	c := &metaCollector{}
	var head *html.Node
	for n := doc.FirstChild; n != nil && head == nil; n = n.NextSibling {
		if n.Type == html.ElementNode && n.DataAtom == atom.Html {
			for h := n.FirstChild; h != nil; h = h.NextSibling {
				if h.Type == html.ElementNode && h.DataAtom == atom.Head {
					head = h
					break
				}
			}
		}
	}
	if head == nil {
		return c
	}
	title := false
	for n := head.FirstChild; n != nil; n = n.NextSibling {
		switch {
		case n.Type != html.ElementNode:
		case n.DataAtom == atom.Title && !title:
			title = true
			if n.FirstChild != nil && n.FirstChild.Type == html.TextNode {
				c.addTitle(n.FirstChild.Data)
			}
		case n.DataAtom == atom.Meta:
			if attrVal(n, "property") == schema.MetaOGTitle || attrVal(n, "name") == schema.MetaTwitterTitle {
				c.addTitle(attrVal(n, "content"))
			}
		}
	}
	return c
}

// numericDate reports whether s holds a date written in digits (12.5.2026,
// 2026-05-12, 5/12/26) or a clock time (14:20).
func numericDate(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		a := digitsAt(s, i)
		j := i + a
		if j+2 < len(s) && s[j] == ':' && a <= 2 && digitsAt(s, j+1) == 2 {
			return true // hh:mm
		}
		if j < len(s) && (s[j] == '.' || s[j] == '/' || s[j] == '-') {
			sep := s[j]
			b := digitsAt(s, j+1)
			k := j + 1 + b
			if b >= 1 && b <= 2 && k < len(s) && s[k] == sep {
				if c := digitsAt(s, k+1); (a <= 2 && (c == 2 || c == 4)) || (a == 4 && c <= 2 && c >= 1) {
					return true
				}
			}
		}
		i = j
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsAt returns how many ASCII digits start at s[i:].
func digitsAt(s string, i int) int {
	n := 0
	for i+n < len(s) && isDigit(s[i+n]) {
		n++
	}
	return n
}

// bylineLike reports whether n holds a link to an author page or a <time>.
func bylineLike(n *html.Node, depth int) bool {
	if depth > maxWalkDepth {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.Time || c.DataAtom == atom.A && schema.AuthorPath(attrVal(c, "href")) || bylineLike(c, depth+1) {
			return true
		}
	}
	return false
}

// dropped reports whether element i or one of its ancestors below root is dropped.
func (p *page) dropped(i, root int32) bool {
	for ; i > root; i = p.els[i].parent {
		if p.els[i].flags&fDrop != 0 {
			return true
		}
	}
	return false
}

// proseBetween is the paragraph weight of the kept blocks after element a's
// subtree and before element b.
func (p *page) proseBetween(a, b int32) float32 {
	els := p.els
	var w float32
	for i := els[a].end; i < b; {
		e := &els[i]
		switch {
		case e.flags&fDrop != 0:
			i = e.end
		case e.end <= b:
			w += e.good
			i = e.end
		default:
			i++ // an ancestor of b: look inside
		}
	}
	return w
}

// normText is the text under n with white space collapsed.
func normText(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > maxWalkDepth {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				sb.WriteString(c.Data)
				sb.WriteByte(' ')
			} else if c.Type == html.ElementNode {
				walk(c, depth+1)
			}
		}
	}
	walk(n, 0)
	return strings.Join(strings.Fields(sb.String()), " ")
}

// holdsTextInput reports whether element i holds a field for typing text
// (input of type text, email, search or tel, or without a type).
func (p *page) holdsTextInput(i int32) bool {
	for j := i + 1; j < p.els[i].end; j++ {
		if n := p.els[j].n; n.DataAtom == atom.Input {
			switch strings.ToLower(attrVal(n, "type")) {
			case "", "text", "email", "search", "tel":
				return true
			}
		}
	}
	return false
}

// A rule is a test of the "inside" pass.
type rule struct {
	name, does string
	// drop reports whether element i (e), inside root whose weight was rootGood
	// when the pass began, is dropped.
	drop func(p *page, i int32, e *elem, rootGood float32) bool
}

// InsideRules are the tests of the "inside" pass; Params.Skip names them like passes.
var InsideRules = [...]rule{
	{name: "inner-headlines", does: "an h1 left inside the root: the extractor reads the headline from the page's headlines",
		drop: func(p *page, i int32, e *elem, _ float32) bool { return e.n.DataAtom == atom.H1 }},
	{name: "ad-slots", does: "a block holding ad or embed code or controls and a few words of text: an ad slot or widget",
		drop: func(p *page, i int32, e *elem, _ float32) bool { return p.isAdSlot(e) }},
	{name: "ad-labels", does: "a block saying only an ad label (\"Advertisement\", \"Anzeige\"): an ad slot whose ad " +
		"was not rendered",
		drop: func(p *page, i int32, e *elem, _ float32) bool { return p.isAdLabel(e) }},
	{name: "signup-boxes", does: "a short block with a text field and a button: a newsletter sign-up or search box",
		drop: func(p *page, i int32, e *elem, rootGood float32) bool { return p.isSignupBox(i, rootGood) }},
	{name: "link-lists", does: "a link-dense block holding little of the root's weight: related links, a tag cloud",
		drop: func(p *page, i int32, e *elem, rootGood float32) bool { return p.isLinkList(e, rootGood) }},
}

// dropInside drops, inside root, the elements one of InsideRules (not skipped)
// matches, visiting an element's subtree only when it is kept.
func (p *page) dropInside(root int32) {
	var rules []*rule
	for i := range InsideRules {
		if !p.par.skips(InsideRules[i].name) {
			rules = append(rules, &InsideRules[i])
		}
	}
	els := p.els
	rootGood := els[root].good
	for i := root + 1; i < els[root].end; {
		e := &els[i]
		if e.flags&fDrop != 0 {
			i = e.end
			continue
		}
		drop := false
		for _, r := range rules {
			if drop = r.drop(p, i, e, rootGood); drop {
				break
			}
		}
		if drop {
			p.drop(i)
			i = e.end
			continue
		}
		i++
	}
}

// isAdSlot reports whether a block holds ad or embed code or controls and at most
// Params.AdLabelMax of text ("Advertisement", "Share", "1.2K").
func (p *page) isAdSlot(e *elem) bool {
	return e.flags&fBlock != 0 && e.flags&fHeading == 0 && e.ads > 0 && e.text <= p.par.AdLabelMax
}

// isAdLabel reports whether a block says only an ad label of the page's language
// (see adLabelsFor).
func (p *page) isAdLabel(e *elem) bool {
	return e.flags&fBlock != 0 && e.text > 0 && e.text <= p.par.AdLabelMax && p.adLabels[wordsOf(normText(e.n))]
}

// isSignupBox reports whether block i holds a text field, ad code or controls and
// at most Params.SignupMax of text and Params.SignupShare of the root's weight: a
// sign-up or search box ("Get City Hall in your inbox" + field + button).
func (p *page) isSignupBox(i int32, rootGood float32) bool {
	e := &p.els[i]
	return e.flags&fBlock != 0 && e.flags&fHeading == 0 && e.ads > 0 && e.text <= p.par.SignupMax &&
		e.good <= p.par.SignupShare*rootGood && p.holdsTextInput(i)
}

// isLinkList reports whether a block (not a quotation) is more than
// Params.LinkListDensity links and holds less than Params.LinkListKeep of the
// root's weight.
func (p *page) isLinkList(e *elem, rootGood float32) bool {
	return e.flags&fBlock != 0 && e.n.Data != "blockquote" && e.text > 0 &&
		float32(e.link) > p.par.LinkListDensity*float32(e.text) && e.good < p.par.LinkListKeep*rootGood
}

// trimTail drops the headings and short lines (under Params.TailShort bytes) that
// come after the last prose paragraph of the content: "Comments", "Join the
// conversation", "Tell us what you think", a sign-off. A sentence (see
// sentenceLine) without links right above a line that is all link ("<< Back
// to News") ends the trimming: it closes the story. It returns the last
// Params.TailKeep short lines with text it dropped (not headings), in document order.
func (p *page) trimTail(root int32) []*html.Node {
	var cut []*html.Node
	els := p.els
	for i := root + 1; i < els[root].end; i++ {
		if e := &els[i]; e.flags&fDrop == 0 && els[e.parent].flags&fDrop != 0 && e.parent != root {
			e.flags |= fDrop | fGone
		}
	}
	for i := els[root].end - 1; i > root; i-- {
		e := &els[i]
		if e.flags&fDrop != 0 || e.flags&fBlock == 0 || e.inl == 0 {
			continue
		}
		if e.flags&fHeading == 0 && (e.inl >= p.par.TailShort || e.n.DataAtom == atom.Li || endsWithColon(e.n)) {
			break
		}
		if e.inlLink == 0 && p.linkLineAt(e.end, root) && sentenceLine(normText(e.n), p.par.SentenceMinWords) {
			break // the story's closing sentence above a "Back to News" link
		}
		if e.flags&fHeading == 0 && len(cut) < p.par.TailKeep {
			cut = append(cut, e.n)
		}
		p.drop(i)
	}
	slices.Reverse(cut)
	return cut
}

// linkLineAt reports whether the element at i, inside root, is a line whose
// text is all link.
func (p *page) linkLineAt(i, root int32) bool {
	if i >= p.els[root].end {
		return false
	}
	e := &p.els[i]
	return e.flags&fBlock != 0 && e.inl > 0 && e.inlLink == e.inl
}

// sentenceLine reports whether s is a sentence: at least minWords words and ending
// with a full stop, question or exclamation mark.
func sentenceLine(s string, minWords int) bool {
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		return false
	}
	return len(strings.Fields(s)) >= minWords
}

// markFigures turns images and their captions inside root into figures, and a
// table with the short note right under it into a figure with that caption. The
// nearest ancestor of an image (at most Params.FigureUp levels up) that holds text
// becomes a <figure> and its text a <figcaption> when that text is under
// Params.CaptionMax bytes and the ancestor is not a paragraph or inline element (an
// image in running text leaves the story's text alone); otherwise a short text block right after the image becomes
// its caption. Captions and photo credits stay in the body's HTML, out of its
// text.
func (p *page) markFigures(root int32) {
	els := p.els
	for i := root + 1; i < els[root].end; i++ {
		e := &els[i]
		if e.flags&fDrop != 0 {
			i = e.end - 1
			continue
		}
		if e.n.DataAtom == atom.Table {
			// A short line right under a table is its note ("Source: ..."), a caption.
			if c := e.end; c < els[root].end && els[c].parent == e.parent && p.shortLineAfter(i, c, noteStyled) {
				wrapFigure(e.n, els[c].n)
				i = els[c].end - 1
			}
			continue
		}
		if e.n.DataAtom != atom.Img || smallImage(e.n, p.par.SmallImagePx) {
			continue
		}
		u, w := i, e.parent
		for up := 0; w != root && els[w].text == 0 && up < p.par.FigureUp; up++ {
			u, w = w, els[w].parent
		}
		we := &els[w]
		if w != root && we.text > 0 && we.text <= p.par.CaptionMax && we.flags&fHeading == 0 && !p.inProse(w) &&
			we.n.DataAtom != atom.Figure && we.n.DataAtom != atom.Figcaption && we.n.DataAtom != atom.Li {
			toFigure(we.n)
			i = we.end - 1
			continue
		}
		if c := els[u].end; c < els[root].end && els[c].parent == els[u].parent && p.captionAfter(u, c) {
			wrapFigure(els[u].n, els[c].n)
			i = els[c].end - 1
		}
	}
}

// inProse reports whether the image wrapper w is a paragraph or an inline
// element (of a paragraph): an image placed in running text, whose text is
// the story's, not a caption (unless the class names a picture text).
func (p *page) inProse(w int32) bool {
	e := &p.els[w]
	return (e.n.DataAtom == atom.P || e.flags&fInline != 0) && !captionClass(e.n)
}

// captionAfter reports whether element c follows the image wrapper u directly
// (only white space between them) and is one short line of text outside a <p>
// (a paragraph is prose, unless its class names a picture text or it is styled
// as one, see captionStyled): a caption.
func (p *page) captionAfter(u, c int32) bool {
	return p.shortLineAfter(u, c, func(n *html.Node) bool { return captionClass(n) || captionStyled(n) })
}

// shortLineAfter reports whether element c follows element u directly (only
// white space between them) and is one short line of text (at most Params.CaptionMax
// bytes, no nested block); a <p> qualifies only when styledP says it is set
// apart from the prose.
func (p *page) shortLineAfter(u, c int32, styledP func(*html.Node) bool) bool {
	e := &p.els[c]
	if e.flags&(fDrop|fHeading) != 0 || e.flags&fBlock == 0 || (e.n.DataAtom == atom.P && !styledP(e.n)) ||
		e.text == 0 || e.text > p.par.CaptionMax || e.text != e.inl {
		return false
	}
	for n := p.els[u].n.NextSibling; n != nil; n = n.NextSibling {
		if n == e.n {
			return true
		}
		if n.Type == html.ElementNode || (n.Type == html.TextNode && strings.TrimSpace(n.Data) != "") {
			return false
		}
	}
	return false
}

// captionStyled reports whether a paragraph is set apart as a picture's text:
// centered, or all of its text inside one <em>, <i> or <small>.
func captionStyled(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "style" && strings.Contains(strings.ReplaceAll(strings.ToLower(a.Val), " ", ""), "text-align:center") {
			return true
		}
	}
	only := soleElement(n)
	return only != nil && (only.DataAtom == atom.Em || only.DataAtom == atom.I || only.DataAtom == atom.Small)
}

// noteStyled reports whether a paragraph is set apart as a note: styled as a
// caption (captionStyled, captionClass) or with a class naming a note, a source
// or small print ("table-note", "source", "text-xs", "small").
func noteStyled(n *html.Node) bool {
	if captionStyled(n) || captionClass(n) {
		return true
	}
	for _, a := range n.Attr {
		if a.Key != "class" {
			continue
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(a.Val), func(r rune) bool { return r == ' ' || r == '-' || r == '_' }) {
			switch w {
			case "note", "notes", "source", "sources", "small", "xs", "caption", "credit", "credits", "footnote", "fine":
				return true
			}
		}
	}
	return false
}

// captionClass reports whether n's class names it as the text of a picture
// ("pictext", "photo-text", "img-legend", "bildtext").
func captionClass(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key != "class" {
			continue
		}
		v := strings.ToLower(a.Val)
		for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }) {
			for _, pre := range captionPrefixes {
				if strings.HasPrefix(w, pre) {
					return true
				}
			}
		}
	}
	return false
}

var captionPrefixes = [...]string{"pic", "photo", "image", "img", "foto", "bild", "legend"}

// wrapFigure puts img (an image or its wrapper, or a table) and caption, its
// next sibling, into a new <figure>, the caption renamed <figcaption>.
func wrapFigure(img, caption *html.Node) {
	parent := img.Parent
	fig := &html.Node{Type: html.ElementNode, Data: "figure", DataAtom: atom.Figure}
	parent.InsertBefore(fig, img)
	for n := img; n != nil; {
		next := n.NextSibling
		parent.RemoveChild(n)
		fig.AppendChild(n)
		if n == caption {
			break
		}
		n = next
	}
	caption.Data, caption.DataAtom = "figcaption", atom.Figcaption
}

// smallImage reports whether an image declares a width or height under
// 150 pixels: an icon or avatar, not a photo with a caption.
func smallImage(n *html.Node, minPx int) bool {
	for _, a := range n.Attr {
		if a.Key == "width" || a.Key == "height" {
			if v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(a.Val), "px")); err == nil && v < minPx {
				return true
			}
		}
	}
	return false
}

// toFigure renames n to <figure> and moves its children that hold no image
// into a new <figcaption>.
func toFigure(n *html.Node) {
	n.Data, n.DataAtom = "figure", atom.Figure
	cap := &html.Node{Type: html.ElementNode, Data: "figcaption", DataAtom: atom.Figcaption}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if !holdsImage(c) {
			n.RemoveChild(c)
			cap.AppendChild(c)
		}
		c = next
	}
	n.AppendChild(cap)
}

func holdsImage(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if n.DataAtom == atom.Img || n.DataAtom == atom.Picture {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if holdsImage(c) {
			return true
		}
	}
	return false
}

// endsWithColon reports whether the last text inside n ends with ':' (a line
// introducing what follows).
func endsWithColon(n *html.Node) bool {
	for c := n.LastChild; c != nil; c = c.PrevSibling {
		switch c.Type {
		case html.TextNode:
			t := strings.TrimRight(c.Data, " \t\r\n\u00a0")
			if t == "" {
				continue
			}
			return strings.HasSuffix(t, ":")
		case html.ElementNode:
			if c.FirstChild != nil {
				return endsWithColon(c)
			}
		}
	}
	return false
}

// unlinkDropped removes the dropped elements under root from the tree.
func (p *page) unlinkDropped(root int32) {
	els := p.els
	for i := root + 1; i < els[root].end; {
		e := &els[i]
		if e.flags&fDrop != 0 {
			if e.n.Parent != nil {
				e.n.Parent.RemoveChild(e.n)
			}
			i = e.end
			continue
		}
		i++
	}
}
