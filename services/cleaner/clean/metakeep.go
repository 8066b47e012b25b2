package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// Attributes set on the copies collectMeta returns, read by the extractor.
const (
	// attrHidden marks a copied element that is not shown on the page (hidden
	// attribute, aria-hidden, display:none, visually-hidden class on it or an ancestor).
	attrHidden = "data-newsjet-hidden"
	// attrCtx names the page region a copied element sits in: "article" (inside
	// article/main or an article header), "header" (page header), "nav", "aside",
	// "footer", "comment" or "related"; absent when none applies.
	attrCtx = "data-newsjet-ctx"
	// attrKind is set on the synthetic blocks holding the visible text that follows
	// ("after-h1") and precedes ("before-h1") a shown h1.
	attrKind = "data-newsjet"
	// attrTitle marks a copied element that is not an h1 but shows the page's
	// declared title (og:title or <title>): the headline of a page without h1.
	attrTitle = "data-newsjet-title"
)

// Limits that keep collectMeta linear and its output small.
const (
	metaMaxDepth   = 512  // elements nested deeper are not searched
	copyMaxText    = 400  // characters of text copied per kept body element
	copyMaxNodes   = 80   // nodes copied per kept body element
	afterH1MaxText = 1200 // characters of text kept after a shown h1
	afterH1MaxBlks = 24   // text blocks kept after a shown h1
	afterH1MaxWins = 4    // shown h1s followed by a window of text
	beforeH1Texts  = 6    // text nodes kept before a shown h1
	maxBodyNodes   = 400  // body entries kept in all (metadata sits near the top)
	maxFigures     = 2    // figures kept (with their image and caption)
)

// keptLinkRels are the link relations copied into the cleaned head.
var keptLinkRels = [...]string{"canonical", "amphtml", "alternate", "author", "image_src", "publisher"}

// metaItemprops are the microdata properties whose elements are copied from the body.
var metaItemprops = map[string]bool{
	"author": true, "creator": true, "headline": true, "name": true, "alternativeheadline": true,
	"datepublished": true, "datecreated": true, "datemodified": true, "uploaddate": true,
	"articlesection": true, "keywords": true, "publisher": true, "description": true,
	"inlanguage": true, "isaccessibleforfree": true, "image": true, "thumbnailurl": true,
}

// collectMeta returns the elements of doc that carry metadata, to be copied into the
// cleaned document: head is rendered inside <head>, body inside <div data-newsjet="meta">.
//
// head holds original nodes, to be rendered as they are: the first <title> outside
// SVG, <meta> elements with name/property/itemprop/http-equiv (in the body: those
// with name/property/http-equiv, which a stray element made the parser move there),
// <link> elements whose rel is canonical, amphtml, alternate, author, image_src or
// publisher, every <script type="application/ld+json"> (wherever they are) and <base>.
//
// body holds new nodes (copies; the original tree is never modified): every <h1>,
// <time>, element with a metadata itemprop (author, headline, datePublished, ...),
// element whose class or id names a byline, author, date or dateline or a tag or
// category list, link to an author page (rel=author or an author-like path) or a
// tag (rel=tag, rel="category tag"), body <meta itemprop> microdata,
// each copied with its subtree cut to a few hundred characters, marked with
// data-newsjet-hidden="1" when it is not shown and with data-newsjet-ctx naming its
// page region; the first two shown <figure>s outside menus, sidebars and comments
// (the lead image and its caption); and a childless copy of the first element whose
// class or id names a paywall. The copy of each of the first four shown <h1>s is preceded by a
// <div data-newsjet="before-h1"> holding the last six shown text nodes before it and
// followed by a <div data-newsjet="after-h1"> holding the shown text that follows it
// (up to the next h1, 1,200 characters or 24 blocks), one <p> per block: where an
// unmarked byline or dateline is found. On a page whose body shows the declared
// title (og:title, twitter:title or <title>) in an element before any h1, that
// element's copy gets data-newsjet-title="1" and the same windows.
//
// The walk is one pass over doc; elements nested deeper than 512 levels are skipped
// and body copies stop after 400 entries.
func collectMeta(doc *html.Node) (head, body []*html.Node) {
	c := metaCollector{}
	c.walk(doc, walkState{})
	body = c.body[:0]
	for _, n := range c.body {
		if n.FirstChild != nil || attrVal(n, attrKind) == "" {
			body = append(body, n)
		}
	}
	return c.head, body
}

