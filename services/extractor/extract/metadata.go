package extract

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
)

// fillMetadata fills a's metadata fields from the cleaned page p: Title,
// Authors/Organization, PublishedAt/ModifiedAt, Language, SiteName, CanonicalURL
// (and ID from it), Description, Section, Tags, LeadImage, Paywalled, and LivePosts
// from a JSON-LD LiveBlogPosting.
//
// Machine metadata (JSON-LD, <meta>, microdata, <time datetime>) gives precision,
// but the visible page (the shown h1, the byline and dateline near it) wins where they
// disagree. opts.URL is the canonical fallback and resolves relative links;
// opts.FetchedAt bounds plausible dates (none later than two days after it). Fields
// the page does not give stay empty; Authors is never nil.
func fillMetadata(a *schema.Article, p *page, opts options) {
	fillURLs(a, p, opts)
	declared := p.declaredSiteName()
	a.SiteName = declared
	if a.SiteName == "" {
		a.SiteName = p.titleSuffixSite(hostOf(a.CanonicalURL))
	}
	a.Title = p.title(a.SiteName, siteHost(firstNonEmpty(opts.URL, a.CanonicalURL)))
	p.shownTitle = a.Title
	a.Description = p.description()
	a.Section = p.section(hostOf(a.URL))
	a.Tags = p.tags(hostOf(a.URL))
	a.Language = p.language(a.Title)
	p.lex = &lexicon{vocab: vocabFor(a.Language), par: p.par}
	// A one-word credit that is part of a declared site name is the outlet; a name
	// read from <title> is not sure enough for that (a pen name may share a word).
	a.Authors, a.Organization = p.authors(declared, a.Language)
	var ud *textDate
	if d, ok := urlDay(a.CanonicalURL, opts.URL); ok {
		ud = &d
	}
	pub, mod := p.dates(opts, a.Language, ud)
	a.PublishedAt, a.PublishedPrecision = pub.fields()
	a.ModifiedAt, a.ModifiedPrecision = mod.fields()
	a.LeadImage = p.leadImage(a.URL)
	a.Paywalled = p.paywalled()
	a.LivePosts = p.ld.live
}

// page is a cleaned page in the form the extraction reads.
type page struct {
	par *Params
	// lex is the vocabulary the page is read with: the fallback set until its
	// language is known, then its language's (see vocabFor).
	lex       *lexicon
	htmlLang  string
	headTitle string
	base      string // <base href>
	metas     []schema.Meta
	links     []schema.Link
	ld        ldData
	// h1s are the page's headlines with their text windows; cands the other kept body
	// elements, in document order, and elems the indices in cands of the top-level
	// ones.
	h1s   []heading
	cands []schema.Candidate
	elems []int
	// elemH1 holds, for each of elems, the number of shown h1s before it; titleH1 is
	// the index in h1s of the headline, -1 when the title is not an h1.
	elemH1  []int
	titleH1 int
	pos     int // titlePos, -1 until counted
	// shownTitle is the article's title once chosen, "" before.
	shownTitle string
	// content is the parsed main content (the <body> holding it).
	content *html.Node
	// paywall is set when an element marks a paywall.
	paywall bool
	// tail holds the short lines the cleaner cut from the end of the content: a
	// sign-off credit.
	tail []string
}

// heading is an h1 of the page (or the element showing the declared title on a page
// without h1) with the text shown before and after it.
type heading struct {
	text          string
	hidden        bool
	pseudo        bool // not an h1: an element showing the declared title
	ctx           string
	before, after []string
}

