package clean

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// attrHidden marks, inside a copy limitedCopy makes, a descendant that is not
// shown itself (hidden attribute, aria-hidden, display:none, visually-hidden
// class): its text is left out of the copy's text.
const attrHidden = "data-newsjet-hidden"

// metaMaxDepth bounds the walk of collectMeta: elements nested deeper are not
// searched, which keeps it linear (see also Params, whose metadata bounds keep the
// cleaned page small).
const metaMaxDepth = 512

// metaItemprops are the microdata properties whose elements are copied from the body.
var metaItemprops = map[string]bool{
	"author": true, "creator": true, "headline": true, "name": true, "alternativeheadline": true,
	"datepublished": true, "datecreated": true, "datemodified": true, "uploaddate": true,
	"articlesection": true, "keywords": true, "publisher": true, "description": true,
	"inlanguage": true, "isaccessibleforfree": true, "image": true, "thumbnailurl": true,
}

// pageMeta is what collectMeta finds: the cleaned page's head, headlines and
// candidates (see schema.CleanedPage).
type pageMeta struct {
	head       schema.PageHead
	headlines  []schema.Headline
	candidates []schema.Candidate
}

// collectMeta returns the metadata of doc the extractor reads, in one pass over the
// untouched tree.
//
// The head (schema.PageHead) holds the first <title> outside SVG, the <meta>
// elements with a name, property, itemprop or http-equiv of <head> (and those with a
// name, property or http-equiv that a stray element made the parser move into the
// body), the <link>s whose rel is a schema.LinkRels relation, every <script
// type="application/ld+json"> wherever it is (see schema.PageHead.AddJSONLD) and
// the first <base> href; Clean adds <html lang>.
//
// The headlines are every <h1> and, on a page whose body shows the declared title
// (og:title, twitter:title or <title>) in an element before any h1 does, that
// element (stand-in). Each of the first four shown ones carries the last six shown
// texts before it and the shown text blocks after it (up to the next headline,
// 1,200 characters or 24 blocks): where an unmarked byline or dateline is found.
//
// The candidates are every <time>, element with a metadata itemprop (author,
// headline, datePublished, ...), element whose class or id names a byline, author,
// date or dateline or a tag or category list, link to an author page (rel=author or
// an author-like path) or a tag (rel=tag), body <meta itemprop> microdata, the first
// two shown <figure>s outside menus, sidebars and comments (the lead image and its
// caption), the first element whose class or id names a paywall (kept without
// text), and the first 16 dated lines: short shown blocks holding a date, outside
// menus, sidebars, comments and teaser lists (see addDatedLine). Menus and page footers list many authors and dates: there only times,
// rel=author links and microdata count. A candidate whose subtree holds more than 400
// characters or 80 nodes, or an h1, is not kept: the walk looks inside it instead.
// Inside a kept one, the elements with an itemprop, links, times, abbrs, tag lists
// and (in a figure) images and captions are candidates one depth deeper.
//
// Elements nested deeper than 512 levels are skipped, and the body yields at most
// 400 entries (headlines, candidates and text windows).
func collectMeta(doc *html.Node, par *Params) pageMeta {
	c := metaCollector{par: par, afterTo: -1, recent: make([]*html.Node, par.BeforeH1Texts)}
	c.walk(doc, walkState{})
	c.flushBlock()
	return c.m
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
	par       *Params
	m         pageMeta
	haveTitle bool
	// entries counts the headlines, top-level candidates and text windows kept.
	entries int
	// shown counts the shown headlines kept.
	shown int
	// The window of text after the current shown headline: afterOn is set while it
	// collects, afterTo is the index of the headline it belongs to (-1: none),
	// afterText and afterBlks count what it holds, windows counts the windows opened;
	// block holds the text block being read, open while blockOpen is set.
	afterOn   bool
	afterTo   int
	afterText int
	afterBlks int
	windows   int
	block     []byte
	blockOpen bool
	// recent holds the last shown text nodes of the body (a ring, next is the slot
	// to write), and before the texts taken from it for the next headline.
	recent []*html.Node
	next   int
	before []string
	// titles are the declared titles read in <head>; titled is set once an element
	// showing one was found.
	titles []string
	titled bool
	// paywall is set once a paywall marker was kept; figures counts the figures kept.
	paywall bool
	figures int
	// dated holds the blocks kept as dated lines (see addDatedLine).
	dated map[*html.Node]bool
}