// walkState is what an element inherits from its ancestors.
type walkState struct {
	depth  int
	inHead bool
	inSVG  bool
	hidden bool
	ctx    string
}

type metaCollector struct {
	head, body []*html.Node
	haveTitle  bool
	// after collects the text blocks following the current shown h1; afterOn is set
	// while collecting, afterText and afterBlks count what it holds, windows counts
	// the windows opened.
	after     *html.Node
	afterOn   bool
	afterText int
	afterBlks int
	windows   int
	// recent holds the last shown text nodes of the body (a ring, next is the slot
	// to write), emitted before a shown h1.
	recent [beforeH1Texts]*html.Node
	next   int
	// titles are the declared titles read in <head>; titled is set once an element
	// showing one was found.
	titles []string
	titled bool
	// paywall is set once a paywall marker was kept; figures counts the figures kept.
	paywall bool
	figures int
}

func (c *metaCollector) walk(n *html.Node, st walkState) {
	if st.depth > metaMaxDepth {
		return
	}
	if n.Type == html.TextNode {
		if st.hidden || st.inHead {
			return
		}
		if c.afterOn {
			c.addAfterText(n)
		}
		if st.ctx != "nav" && st.ctx != "footer" && strings.TrimSpace(n.Data) != "" {
			c.recent[c.next] = n
			c.next = (c.next + 1) % beforeH1Texts
		}
		return
	}
	if n.Type == html.ElementNode {
		if !c.element(n, &st) {
			return
		}
	}
	st.depth++
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c.walk(ch, st)
	}
	if n.Type == html.ElementNode && c.afterOn && isBlock(n.DataAtom) {
		c.endAfterBlock()
	}
}

// element handles one element and updates st for its children; it reports whether
// the walk descends into the element.
func (c *metaCollector) element(n *html.Node, st *walkState) bool {
	switch n.DataAtom {
	case atom.Head:
		st.inHead = true
	case atom.Svg, atom.Math:
		st.inSVG = true
	case atom.Title:
		if !c.haveTitle && !st.inSVG {
			c.haveTitle = true
			c.head = append(c.head, n)
			if n.FirstChild != nil {
				c.addTitle(n.FirstChild.Data)
			}
		}
		return false
	case atom.Meta:
		if hasAnyAttr(n, "name", "property", "itemprop", "http-equiv") {
			switch {
			case metaItemprop(attrVal(n, "itemprop")) && !st.inHead:
				// Microdata: its place in the body tells whose property it is.
				if !c.full() {
					c.body = append(c.body, c.shallow(n, st))
				}
			case st.inHead || hasAnyAttr(n, "name", "property", "http-equiv"):
				// Head metadata, also when a stray element made the parser move it
				// into the body.
				c.head = append(c.head, n)
				if p := attrVal(n, "property"); p == "og:title" || attrVal(n, "name") == "twitter:title" {
					c.addTitle(attrVal(n, "content"))
				}
			}
		}
		return false
	case atom.Link:
		if keptLink(n) {
			c.head = append(c.head, n)
		}
		return false
	case atom.Base:
		if st.inHead {
			c.head = append(c.head, n)
		}
		return false
	case atom.Script:
		if strings.EqualFold(strings.TrimSpace(attrVal(n, "type")), "application/ld+json") {
			c.head = append(c.head, n)
		}
		return false
	case atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object, atom.Embed,
		atom.Select, atom.Textarea, atom.Canvas, atom.Video, atom.Audio:
		return false
	}
	if st.inHead {
		return true
	}
	ea := scanAttrs(n)
	if ea.hidden {
		st.hidden = true
	}
	if ctx := regionOf(n, &ea, st.ctx); ctx != "" {
		st.ctx = ctx
	}
	if c.full() {
		return true // enough kept: the rest of the body is only walked for head elements
	}
	if n.DataAtom == atom.H1 {
		c.afterOn = false
		if !st.hidden && c.windows < afterH1MaxWins {
			c.addBefore()
		}
		if cp := c.limitedCopy(n, st); cp != nil {
			c.body = append(c.body, cp)
			if !st.hidden && c.isTitle(strings.TrimSpace(copyText(cp))) {
				c.titled = true
			}
		}
		if !st.hidden && c.windows < afterH1MaxWins {
			c.startAfter()
		}
		return false
	}
	if !c.titled && c.windows < afterH1MaxWins && !st.hidden && c.showsTitle(n) {
		// No h1 so far shows the declared title: the element that does stands in.
		c.titled = true
		c.afterOn = false
		c.addBefore()
		if cp := c.limitedCopy(n, st); cp != nil {
			cp.Attr = append(cp.Attr, html.Attribute{Key: attrTitle, Val: "1"})
			c.body = append(c.body, cp)
			c.startAfter()
			return false
		}
	}
	if ea.words&wordPaywall != 0 && !c.paywall {
		// A paywall marker, kept bare: the cleaner drops it from the content.
		c.paywall = true
		c.body = append(c.body, c.shallow(n, st))
	}
	if n.DataAtom == atom.Figure && c.figures < maxFigures && !st.hidden && !noiseRegion(st.ctx) {
		// The lead image often sits outside the content the cleaner keeps.
		if cp := c.limitedCopy(n, st); cp != nil {
			c.figures++
			c.body = append(c.body, cp)
			return false
		}
	}
	if wanted(n, &ea, st.ctx) {
		if cp := c.limitedCopy(n, st); cp != nil {
			c.body = append(c.body, cp)
			if c.afterOn && !st.hidden {
				c.addAfterSubtree(n)
			}
			return false
		}
	}
	return true
}