// newPage returns the page of cp, whose content was parsed into content, read with
// par.
func newPage(cp *schema.CleanedPage, content *html.Node, par *Params) *page {
	h := &cp.Head
	p := &page{par: par, lex: &lexicon{vocab: fallbackVocab, par: par}, htmlLang: h.Lang, headTitle: collapse(h.Title), base: h.Base, metas: h.Meta, links: h.Links,
		ld: parseJSONLD(h.JSONLD, h.JSONLDText, par.MaxLivePosts), cands: cp.Candidates, titleH1: -1, pos: -1,
		content: content, tail: cp.Tail}
	p.h1s = make([]heading, len(cp.Headlines))
	for i, hl := range cp.Headlines {
		p.h1s[i] = heading{text: collapse(hl.Text), hidden: hl.Hidden, pseudo: hl.StandIn, ctx: hl.Region, before: hl.Before, after: hl.After}
	}
	for i := range p.cands {
		if c := &p.cands[i]; c.Depth == 0 {
			p.elems = append(p.elems, i)
			p.elemH1 = append(p.elemH1, c.AfterHeadlines)
			if isPaywallMarker(c) {
				p.paywall = true
			}
		}
	}
	return p
}

// elem returns the i-th top-level candidate.
func (p *page) elem(i int) *schema.Candidate {
	return &p.cands[p.elems[i]]
}

// eachChild calls f with the index of every candidate nested directly in candidate
// i, in document order.
func (p *page) eachChild(i int, f func(j int)) {
	d := p.cands[i].Depth
	for j := i + 1; j < len(p.cands) && p.cands[j].Depth > d; {
		f(j)
		j++
		for j < len(p.cands) && p.cands[j].Depth > d+1 {
			j++
		}
	}
}

// line returns a candidate's text on one line, as the page shows it.
func line(c *schema.Candidate) string {
	return strings.ReplaceAll(c.Text, "\n", "")
}

// creditParts returns a candidate's text with ", " between the texts of elements
// that meet without white space (a name and a job title in adjacent spans): credit
// parts, not one glued word.
func creditParts(c *schema.Candidate) string {
	return strings.ReplaceAll(strings.ReplaceAll(c.Text, " \n", "\n"), "\n", ", ")
}

// contentOr returns a candidate's content attribute when set, else its text.
func contentOr(c *schema.Candidate) string {
	if c.Content != "" {
		return c.Content
	}
	return line(c)
}

// beforeLines returns the text lines shown just before the headline h1, nearest
// first.
func (p *page) beforeLines() []string {
	if p.titleH1 < 0 {
		return nil
	}
	b := p.h1s[p.titleH1].before
	out := make([]string, len(b))
	for i, l := range b {
		out[len(b)-1-i] = l
	}
	return out
}

// headerLines returns the text lines shown after the headline h1. When the title
// is not an h1 they are the lines after the first shown h1 outside menus (a logo,
// a section name), from the first line that shows the title on: the menu between
// that h1 and the title is no part of the article's header (regards.fr shows
// "| 30 septembre 2018" on the title's line, past the lines a dateline is looked
// for in).
func (p *page) headerLines() []string {
	if p.titleH1 >= 0 {
		// A headline repeated in several h1s (mobile and desktop layouts): read all,
		// the chosen one first.
		out := p.h1s[p.titleH1].after
		for i, h := range p.h1s {
			if i != p.titleH1 && !h.hidden && h.text == p.h1s[p.titleH1].text && !schema.NoiseRegion(h.ctx) && h.ctx != schema.RegionHeader {
				out = append(out[:len(out):len(out)], h.after...)
			}
		}
		return out
	}
	for _, h := range p.h1s {
		if !h.hidden && !schema.NoiseRegion(h.ctx) {
			if p.shownTitle != "" {
				for i, l := range h.after {
					if strings.Contains(l, p.shownTitle) {
						return h.after[i:]
					}
				}
			}
			return h.after
		}
	}
	return nil
}

// nearTitle reports whether elems[i] belongs to the article's header: shown, outside
// menus, sidebars and comments, and after the headline h1 (within 30 elements and
// before the next shown h1), or before it inside the article. With no headline h1
// every such element qualifies.
func (p *page) nearTitle(i int) bool {
	e := p.elem(i)
	if e.Hidden || schema.NoiseRegion(e.Region) {
		return false
	}
	if p.titleH1 < 0 {
		return true
	}
	pos := p.titlePos()
	switch p.elemH1[i] {
	case pos:
		// elemH1 never decreases: the headline's group starts at the first index
		// holding pos.
		return i-sort.SearchInts(p.elemH1, pos) < p.par.NearAfterHeadline
	case pos - 1:
		if e.Region == schema.RegionArticle {
			return true
		}
		// The few elements right before the headline (a byline above it).
		return sort.SearchInts(p.elemH1, pos)-1-i < p.par.NearBeforeHeadline
	}
	return false
}