func (c *metaCollector) walk(n *html.Node, st walkState) {
	if st.depth > metaMaxDepth {
		return
	}
	if n.Type == html.TextNode {
		if st.hidden || st.inHead {
			return
		}
		if c.afterOn && inHeaderText(st.ctx) {
			c.addAfterText(n)
		}
		if len(c.dated) < c.par.MaxDatedLines && !c.full() && (st.ctx == "" || !schema.NoiseRegion(st.ctx) || st.ctx == schema.RegionFooter) &&
			hasYear(n.Data) {
			c.addDatedLine(n, st)
		}
		if st.ctx != schema.RegionNav && st.ctx != schema.RegionFooter && strings.TrimSpace(n.Data) != "" {
			c.recent[c.next] = n
			c.next = (c.next + 1) % len(c.recent)
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
			if n.FirstChild != nil {
				c.m.head.Title = n.FirstChild.Data
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
					c.addCandidates(n, st)
				}
			case st.inHead || hasAnyAttr(n, "name", "property", "http-equiv"):
				// Head metadata, also when a stray element made the parser move it
				// into the body.
				c.addHeadMeta(n)
				if attrVal(n, "property") == schema.MetaOGTitle || attrVal(n, "name") == schema.MetaTwitterTitle {
					c.addTitle(attrVal(n, "content"))
				}
			}
		}
		return false
	case atom.Link:
		if keptLink(n) {
			c.m.head.Links = append(c.m.head.Links, schema.Link{Rel: strings.ToLower(attrVal(n, "rel")), Href: strings.TrimSpace(attrVal(n, "href"))})
		}
		return false
	case atom.Base:
		if st.inHead && c.m.head.Base == "" {
			c.m.head.Base = strings.TrimSpace(attrVal(n, "href"))
		}
		return false
	case atom.Script:
		if strings.EqualFold(strings.TrimSpace(attrVal(n, "type")), "application/ld+json") && n.FirstChild != nil {
			c.m.head.AddJSONLD(n.FirstChild.Data)
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
		c.endWindow()
		if !st.hidden && c.windows < c.par.AfterH1MaxWins {
			c.addBefore()
		}
		if cp := c.limitedCopy(n); cp != nil {
			c.addHeadline(cp, st, false)
			if !st.hidden && c.isTitle(strings.TrimSpace(copyText(cp))) {
				c.titled = true
			}
			c.addHeadlineDates(cp, st)
		}
		if !st.hidden && c.windows < c.par.AfterH1MaxWins {
			c.startAfter()
		}
		return false
	}
	if !c.titled && c.windows < c.par.AfterH1MaxWins && !st.hidden && c.showsTitle(n) {
		// No h1 so far shows the declared title: the element that does stands in.
		c.titled = true
		c.endWindow()
		c.addBefore()
		if cp := c.limitedCopy(n); cp != nil {
			c.addHeadline(cp, st, true)
			c.startAfter()
			return false
		}
	}
	if ea.words&wordPaywall != 0 && !c.paywall {
		// A paywall marker, kept bare: the cleaner drops it from the content.
		c.paywall = true
		c.addCandidates(&html.Node{Type: html.ElementNode, Data: n.Data, DataAtom: n.DataAtom, Attr: keptAttrs(n.Attr)}, st)
	}
	if n.DataAtom == atom.Figure && c.figures < c.par.MaxFigures && !st.hidden && !schema.NoiseRegion(st.ctx) {
		// The lead image often sits outside the content the cleaner keeps.
		if cp := c.limitedCopy(n); cp != nil {
			c.figures++
			c.addCandidates(cp, st)
			return false
		}
	}
	if wanted(n, &ea, st.ctx) {
		if cp := c.limitedCopy(n); cp != nil {
			c.addCandidates(cp, st)
			if c.afterOn && !st.hidden && inHeaderText(st.ctx) {
				c.addAfterSubtree(n)
			}
			return false
		}
	}
	return true
}

// inHeaderText reports whether text in region ctx can be part of the text after a
// headline: comments, teasers of other stories and embedded posts are not (an
// <aside> after the headline may hold its byline).
func inHeaderText(ctx string) bool {
	return ctx != schema.RegionComment && ctx != schema.RegionRelated
}