// wanted reports whether a body element in page region ctx carries metadata. Menus
// and page footers list many authors and dates: there only time elements, rel=author
// links and microdata count.
func wanted(n *html.Node, ea *elemAttrs, ctx string) bool {
	noise := ctx == "nav" || ctx == "footer"
	switch n.DataAtom {
	case atom.Time:
		return true
	case atom.A:
		if ea.rel != "" && (containsWord(ea.rel, "author") || (!noise && containsWord(ea.rel, "tag"))) {
			return true
		}
		if !noise && authorPath(ea.href) {
			return true
		}
	case atom.Body, atom.Html, atom.Main:
		return false
	}
	if metaItemprop(ea.itemprop) {
		return true
	}
	if noise {
		return false
	}
	return ea.words&(wordMeta|wordTags) != 0 || (n.DataAtom == atom.H2 && ea.words&wordHeadline != 0)
}

// metaItemprop reports whether an itemprop value names a metadata property.
func metaItemprop(v string) bool {
	if v == "" {
		return false
	}
	for _, p := range strings.Fields(v) {
		if metaItemprops[strings.ToLower(p)] {
			return true
		}
	}
	return false
}

// limitedCopy copies n with its subtree cut to copyMaxText characters and copyMaxNodes
// nodes. It returns nil when n's subtree is larger than that or holds an h1, so that
// the walk descends into it and keeps its parts instead (an h1 itself is copied cut),
// and for elements never copied (script, form, media, ...).
func (c *metaCollector) limitedCopy(n *html.Node, st *walkState) *html.Node {
	b := copyBudget{text: copyMaxText, nodes: copyMaxNodes}
	cp := b.copy(n, 0)
	if cp == nil || (b.over && n.DataAtom != atom.H1) || b.h1 {
		return nil
	}
	mark(cp, st)
	return cp
}

// shallow copies an element without its children (meta, link, a paywall marker).
func (c *metaCollector) shallow(n *html.Node, st *walkState) *html.Node {
	cp := &html.Node{Type: html.ElementNode, Data: n.Data, DataAtom: n.DataAtom, Attr: keptAttrs(n.Attr)}
	mark(cp, st)
	return cp
}