// titlePos returns the number of shown h1s up to and including the headline,
// counted once.
func (p *page) titlePos() int {
	if p.pos < 0 {
		p.pos = 0
		for j := 0; j <= p.titleH1; j++ {
			if !p.h1s[j].hidden {
				p.pos++
			}
		}
	}
	return p.pos
}

// justBeforeTitle reports whether elems[i] is one of the NearBeforeHeadline
// elements right before the headline.
func (p *page) justBeforeTitle(i int) bool {
	return p.titleH1 >= 0 && p.elemH1[i] == p.titlePos()-1 && sort.SearchInts(p.elemH1, p.titlePos())-1-i < p.par.NearBeforeHeadline
}

// beforeTitle reports whether elems[i] comes before the headline h1.
func (p *page) beforeTitle(i int) bool {
	return p.titleH1 >= 0 && p.elemH1[i] < p.titlePos()
}

// isPaywallMarker reports whether a candidate's class or id names a paywall.
func isPaywallMarker(c *schema.Candidate) bool {
	s := strings.ToLower(c.Class + " " + c.ElemID)
	return strings.Contains(s, "paywall") || strings.Contains(s, "regwall") ||
		strings.Contains(s, "subscriber-only") || strings.Contains(s, "premium-content")
}

// metaVal returns the first non-empty content of the first listed key present.
func (p *page) metaVal(keys ...string) string {
	for _, k := range keys {
		for _, m := range p.metas {
			if m.Key == k {
				return m.Content
			}
		}
	}
	return ""
}

// metaVals returns every content of the given key, in order.
func (p *page) metaVals(key string) []string {
	var out []string
	for _, m := range p.metas {
		if m.Key == key {
			out = append(out, m.Content)
		}
	}
	return out
}

// link returns the href of the first link with relation rel.
func (p *page) link(rel string) string {
	for _, l := range p.links {
		for _, r := range strings.Fields(l.Rel) {
			if r == rel && l.Href != "" {
				return l.Href
			}
		}
	}
	return ""
}

// declaredSiteName returns og:site_name, else the JSON-LD publisher name, else
// application-name.
func (p *page) declaredSiteName() string {
	if s := collapse(p.metaVal(schema.MetaSiteName)); s != "" {
		return s
	}
	if s := p.ld.publisher; s != "" {
		return s
	}
	return collapse(p.metaVal(schema.MetaAppNames[:]...))
}

// siteTitleSeps separate a site name from the headline at the end of <title>.
var siteTitleSeps = [...]string{" | ", " – ", " — ", " - ", " :: ", " · ", " » "}

// titleSuffixSite returns the part of <title> after its last separator when the
// rest of the title is the headline the page shows or that part names the host
// ("Harbour cranes idle – Daily Digest Hub" on digest-hub.example): the site name
// of a page that declares none. It returns "" when the title has no such part.
func (p *page) titleSuffixSite(host string) string {
	t := p.headTitle
	for _, sep := range siteTitleSeps {
		i := strings.LastIndex(t, sep)
		if i <= 0 {
			continue
		}
		head, tail := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):])
		ht, tt := tokenize(head), tokenize(tail)
		if len(tt) == 0 || len(tt) > p.par.SiteSuffixTokens || utf8.RuneCountInString(tail) > p.par.SiteSuffixRunes || len(ht) < 2 {
			continue
		}
		if p.showsHeadline(ht) || namesHost(tt, host) {
			return tail
		}
	}
	return ""
}