// addDatedLine keeps, as a candidate, the block holding a text node that names a
// year when the block is short and may hold a date (hasDate: a day or month number
// beside the year, in its own element or not) (at most DatedLineMaxText bytes of text): a date
// the page shows without a date class or id ("Datum: 03.02.2022", "Dieser Artikel
// wurde am 14. Dezember 2015 um 14:48 von ...", "Stand 27.01.2022"), outside menus,
// sidebars, comments and teaser lists. The block is the text's nearest block
// ancestor (at most three inline elements up); each is kept once. Its text is read
// with its lines, as Candidate.Text has it: a day and a year in adjacent elements
// ("<span>18</span><span>2009</span>") are two numbers, not one (182009).
func (c *metaCollector) addDatedLine(n *html.Node, st walkState) {
	b := n.Parent
	for up := 0; b != nil && b.Parent != nil && !isBlock(b.DataAtom) && up < 3; up++ {
		b = b.Parent
	}
	if b == nil || b.Type != html.ElementNode || c.dated[b] {
		return
	}
	switch b.DataAtom {
	case atom.Body, atom.Html, atom.Head, atom.Title, atom.Script, atom.Style, atom.Option, atom.Select, atom.Textarea, atom.Button:
		return
	}
	cp := c.limitedCopy(b)
	if cp == nil {
		return
	}
	if t := elementText(cp, true); len(t) > c.par.DatedLineMaxText || !hasDate(t) {
		return
	}
	if c.dated == nil {
		c.dated = map[*html.Node]bool{}
	}
	c.dated[b] = true
	c.addCandidates(cp, &st)
}

// hasYear reports whether s holds a year from 1990 to 2099 standing alone (no
// digit next to it): the text nodes whose block may be a dated line.
func hasYear(s string) bool {
	digits := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			digits++
			continue
		}
		if digits == 4 {
			if y := s[i-4 : i]; y[:2] == "19" && y[2] >= '9' || y[:2] == "20" {
				return true
			}
		}
		digits = 0
	}
	return false
}

// hasDate reports whether s may hold a calendar date: a year from 1990 to 2099
// standing alone (no digit next to it) and a number of one or two digits (a day
// or month), or a two-digit-year date such as 28.09.19. A copyright line ("© 2026
// Daily Digest") names a year but no date.
func hasDate(s string) bool {
	digits := 0
	year, small := false, false
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			digits++
			continue
		}
		switch digits {
		case 4:
			if y := s[i-4 : i]; y[:2] == "19" && y[2] >= '9' || y[:2] == "20" {
				year = true
			}
		case 1, 2:
			small = true
			if digits == 2 && i >= 8 && (s[i-3] == '.' || s[i-3] == '/') && isDigitByte(s[i-4]) &&
				(s[i-6] == '.' || s[i-6] == '/' || s[i-5] == '.' || s[i-5] == '/') {
				return true
			}
		}
		if year && small {
			return true
		}
		digits = 0
	}
	return false
}

func isDigitByte(b byte) bool { return b >= '0' && b <= '9' }

// addHeadMeta adds a <meta> element to the head: its key is the property, else name,
// else itemprop, else http-equiv (trimmed, lower-cased), its content the content,
// else value attribute (trimmed); one without content or whose key the contract
// does not keep (schema.HeadMeta) is left out.
func (c *metaCollector) addHeadMeta(n *html.Node) {
	key := ""
	for _, k := range [...]string{"property", "name", "itemprop", "http-equiv"} {
		if key = attrVal(n, k); key != "" {
			break
		}
	}
	val := attrVal(n, "content")
	if val == "" {
		val = attrVal(n, "value")
	}
	key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
	if val != "" && schema.HeadMeta(key) {
		c.m.head.Meta = append(c.m.head.Meta, schema.Meta{Key: key, Content: val})
	}
}