// mark records hidden state and region on a copy.
func mark(cp *html.Node, st *walkState) {
	if st.hidden {
		cp.Attr = append(cp.Attr, html.Attribute{Key: attrHidden, Val: "1"})
	}
	if st.ctx != "" {
		cp.Attr = append(cp.Attr, html.Attribute{Key: attrCtx, Val: st.ctx})
	}
}

// copyBudget bounds one limitedCopy.
type copyBudget struct {
	text, nodes int
	over        bool // the subtree did not fit
	h1          bool // the subtree holds an h1 below its root
}

func (b *copyBudget) copy(n *html.Node, depth int) *html.Node {
	b.nodes--
	if b.nodes < 0 || depth > 32 {
		b.over = true
		return nil
	}
	switch n.Type {
	case html.TextNode:
		s := n.Data
		if len(s) > b.text {
			s = cutUTF8(s, b.text)
			b.over = true
		}
		b.text -= len(s)
		return &html.Node{Type: html.TextNode, Data: s}
	case html.ElementNode:
	default:
		return nil
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Iframe, atom.Object,
		atom.Embed, atom.Select, atom.Textarea, atom.Canvas, atom.Video, atom.Audio, atom.Picture, atom.Button, atom.Form:
		return nil
	}
	if n.DataAtom == atom.H1 && depth > 0 {
		b.h1 = true
	}
	cp := &html.Node{Type: html.ElementNode, Data: n.Data, DataAtom: n.DataAtom, Attr: keptAttrs(n.Attr)}
	if isHidden(n) {
		cp.Attr = append(cp.Attr, html.Attribute{Key: attrHidden, Val: "1"})
	}
	for ch := n.FirstChild; ch != nil && !b.over; ch = ch.NextSibling {
		if cc := b.copy(ch, depth+1); cc != nil {
			cp.AppendChild(cc)
		}
	}
	return cp
}

// keptAttrs returns the attributes of a copied element that matter for metadata.
func keptAttrs(attrs []html.Attribute) []html.Attribute {
	n := 0
	for _, a := range attrs {
		if keepAttr(a) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]html.Attribute, 0, n)
	for _, a := range attrs {
		if keepAttr(a) {
			out = append(out, html.Attribute{Key: a.Key, Val: a.Val})
		}
	}
	return out
}

func keepAttr(a html.Attribute) bool {
	if a.Namespace != "" {
		return false
	}
	switch a.Key {
	case "class", "id", "itemprop", "itemscope", "itemtype", "datetime", "content", "href", "src",
		"rel", "title", "lang", "name", "property", "http-equiv", "alt", "aria-label", "data-src", "data-original":
		return true
	}
	return strings.HasPrefix(a.Key, "data-") && len(a.Val) <= 64
}

// full reports whether the body list holds maxBodyNodes entries.
func (c *metaCollector) full() bool {
	return len(c.body) >= maxBodyNodes
}

// addTitle records a declared title, trimmed; short ones are ignored.
func (c *metaCollector) addTitle(t string) {
	if t = strings.TrimSpace(t); len(t) >= 12 && len(c.titles) < 3 {
		c.titles = append(c.titles, t)
		// A site name before the headline ("Pine Hollow Pennysaver - Town to buy
		// ..."): the longer side of the first separator is the headline too.
		for _, sep := range [...]string{" | ", " - ", " – ", " — ", " :: ", " · "} {
			if i := strings.Index(t, sep); i > 0 {
				if head, rest := t[:i], t[i+len(sep):]; len(rest) > len(head) && len(rest) >= 12 {
					c.titles = append(c.titles, rest)
				}
				break
			}
		}
	}
}

// showsTitle reports whether a text-bearing element's first text is a declared
// title, or the start of one (a <title> with its site suffix) covering most of it.
func (c *metaCollector) showsTitle(n *html.Node) bool {
	if len(c.titles) == 0 {
		return false
	}
	switch n.DataAtom {
	case atom.P, atom.Div, atom.Span, atom.Dt, atom.Dd, atom.H2, atom.H3, atom.H4, atom.Td, atom.Strong, atom.B, atom.Header:
	default:
		return false
	}
	ch := n.FirstChild
	for ch != nil && ch.Type == html.TextNode && strings.TrimSpace(ch.Data) == "" {
		ch = ch.NextSibling
	}
	if ch == nil || ch.Type != html.TextNode {
		return false
	}
	return c.isTitle(strings.TrimSpace(ch.Data))
}