// showsHeadline reports whether a shown h1 or og:title reads as the tokens t.
func (p *page) showsHeadline(t []string) bool {
	if tokenF1(t, tokenize(p.metaVal(schema.MetaOGTitle))) >= p.par.SiteHeadlineF1 {
		return true
	}
	for _, h := range p.h1s {
		if !h.hidden && tokenF1(t, tokenize(h.text)) >= p.par.SiteHeadlineF1 {
			return true
		}
	}
	return false
}

// namesHost reports whether the host name is made of the tokens t, or of their
// last ones ("digest-hub.example" for "Daily Digest Hub").
func namesHost(t []string, host string) bool {
	host = strings.TrimPrefix(strings.ToLower(host), "www.")
	if i := strings.LastIndexByte(host, '.'); i > 0 {
		host = host[:i]
	}
	label := strings.Join(tokenize(host[strings.LastIndexByte(host, '.')+1:]), "")
	if label == "" {
		return false
	}
	for i := range t {
		if strings.Join(t[i:], "") == label {
			return true
		}
	}
	return false
}

// description returns the page's summary: og:description, description, JSON-LD.
func (p *page) description() string {
	if s := collapse(p.metaVal(schema.MetaDescriptions[:]...)); s != "" {
		return s
	}
	return collapse(p.ld.str("description"))
}

// section returns article:section, else the JSON-LD articleSection, else microdata,
// else the first category link the page shows (rel="category tag").
func (p *page) section(host string) string {
	if s := collapse(p.metaVal(schema.MetaSections[:]...)); s != "" {
		return s
	}
	if s := collapse(p.ld.str("articleSection")); s != "" {
		return s
	}
	for i := range p.elems {
		if e := p.elem(i); strings.EqualFold(e.Itemprop, "articleSection") {
			if s := collapse(contentOr(e)); s != "" {
				return s
			}
		}
	}
	if cats, _ := p.shownTags(host); len(cats) > 0 {
		return cats[0]
	}
	return ""
}

// shownTags returns the texts of the category and tag links the page shows in its
// kept metadata elements (outside menus, sidebars and comments): links with
// rel="category tag" are categories, other rel=tag links and the links inside an
// element named like a tag list ("tags-links", "post-tags") are tags. Links to
// another host (share buttons) and lists of more than maxShownTags links are left
// out; so is everything when the page shows more than that in all.
func (p *page) shownTags(host string) (cats, tags []string) {
	seen := map[string]bool{}
	var found [2][]string // categories, tags of the current element
	add := func(kind int, n *schema.Candidate) {
		if h := hostOf(n.Href); h != "" && !sameSite(h, host) {
			return
		}
		t := collapse(line(n))
		k := strings.ToLower(t)
		if t == "" || seen[k] || utf8.RuneCountInString(t) > p.par.TagMaxRunes {
			return
		}
		seen[k] = true
		found[kind] = append(found[kind], t)
	}
	var walk func(i int, list tagList)
	walk = func(i int, list tagList) {
		n := &p.cands[i]
		if n.Hidden {
			return
		}
		if n.Tag == "a" {
			rel := strings.Fields(strings.ToLower(n.Rel))
			switch {
			case slices.Contains(rel, "category") || list == catList:
				add(0, n)
			case slices.Contains(rel, "tag") || list == tagsList:
				add(1, n)
			}
			return
		}
		if l := tagListOf(n.Class + " " + n.ElemID); l != noList {
			list = l
		}
		p.eachChild(i, func(j int) { walk(j, list) })
	}
	for i := range p.elems {
		if schema.NoiseRegion(p.elem(i).Region) {
			continue
		}
		found[0], found[1] = found[0][:0], found[1][:0]
		walk(p.elems[i], noList)
		if len(found[0])+len(found[1]) <= p.par.MaxShownTags {
			cats = append(cats, found[0]...)
			tags = append(tags, found[1]...)
		}
	}
	if len(cats)+len(tags) > p.par.MaxShownTags {
		return nil, nil // tags of teasers all over the page
	}
	return cats, tags
}