// wanted reports whether a body element in page region ctx carries metadata. Menus
// and page footers list many authors and dates: there only time elements, rel=author
// links and microdata count.
func wanted(n *html.Node, ea *elemAttrs, ctx string) bool {
	noise := ctx == schema.RegionNav || ctx == schema.RegionFooter
	switch n.DataAtom {
	case atom.Time:
		return true
	case atom.A:
		if ea.rel != "" && (containsWord(ea.rel, "author") || (!noise && containsWord(ea.rel, "tag"))) {
			return true
		}
		if !noise && schema.AuthorPath(ea.href) {
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

// limitedCopy copies n with its subtree cut to Params.CopyMaxText characters and
// Params.CopyMaxNodes nodes. It returns nil when n's subtree is larger than that or holds an h1, so that
// the walk descends into it and keeps its parts instead (an h1 itself is copied cut),
// and for elements never copied (script, form, media, ...).
func (c *metaCollector) limitedCopy(n *html.Node) *html.Node {
	b := copyBudget{text: c.par.CopyMaxText, nodes: c.par.CopyMaxNodes}
	cp := b.copy(n, 0)
	if cp == nil || (b.over && n.DataAtom != atom.H1) || b.h1 {
		return nil
	}
	return cp
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
	if depth > 0 && isHidden(n) {
		cp.Attr = append(cp.Attr, html.Attribute{Key: attrHidden, Val: "1"})
	}
	for ch := n.FirstChild; ch != nil && !b.over; ch = ch.NextSibling {
		if cc := b.copy(ch, depth+1); cc != nil {
			cp.AppendChild(cc)
		}
	}
	return cp
}

// keptAttrs returns the attributes of a copied element that a candidate carries.
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
	case "class", "id", "itemprop", "datetime", "content", "href", "src", "rel", "title", "alt", "data-src", "data-original":
		return true
	}
	return false
}

// addHeadline adds the copy of a headline element (an h1, or a stand-in) with the
// texts read before it.
func (c *metaCollector) addHeadline(cp *html.Node, st *walkState, standIn bool) {
	c.entries++
	c.m.headlines = append(c.m.headlines, schema.Headline{Text: elementText(cp, false), StandIn: standIn,
		Hidden: st.hidden, Region: st.ctx, Before: c.before})
	c.before = nil
	if !st.hidden {
		c.shown++
	}
}

// addHeadlineDates adds the <time>s and date-class elements inside the copy of a
// headline as candidates after it: a topline date shown in the h1 ("<h1><span
// class="date">27.01.2022</span>MineralölINFO ...</h1>", bafa.de, bmbf.de).
func (c *metaCollector) addHeadlineDates(h *html.Node, st *walkState) {
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != html.ElementNode {
				continue
			}
			if ch.DataAtom == atom.Time || (metaClassBits(attrVal(ch, "class"))|metaClassBits(attrVal(ch, "id")))&wordMeta != 0 {
				if !c.full() {
					c.addCandidates(ch, st)
				}
				continue
			}
			walk(ch)
		}
	}
	walk(h)
}

// addCandidates adds the copy of a candidate element, and its nested candidates one
// depth deeper (see nestedCandidate).
func (c *metaCollector) addCandidates(cp *html.Node, st *walkState) {
	c.entries++
	top := candidateOf(cp, 0, st.hidden)
	top.Region, top.AfterHeadlines = st.ctx, c.shown
	c.m.candidates = append(c.m.candidates, top)
	c.nested(cp, 1, st.hidden, cp.DataAtom == atom.Figure)
}

// nested adds the candidates nested in the copy n at the given depth.
func (c *metaCollector) nested(n *html.Node, depth int, hidden, inFigure bool) {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type != html.ElementNode {
			continue
		}
		h := hidden || attrVal(ch, attrHidden) != ""
		d := depth
		if nestedCandidate(ch, inFigure) {
			c.m.candidates = append(c.m.candidates, candidateOf(ch, depth, h))
			d++
		}
		c.nested(ch, d, h, inFigure)
	}
}

// nestedCandidate reports whether an element inside a kept candidate is a candidate
// of its own: it has an itemprop, is a link, <time> or <abbr>, has a class or id
// naming a tag or category list, or is a figure's image or caption.
func nestedCandidate(n *html.Node, inFigure bool) bool {
	switch n.DataAtom {
	case atom.A, atom.Time, atom.Abbr:
		return true
	case atom.Img, atom.Figcaption:
		return inFigure
	}
	if attrVal(n, "itemprop") != "" {
		return true
	}
	return (metaClassBits(attrVal(n, "class"))|metaClassBits(attrVal(n, "id")))&wordTags != 0
}