// isTitle reports whether t is a declared title or the start of one covering most
// of it.
func (c *metaCollector) isTitle(t string) bool {
	if len(t) < 12 {
		return false
	}
	for _, d := range c.titles {
		if d == t || (strings.HasPrefix(d, t) && 3*len(t) >= 2*len(d)) {
			return true
		}
	}
	return false
}

// copyText returns the text of a copied subtree (small by construction), with white
// space runs folded.
func copyText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type == html.TextNode {
				b.WriteString(ch.Data)
			}
			walk(ch)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// addBefore appends a <div data-newsjet="before-h1"> holding the last shown text
// nodes (one <p> each, oldest first) and clears them.
func (c *metaCollector) addBefore() {
	var div *html.Node
	for i := range beforeH1Texts {
		slot := (c.next + i) % beforeH1Texts
		t := c.recent[slot]
		if t == nil {
			continue
		}
		c.recent[slot] = nil
		if div == nil {
			div = &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div,
				Attr: []html.Attribute{{Key: attrKind, Val: "before-h1"}}}
		}
		p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
		p.AppendChild(&html.Node{Type: html.TextNode, Data: cutUTF8(t.Data, copyMaxText)})
		div.AppendChild(p)
	}
	if div != nil {
		c.body = append(c.body, div)
	}
}

// startAfter opens a window collecting the text after a shown h1, placed in body
// right after the h1's copy.
func (c *metaCollector) startAfter() {
	c.afterOn = true
	c.afterText, c.afterBlks = 0, 0
	c.windows++
	c.after = &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div,
		Attr: []html.Attribute{{Key: attrKind, Val: "after-h1"}}}
	c.body = append(c.body, c.after)
}

// addAfterText appends text to the current after-h1 block.
func (c *metaCollector) addAfterText(n *html.Node) {
	s := n.Data
	if strings.TrimSpace(s) == "" {
		if p := c.after.LastChild; p != nil && p.Data == "p" && p.FirstChild != nil {
			p.LastChild.Data += " "
		}
		return
	}
	if rest := afterH1MaxText - c.afterText; len(s) > rest {
		s = cutUTF8(s, rest)
	}
	c.afterText += len(s)
	p := c.after.LastChild
	if p == nil || p.Data != "p" || p.FirstChild == nil || p.FirstChild.Type != html.TextNode || p.Attr != nil {
		p = &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
		c.after.AppendChild(p)
		p.AppendChild(&html.Node{Type: html.TextNode, Data: s})
	} else {
		if glued(p.FirstChild.Data, s) && (n.PrevSibling == nil || n.PrevSibling.Type == html.ElementNode) {
			// Texts of two elements meeting without a space ("Jana Berg" +
			// "Published 20.09."): a name and a dateline, not one word.
			p.FirstChild.Data += " "
		}
		p.FirstChild.Data += s
	}
	if c.afterText >= afterH1MaxText {
		c.afterOn = false
	}
}

// glued reports whether a ends and b starts with a letter or digit.
func glued(a, b string) bool {
	r, _ := utf8.DecodeLastRuneInString(a)
	q, _ := utf8.DecodeRuneInString(b)
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && (unicode.IsLetter(q) || unicode.IsDigit(q))
}

// addAfterSubtree appends the text of a kept element to the after-h1 window, so the
// window reads as the page does.
func (c *metaCollector) addAfterSubtree(n *html.Node) {
	budget := copyBudget{text: copyMaxText, nodes: copyMaxNodes}
	var walk func(*html.Node)
	walk = func(m *html.Node) {
		if budget.nodes--; budget.nodes < 0 || !c.afterOn {
			return
		}
		switch m.Type {
		case html.TextNode:
			c.addAfterText(m)
			return
		case html.ElementNode:
			switch m.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Button:
				return
			}
			if isHidden(m) {
				return
			}
		}
		for ch := m.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
		if m.Type == html.ElementNode && isBlock(m.DataAtom) {
			c.endAfterBlock()
		}
	}
	walk(n)
	c.endAfterBlock()
}