// sameSite reports whether hosts a and b are the same site, "www." aside.
func sameSite(a, b string) bool {
	return b == "" || strings.EqualFold(strings.TrimPrefix(a, "www."), strings.TrimPrefix(b, "www."))
}

// tagList is the kind of link list an element's class or id names.
type tagList uint8

const (
	noList   tagList = iota
	tagsList         // "tags-links", "post-tags", "tag-list", "keywords"
	catList          // "cat-links", "categories"
)

// tagListOf returns the kind of link list a class or id value names.
func tagListOf(s string) tagList {
	s = strings.ToLower(s)
	for _, w := range [...]string{"cat-links", "categories"} {
		if strings.Contains(s, w) {
			return catList
		}
	}
	for _, w := range [...]string{"tags", "tag-list", "taglist", "tag-links", "keywords"} {
		if strings.Contains(s, w) {
			return tagsList
		}
	}
	return noList
}

// tags returns article:tag values, else keywords (JSON-LD, then meta), deduplicated,
// else the tag links the page shows.
func (p *page) tags(host string) []string {
	raw := p.metaVals(schema.MetaTag)
	if len(raw) == 0 {
		raw = p.ld.strs("keywords")
	}
	if len(raw) == 0 {
		raw = p.metaVals(schema.MetaNewsKeywords)
	}
	if len(raw) == 0 {
		raw = p.metaVals(schema.MetaKeywords)
	}
	if len(raw) == 0 {
		_, shown := p.shownTags(host)
		return shown
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range raw {
		parts := []string{r}
		if len(raw) == 1 || strings.Contains(r, ",") {
			parts = strings.Split(r, ",")
		}
		for _, t := range parts {
			t = collapse(t)
			k := strings.ToLower(t)
			if t == "" || seen[k] || utf8.RuneCountInString(t) > p.par.TagMaxRunes {
				continue
			}
			seen[k] = true
			out = append(out, t)
		}
	}
	return out
}

// paywalled reports a declared paywall (isAccessibleForFree false on the article or
// on one of its hasPart sections) or an element marking one.
func (p *page) paywalled() bool {
	if v, ok := p.ld.bool("isAccessibleForFree"); ok && !v {
		return true
	}
	return p.ld.partNotFree() || p.paywall
}

// attr returns the value of n's attribute key, "" when absent.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}

// textOf returns the concatenated text under a content node, inline elements
// joined as shown and block boundaries as spaces.
func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				if c.DataAtom == atom.Br || blockElem(c.DataAtom) {
					b.WriteByte(' ')
				}
				walk(c)
				if blockElem(c.DataAtom) {
					b.WriteByte(' ')
				}
			}
		}
	}
	walk(n)
	return b.String()
}

func blockElem(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Section, atom.Header, atom.Footer, atom.Figure, atom.Figcaption, atom.Blockquote, atom.Tr, atom.Td, atom.Dd, atom.Dt:
		return true
	}
	return false
}

// collapse trims s, folds every run of white space (NBSP included) to one space,
// drops soft hyphens, which only mark where a word may break
// ("Mes\u00adsen\u00adger" is "Messenger"), and decodes the HTML entities left in
// it (see unescapeMeta).
func collapse(s string) string {
	s = unescapeMeta(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == '\u00ad' {
			continue
		}
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unescapeMeta decodes the HTML entities of a metadata string: JSON-LD is raw
// JSON that no HTML parser decoded ("Signa in Sorge &#8211; Finanzdaten"), and
// attribute values escaped twice by their CMS still hold an entity once parsed
// ("Children&#x27;s" from content="Children&amp;#x27;s"). A second pass decodes
// what the first one revealed, so a value is decoded as often as it was escaped, at
// most twice; a string without "&" is returned as is.
func unescapeMeta(s string) string {
	for range 2 {
		if !strings.Contains(s, "&") {
			break
		}
		u := html.UnescapeString(s)
		if u == s {
			break
		}
		s = u
	}
	return s
}