// candidateOf returns the candidate a copied element is, without region and position.
func candidateOf(n *html.Node, depth int, hidden bool) schema.Candidate {
	cd := schema.Candidate{Tag: n.Data, Depth: depth, Hidden: hidden}
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			cd.Class = a.Val
		case "id":
			cd.ElemID = a.Val
		case "itemprop":
			cd.Itemprop = a.Val
		case "rel":
			cd.Rel = a.Val
		case "href":
			cd.Href = a.Val
		case "datetime":
			cd.Datetime = a.Val
		case "content":
			cd.Content = a.Val
		case "title":
			if n.DataAtom == atom.Abbr {
				cd.Title = a.Val
			}
		case "alt":
			if n.DataAtom == atom.Img {
				cd.Alt = a.Val
			}
		}
	}
	if n.DataAtom == atom.Img {
		for _, k := range [...]string{"data-src", "data-original", "src"} {
			if cd.Src = strings.TrimSpace(attrVal(n, k)); cd.Src != "" {
				break
			}
		}
	}
	if n.FirstChild != nil {
		cd.Text = elementText(n, true)
	}
	return cd
}

// elementText returns the text of a copied subtree, its hidden descendants left
// out: with lines, schema.Candidate.Text (see htmlparse.Text), without, the text
// on one line as shown.
func elementText(n *html.Node, lines bool) string {
	return htmlparse.Text(n, lines, func(e *html.Node) bool { return attrVal(e, attrHidden) != "" })
}