// endAfterBlock closes the current after-h1 block so the next text starts a new one.
func (c *metaCollector) endAfterBlock() {
	p := c.after.LastChild
	if p == nil || p.Data != "p" || p.Attr != nil {
		return
	}
	if p.FirstChild == nil || strings.TrimSpace(p.FirstChild.Data) == "" {
		c.after.RemoveChild(p)
		return
	}
	p.Attr = []html.Attribute{{Key: "data-newsjet-end", Val: "1"}}
	c.afterBlks++
	if c.afterBlks >= afterH1MaxBlks {
		c.afterOn = false
	}
}

// keptLink reports whether a <link> carries a relation worth keeping.
func keptLink(n *html.Node) bool {
	rel := attrVal(n, "rel")
	if rel == "" {
		return false
	}
	for _, r := range keptLinkRels {
		if containsWord(rel, r) {
			return true
		}
	}
	return false
}

// noiseRegion reports whether a region holds menus, sidebars, comments or teasers.
func noiseRegion(ctx string) bool {
	switch ctx {
	case "nav", "aside", "footer", "comment", "related":
		return true
	}
	return false
}

// regionOf returns the page region n opens given the region it is in, or "" if
// it opens none. Noise regions (nav, aside, footer, comment, related) are never
// overridden by an inner article region.
func regionOf(n *html.Node, ea *elemAttrs, cur string) string {
	if noiseRegion(cur) {
		return ""
	}
	switch n.DataAtom {
	case atom.Nav:
		return "nav"
	case atom.Aside:
		return "aside"
	case atom.Footer:
		if cur == "article" {
			return ""
		}
		return "footer"
	case atom.Article, atom.Main:
		return "article"
	case atom.Header:
		if cur == "article" {
			return ""
		}
		return "header"
	}
	switch {
	case ea.words&wordComment != 0:
		return "comment"
	case ea.words&wordRelated != 0:
		return "related"
	}
	if ea.role != "" {
		switch strings.ToLower(ea.role) {
		case "navigation":
			return "nav"
		case "complementary":
			return "aside"
		case "contentinfo":
			return "footer"
		case "main", "article":
			return "article"
		}
	}
	return ""
}

// elemAttrs is what collectMeta reads from an element's attributes, in one pass.
type elemAttrs struct {
	itemprop, role, href, rel string
	// words holds the word* bits found in the class and id values.
	words  uint8
	hidden bool
}

// Bits of elemAttrs.words.
const (
	wordMeta     = 1 << iota // byline, author, date, dateline, ... (metaWords)
	wordHeadline             // headline
	wordComment              // comment
	wordRelated              // related, recommend, more-stories
	wordHidden               // sr-only, visually-hidden, ... (in class only)
	wordPaywall              // paywall, regwall, subscriber-only, premium-content
	wordTags                 // tags, tag-list, keywords, cat-links, categories
)

// classWordList lists the class/id fragments collectMeta looks for, lower case.
var classWordList = [...]struct {
	word string
	bit  uint8
}{
	{"byline", wordMeta}, {"author", wordMeta}, {"writer", wordMeta}, {"contributor", wordMeta},
	{"dateline", wordMeta}, {"date", wordMeta}, {"timestamp", wordMeta}, {"publish", wordMeta},
	{"posted", wordMeta}, {"updated", wordMeta}, {"credit", wordMeta}, {"kicker", wordMeta}, {"eyebrow", wordMeta},
	{"headline", wordHeadline}, {"comment", wordComment},
	{"related", wordRelated}, {"recommend", wordRelated}, {"more-stories", wordRelated},
	{"sr-only", wordHidden}, {"visually-hidden", wordHidden}, {"screen-reader", wordHidden},
	{"visuallyhidden", wordHidden}, {"hidden-text", wordHidden}, {"offscreen", wordHidden},
	{"paywall", wordPaywall}, {"regwall", wordPaywall}, {"subscriber-only", wordPaywall}, {"premium-content", wordPaywall},
	{"tags", wordTags}, {"tag-list", wordTags}, {"taglist", wordTags}, {"tag-links", wordTags}, {"keywords", wordTags},
	{"cat-links", wordTags}, {"categories", wordTags},
}

// classWordsByFirst indexes classWordList by first byte, so that one scan of a
// class value finds every fragment.
var classWordsByFirst = func() (t [256][]int) {
	for i, w := range classWordList {
		t[w.word[0]] = append(t[w.word[0]], i)
	}
	return t
}()

// metaClassBits returns the bits of the fragments found in s, ignoring ASCII case.
func metaClassBits(s string) uint8 {
	var bits uint8
	for i := 0; i < len(s); i++ {
		for _, wi := range classWordsByFirst[lower(s[i])] {
			w := classWordList[wi].word
			if len(s)-i >= len(w) && equalFoldASCII(s[i:i+len(w)], w) {
				bits |= classWordList[wi].bit
			}
		}
	}
	return bits
}

// equalFoldASCII reports whether s equals the lower-case w, ignoring ASCII case.
func equalFoldASCII(s, w string) bool {
	for i := 0; i < len(w); i++ {
		if lower(s[i]) != w[i] {
			return false
		}
	}
	return true
}

// scanAttrs reads an element's attributes once.
func scanAttrs(n *html.Node) elemAttrs {
	var ea elemAttrs
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "class":
			w := metaClassBits(a.Val)
			ea.words |= w
			if w&wordHidden != 0 {
				ea.hidden = true
			}
		case "id":
			ea.words |= metaClassBits(a.Val) &^ wordHidden
		case "itemprop":
			ea.itemprop = a.Val
		case "role":
			ea.role = a.Val
		case "href":
			ea.href = a.Val
		case "rel":
			ea.rel = a.Val
		case "hidden":
			ea.hidden = true
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(a.Val), "true") {
				ea.hidden = true
			}
		case "style":
			if htmlparse.StyleHides(a.Val) {
				ea.hidden = true
			}
		}
	}
	return ea
}

// isHidden reports whether the element itself is not shown: hidden attribute,
// aria-hidden="true", an inline style hiding it, or a visually-hidden class.
func isHidden(n *html.Node) bool {
	return scanAttrs(n).hidden
}

// authorSegments are URL path segments of author profile pages.
var authorSegments = [...]string{"author", "authors", "by", "people", "profile", "profiles", "staff", "journalist",
	"journalists", "reporter", "columnist", "contributor", "writers", "autor", "autores"}

// authorPath reports whether a URL path has an author-page segment followed by more
// path ("/author/jane-roe").
func authorPath(href string) bool {
	for i := strings.IndexByte(href, '/'); i >= 0; {
		rest := href[i+1:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return false
		}
		if seg := rest[:j]; len(seg) >= 2 && len(seg) <= 11 {
			for _, w := range authorSegments {
				if len(seg) == len(w) && equalFoldASCII(seg, w) {
					return true
				}
			}
		}
		i += 1 + j
	}
	return false
}

// isBlock reports whether an element ends a line of text.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Header, atom.Footer, atom.Section, atom.Article, atom.Figure, atom.Figcaption, atom.Blockquote,
		atom.Br, atom.Tr, atom.Td, atom.Th, atom.Table, atom.Dd, atom.Dt, atom.Address, atom.Time, atom.Aside, atom.Nav:
		return true
	}
	return false
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not split a
// UTF-8 sequence.
func cutUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func attrVal(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

func hasAnyAttr(n *html.Node, keys ...string) bool {
	for _, a := range n.Attr {
		for _, k := range keys {
			if a.Key == k && a.Namespace == "" {
				return true
			}
		}
	}
	return false
}

// containsWord reports whether the space-separated list s holds w (ASCII case-insensitive).
func containsWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