// full reports whether the body yielded Params.MaxBodyEntries entries.
func (c *metaCollector) full() bool {
	return c.entries >= c.par.MaxBodyEntries
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

// addBefore takes the last shown text nodes (oldest first) for the next headline
// and clears them.
func (c *metaCollector) addBefore() {
	kept := false
	for i := range c.recent {
		slot := (c.next + i) % len(c.recent)
		t := c.recent[slot]
		if t == nil {
			continue
		}
		c.recent[slot] = nil
		kept = true
		if s := htmlparse.Fold(cutUTF8(t.Data, c.par.CopyMaxText)); s != "" {
			c.before = append(c.before, s)
		}
	}
	if kept {
		c.entries++
	}
}

// startAfter opens a window collecting the text after a shown headline, for the
// last headline kept.
func (c *metaCollector) startAfter() {
	c.entries++
	c.afterOn, c.afterTo = true, len(c.m.headlines)-1
	c.afterText, c.afterBlks = 0, 0
	c.windows++
	c.blockOpen = false
}

// endWindow closes the text window, keeping the block it was reading.
func (c *metaCollector) endWindow() {
	c.afterOn = false
	c.flushBlock()
}

// flushBlock keeps the block being read, when it holds text, as a line of the
// window's headline.
func (c *metaCollector) flushBlock() {
	if !c.blockOpen {
		return
	}
	c.blockOpen = false
	if s := htmlparse.Fold(string(c.block)); s != "" && c.afterTo >= 0 {
		h := &c.m.headlines[c.afterTo]
		h.After = append(h.After, s)
	}
}

// addAfterText appends text to the current block of the window.
func (c *metaCollector) addAfterText(n *html.Node) {
	s := n.Data
	if strings.TrimSpace(s) == "" {
		if c.blockOpen {
			c.block = append(c.block, ' ')
		}
		return
	}
	if rest := c.par.AfterH1MaxText - c.afterText; len(s) > rest {
		s = cutUTF8(s, rest)
	}
	c.afterText += len(s)
	if !c.blockOpen {
		c.block, c.blockOpen = append(c.block[:0], s...), true
	} else {
		if glued(string(c.block), s) && (n.PrevSibling == nil || n.PrevSibling.Type == html.ElementNode) {
			// Texts of two elements meeting without a space ("Jana Berg" +
			// "Published 20.09."): a name and a dateline, not one word.
			c.block = append(c.block, ' ')
		}
		c.block = append(c.block, s...)
	}
	if c.afterText >= c.par.AfterH1MaxText {
		c.endWindow()
	}
}

// glued reports whether a ends and b starts with a letter or digit.
func glued(a, b string) bool {
	r, _ := utf8.DecodeLastRuneInString(a)
	q, _ := utf8.DecodeRuneInString(b)
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && (unicode.IsLetter(q) || unicode.IsDigit(q))
}

// addAfterSubtree appends the text of a kept element to the window, so the window
// reads as the page does.
func (c *metaCollector) addAfterSubtree(n *html.Node) {
	budget := copyBudget{text: c.par.CopyMaxText, nodes: c.par.CopyMaxNodes}
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

// endAfterBlock closes the current block so the next text starts a new one.
func (c *metaCollector) endAfterBlock() {
	if !c.blockOpen {
		return
	}
	if strings.TrimSpace(string(c.block)) == "" {
		c.blockOpen = false
		return
	}
	c.flushBlock()
	if !c.afterOn {
		return
	}
	c.afterBlks++
	if c.afterBlks >= c.par.AfterH1MaxBlks {
		c.endWindow()
	}
}

// keptLink reports whether a <link> carries a relation worth keeping.
func keptLink(n *html.Node) bool {
	rel := attrVal(n, "rel")
	if rel == "" {
		return false
	}
	for _, r := range schema.LinkRels {
		if containsWord(rel, r) {
			return true
		}
	}
	return false
}

// regionOf returns the page region n opens given the region it is in, or "" if
// it opens none. Noise regions (nav, aside, footer, comment, related) are never
// overridden by an inner article region.
func regionOf(n *html.Node, ea *elemAttrs, cur string) string {
	if schema.NoiseRegion(cur) {
		return ""
	}
	switch n.DataAtom {
	case atom.Nav:
		return schema.RegionNav
	case atom.Aside:
		return schema.RegionAside
	case atom.Footer:
		if cur == schema.RegionArticle {
			return ""
		}
		return schema.RegionFooter
	case atom.Article, atom.Main:
		return schema.RegionArticle
	case atom.Header:
		if cur == schema.RegionArticle {
			return ""
		}
		return schema.RegionHeader
	}
	switch {
	case ea.words&wordComment != 0:
		return schema.RegionComment
	case ea.words&wordRelated != 0:
		return schema.RegionRelated
	}
	if ea.role != "" {
		switch strings.ToLower(ea.role) {
		case "navigation":
			return schema.RegionNav
		case "complementary":
			return schema.RegionAside
		case "contentinfo":
			return schema.RegionFooter
		case "main", "article":
			return schema.RegionArticle
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
	wordRelated              // related, recommend, more-stories, social embeds
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
	// Another site's post embedded in the article: its dates and names are the
	// post's (Instagram's <time>, elle.de and wunderweib.de in the dev corpora).
	{"instagram-media", wordRelated}, {"twitter-tweet", wordRelated}, {"tiktok-embed", wordRelated},
	{"sr-only", wordHidden}, {"visually-hidden", wordHidden}, {"screen-reader", wordHidden},
	{"visuallyhidden", wordHidden}, {"hidden-text", wordHidden}, {"offscreen", wordHidden},
	{"paywall", wordPaywall}, {"regwall", wordPaywall}, {"subscriber-only", wordPaywall}, {"premium-content", wordPaywall},
	{"tags", wordTags}, {"tag-list", wordTags}, {"taglist", wordTags}, {"tag-links", wordTags}, {"keywords", wordTags},
	{"cat-links", wordTags}, {"categories", wordTags},
}

// classWordsByFirst indexes classWordList by first byte, so that one scan of a
// class value finds every fragment; classWordPairs marks the first two bytes of
// every fragment (a bit per second byte), so that most positions are passed
// over without a comparison.
var classWordsByFirst, classWordPairs = func() (t [256][]int, pairs wordPairs) {
	for i, w := range classWordList {
		t[w.word[0]] = append(t[w.word[0]], i)
		pairs.mark(w.word)
	}
	return t, pairs
}()

// metaClassBits returns the bits of the fragments found in s, ignoring ASCII case.
func metaClassBits(s string) uint8 {
	var bits uint8
	for i := 0; i+1 < len(s); i++ {
		if !pairMarked(&classWordPairs, s[i:]) {
			continue
		}
		for _, wi := range classWordsByFirst[lower(s[i])] {
			w := classWordList[wi].word
			if len(s)-i >= len(w) && equalFoldASCII(s[i:i+len(w)], w) {
				if w == "comment" && len(s)-i >= len("commentary") && equalFoldASCII(s[i:i+len("commentary")], "commentary") {
					continue // an opinion piece (taz.de's "subjective commentary"), not reader comments
				}
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
