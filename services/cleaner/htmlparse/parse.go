// Package htmlparse is newsjet's HTML parser, the one both the cleaner (for the
// page) and the extractor (for the cleaned content) use: a one-pass HTML tokenizer
// and tree builder that produces the same *html.Node types as
// golang.org/x/net/html.Parse, at a fraction of its cost.
//
// It shares the input string (text and attribute values are substrings unless
// they hold character references), allocates nodes and attributes in chunks, keeps
// the text of only the raw-text elements that carry data (title, textarea, JSON
// scripts) or markup a reader may be shown instead of the page (noscript, scripts of
// markup: see HidesMarkup), drops comments, doctypes, event-handler attributes and styles that do
// not hide, and follows the HTML tree-construction rules that matter for text:
// implied end tags of p, li, dd/dt, headings, table rows and cells, options and
// links; end tags close the nearest matching open element without crossing a table
// cell. It does not reconstruct misnested formatting elements nor foster-parent
// table text, which only moves text around inline. Open elements nest at most
// MaxOpen deep; deeper ones are flattened into their ancestor (their tags dropped, a
// block's leaving a line break between texts; their text and children kept), so any
// input parses in linear time and the tree stays as small as its text.
//
// It is a pure package: no I/O, no global state, safe for concurrent use.
package htmlparse

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxOpen is the deepest nesting of open elements the parser keeps, under the 512
// that golang.org/x/net/html.Parse accepts.
const MaxOpen = 480

type treeParser struct {
	s      string
	pos    int
	doc    *html.Node
	htmlEl *html.Node
	head   *html.Node
	body   *html.Node
	inBody bool
	stack  []*html.Node
	openP  int
	openA  int
	// flat counts the start tags dropped beyond MaxOpen whose end tags are still due.
	flat     int
	nodeSlab []html.Node
	// attrSlab is the chunked attribute store; the attributes of the tag being read
	// are attrSlab[attrStart:].
	attrSlab  []html.Attribute
	attrStart int
}

// Document parses a decoded page into a document tree with <html>, <head> and
// <body> always present. Head elements (meta, link, title, script, style, base,
// noscript) before the first other element or text go into <head>.
func Document(s string) *html.Node {
	return newParser(s, false).doc
}

// Body parses s as the content of <body> (a fragment: head elements stay where they
// are) and returns the <body> element of the document it makes.
func Body(s string) *html.Node {
	return newParser(s, true).body
}

func newParser(s string, inBody bool) *treeParser {
	p := &treeParser{s: s, inBody: inBody, stack: make([]*html.Node, 0, 64)}
	p.doc = p.newNode(html.DocumentNode, "", 0, nil)
	p.htmlEl = p.newNode(html.ElementNode, "html", atom.Html, nil)
	p.head = p.newNode(html.ElementNode, "head", atom.Head, nil)
	p.body = p.newNode(html.ElementNode, "body", atom.Body, nil)
	link(p.doc, p.htmlEl)
	link(p.htmlEl, p.head)
	link(p.htmlEl, p.body)
	p.stack = append(p.stack, p.body)
	p.run()
	return p
}

func link(parent, child *html.Node) {
	child.Parent = parent
	if last := parent.LastChild; last != nil {
		last.NextSibling = child
		child.PrevSibling = last
	} else {
		parent.FirstChild = child
	}
	parent.LastChild = child
}

func (p *treeParser) newNode(t html.NodeType, data string, a atom.Atom, attrs []html.Attribute) *html.Node {
	if len(p.nodeSlab) == cap(p.nodeSlab) {
		p.nodeSlab = make([]html.Node, 0, 128)
	}
	p.nodeSlab = append(p.nodeSlab, html.Node{Type: t, Data: data, DataAtom: a, Attr: attrs})
	return &p.nodeSlab[len(p.nodeSlab)-1]
}

func (p *treeParser) run() {
	s := p.s
	for p.pos < len(s) {
		i := strings.IndexByte(s[p.pos:], '<')
		if i < 0 {
			p.text(s[p.pos:])
			return
		}
		if i > 0 {
			p.text(s[p.pos : p.pos+i])
		}
		p.pos += i
		p.markup()
	}
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

// markup consumes the markup starting at the '<' at p.pos.
func (p *treeParser) markup() {
	s := p.s
	if p.pos+1 >= len(s) {
		p.text(s[p.pos:])
		p.pos = len(s)
		return
	}
	switch c := s[p.pos+1]; {
	case isASCIILetter(c):
		p.startTag()
	case c == '/':
		if p.pos+2 < len(s) && isASCIILetter(s[p.pos+2]) {
			p.endTag()
			return
		}
		p.skipPast(">")
	case c == '!':
		if strings.HasPrefix(s[p.pos:], "<!--") {
			switch rest := s[p.pos+4:]; {
			case strings.HasPrefix(rest, ">"):
				p.pos += 5
				return
			case strings.HasPrefix(rest, "->"):
				p.pos += 6
				return
			}
			end := strings.Index(s[p.pos+4:], "-->")
			if end < 0 {
				p.pos = len(s)
				return
			}
			p.pos += 4 + end + 3
			return
		}
		p.skipPast(">")
	case c == '?':
		p.skipPast(">")
	default:
		p.text("<")
		p.pos++
	}
}

func (p *treeParser) skipPast(sep string) {
	i := strings.Index(p.s[p.pos:], sep)
	if i < 0 {
		p.pos = len(p.s)
		return
	}
	p.pos += i + len(sep)
}

// tagName reads a tag name at j and returns it lower-cased (a static string for
// known elements), its atom and the index after it.
func (p *treeParser) tagName(j int) (string, atom.Atom, int) {
	s := p.s
	start := j
	for j < len(s) && !isSpace(s[j]) && s[j] != '/' && s[j] != '>' {
		j++
	}
	name, a := lowerName(s[start:j])
	return name, a, j
}

// lowerName returns the lower-cased name and its atom.
func lowerName(raw string) (string, atom.Atom) {
	var buf [32]byte
	if len(raw) <= len(buf) {
		upper := false
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
				upper = true
			}
			buf[i] = c
		}
		if a := atom.Lookup(buf[:len(raw)]); a != 0 {
			return a.String(), a
		}
		if !upper {
			return raw, 0
		}
	}
	return strings.ToLower(raw), 0
}

// attributes reads the attributes of a tag from j; it returns the index after
// the closing '>' (len(s) at end of input) and whether the tag self-closes.
func (p *treeParser) attributes(j int) (int, bool) {
	s := p.s
	p.attrStart = len(p.attrSlab)
	for {
		for j < len(s) && (isSpace(s[j]) || (s[j] == '/' && !(j+1 < len(s) && s[j+1] == '>'))) {
			j++
		}
		if j >= len(s) {
			return len(s), false
		}
		if s[j] == '>' {
			return j + 1, false
		}
		if s[j] == '/' {
			return j + 2, true
		}
		ks := j
		j++
		for j < len(s) && !isSpace(s[j]) && s[j] != '/' && s[j] != '>' && s[j] != '=' {
			j++
		}
		key := s[ks:j]
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		val := ""
		if j < len(s) && s[j] == '=' {
			j++
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				q := s[j]
				e := strings.IndexByte(s[j+1:], q)
				if e < 0 {
					return len(s), false
				}
				val = s[j+1 : j+1+e]
				j += e + 2
			} else {
				vs := j
				for j < len(s) && !isSpace(s[j]) && s[j] != '>' {
					j++
				}
				val = s[vs:j]
			}
		}
		p.addAttr(key, val)
	}
}

// addAttr keeps an attribute unless it is an event handler, a style that does
// not hide the element, or a duplicate.
func (p *treeParser) addAttr(rawKey, val string) {
	key := lowerKey(rawKey)
	if len(key) > 2 && key[0] == 'o' && key[1] == 'n' {
		return
	}
	if key == "style" && !StyleHides(val) {
		return
	}
	for _, a := range p.attrSlab[p.attrStart:] {
		if a.Key == key {
			return
		}
	}
	if len(p.attrSlab) == cap(p.attrSlab) {
		// A new chunk, the tag's attributes read so far moved into it.
		open := p.attrSlab[p.attrStart:]
		p.attrSlab = append(make([]html.Attribute, 0, max(256, 2*len(open))), open...)
		p.attrStart = 0
	}
	p.attrSlab = append(p.attrSlab, html.Attribute{Key: key, Val: unescape(val)})
}

// lowerKey returns an attribute name lower-cased: the name itself when it has no
// upper-case letter.
func lowerKey(raw string) string {
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c >= 'A' && c <= 'Z' {
			key, _ := lowerName(raw)
			return key
		}
	}
	return raw
}

// takeAttrs returns the attributes of the tag just read, nil when it has none.
func (p *treeParser) takeAttrs() []html.Attribute {
	if len(p.attrSlab) == p.attrStart {
		return nil
	}
	return p.attrSlab[p.attrStart:len(p.attrSlab):len(p.attrSlab)]
}

// unescape decodes character references and normalises newlines and NULs, and
// returns s itself when it has none.
func unescape(s string) string {
	if !mayNeedUnescape(s) {
		return s
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\ufffd")
	}
	return s
}

// shortScan is the length under which one byte loop looks for the three bytes
// unescape handles faster than three calls of strings.IndexByte do.
const shortScan = 32

// mayNeedUnescape reports whether s holds a '&', '\r' or NUL: most attribute
// values and texts hold none, and are short.
func mayNeedUnescape(s string) bool {
	if len(s) >= shortScan {
		return strings.IndexByte(s, '&') >= 0 || strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, 0) >= 0
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '&' || c == '\r' || c == 0 {
			return true
		}
	}
	return false
}

// rawTextKeep reports whether a is a raw-text element (raw) and whether its text
// is kept.
func rawTextKeep(a atom.Atom) (keep, raw bool) {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Iframe, atom.Noembed, atom.Noframes:
		return false, true
	case atom.Xmp, atom.Title, atom.Textarea, atom.Plaintext:
		return true, true
	}
	return false, false
}

func (p *treeParser) startTag() {
	name, a, j := p.tagName(p.pos + 1)
	end, selfClosing := p.attributes(j)
	p.pos = end
	attrs := p.takeAttrs()
	if a == atom.Image {
		name, a = "img", atom.Img
	}
	keep, raw := rawTextKeep(a)
	if raw && p.parentNS() != "" {
		raw = false
	}
	var rawText string
	if raw {
		rawText = p.rawText(name, a == atom.Plaintext)
		if a == atom.Script && isJSONLD(attrs) || a == atom.Noscript || a == atom.Script && isMarkupScript(attrs) {
			keep = true
		}
		if !keep {
			rawText = ""
		} else if a == atom.Title || a == atom.Textarea {
			rawText = unescape(rawText)
		}
	}
	switch a {
	case atom.Html:
		mergeAttrs(p.htmlEl, attrs)
		return
	case atom.Head:
		return
	case atom.Body:
		mergeAttrs(p.body, attrs)
		p.inBody = true
		return
	}
	if !p.inBody {
		switch a {
		case atom.Meta, atom.Link, atom.Title, atom.Script, atom.Style, atom.Base, atom.Noscript:
			n := p.newNode(html.ElementNode, name, a, attrs)
			link(p.head, n)
			p.rawChild(n, rawText)
			return
		}
		p.inBody = true
	}
	p.closeImplied(a)
	p.openImplied(a)
	parent := p.stack[len(p.stack)-1]
	var ns string
	switch {
	case parent.Namespace != "" && parent.DataAtom != atom.ForeignObject:
		ns = parent.Namespace
	case a == atom.Svg:
		ns = "svg"
	case a == atom.Math:
		ns = "math"
	}
	opens := !raw && !Void(a) && !(selfClosing && ns != "")
	if opens && len(p.stack) >= MaxOpen {
		p.flatten(parent, a)
		return
	}
	n := p.newNode(html.ElementNode, name, a, attrs)
	n.Namespace = ns
	link(parent, n)
	if raw {
		p.rawChild(n, rawText)
		return
	}
	if opens {
		p.push(n)
	}
	if (a == atom.Pre || a == atom.Listing) && n.Namespace == "" {
		// A line break right after the start tag is not part of the text.
		if strings.HasPrefix(p.s[p.pos:], "\r\n") {
			p.pos += 2
		} else if p.pos < len(p.s) && (p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
			p.pos++
		}
	}
}

// openImplied opens the table parts a row or cell start tag a implies: a <tbody>
// around a row (or cell) put straight in a <table>, a <tr> around a cell put
// straight in a table or table section.
func (p *treeParser) openImplied(a atom.Atom) {
	if a != atom.Tr && a != atom.Td && a != atom.Th {
		return
	}
	top := p.stack[len(p.stack)-1]
	if top.Namespace != "" {
		return
	}
	if top.DataAtom == atom.Table {
		p.openWrapper("tbody", atom.Tbody)
		top = p.stack[len(p.stack)-1]
	}
	if a != atom.Tr {
		switch top.DataAtom {
		case atom.Tbody, atom.Thead, atom.Tfoot:
			p.openWrapper("tr", atom.Tr)
		}
	}
}

// openWrapper opens an element no tag of the input names, unless MaxOpen are open.
func (p *treeParser) openWrapper(name string, a atom.Atom) {
	if len(p.stack) >= MaxOpen {
		return
	}
	n := p.newNode(html.ElementNode, name, a, nil)
	link(p.stack[len(p.stack)-1], n)
	p.push(n)
}

func (p *treeParser) parentNS() string {
	top := p.stack[len(p.stack)-1]
	if top.DataAtom == atom.ForeignObject {
		return ""
	}
	return top.Namespace
}

func isJSONLD(attrs []html.Attribute) bool {
	for _, a := range attrs {
		if a.Key == "type" {
			return strings.Contains(strings.ToLower(a.Val), "json")
		}
	}
	return false
}

// HidesMarkup reports whether n is an element whose raw text is markup the page
// does not show as such: a <noscript> (shown when scripts are off) or a script
// holding markup to be rendered (type text/html, or a template type such as
// text/template or text/x-template). The parser keeps their text.
func HidesMarkup(n *html.Node) bool {
	return n.Type == html.ElementNode && (n.DataAtom == atom.Noscript || n.DataAtom == atom.Script && isMarkupScript(n.Attr))
}

// isMarkupScript reports whether a script's type says it holds markup.
func isMarkupScript(attrs []html.Attribute) bool {
	for _, a := range attrs {
		if a.Key == "type" {
			t := strings.ToLower(strings.TrimSpace(a.Val))
			return t == "text/html" || strings.Contains(t, "template")
		}
	}
	return false
}

func (p *treeParser) rawChild(n *html.Node, text string) {
	if text != "" {
		link(n, p.newNode(html.TextNode, text, 0, nil))
	}
}

// rawText returns the text up to the end tag of a raw-text element (the rest of
// the input for plaintext or an unclosed element) and moves past that end tag.
func (p *treeParser) rawText(name string, toEOF bool) string {
	s := p.s
	start := p.pos
	if toEOF {
		p.pos = len(s)
		return s[start:]
	}
	for i := start; i < len(s); {
		k := strings.Index(s[i:], "</")
		if k < 0 {
			break
		}
		k += i
		e := k + 2 + len(name)
		if e <= len(s) && strings.EqualFold(s[k+2:e], name) && (e == len(s) || isSpace(s[e]) || s[e] == '>' || s[e] == '/') {
			p.pos = k
			p.skipPast(">")
			return s[start:k]
		}
		i = k + 2
	}
	p.pos = len(s)
	return s[start:]
}

func mergeAttrs(n *html.Node, attrs []html.Attribute) {
	for _, a := range attrs {
		found := false
		for _, b := range n.Attr {
			if b.Key == a.Key {
				found = true
				break
			}
		}
		if !found {
			n.Attr = append(n.Attr, a)
		}
	}
}

// flatten drops the start tag of an element nested beyond MaxOpen: what it holds goes
// into parent, after a line break when it is a block, so the texts of sibling blocks
// stay apart.
func (p *treeParser) flatten(parent *html.Node, a atom.Atom) {
	p.flat++
	if last := parent.LastChild; Block(a) && (last == nil || last.Type != html.TextNode || last.Data != "\n") {
		link(parent, p.newNode(html.TextNode, "\n", 0, nil))
	}
}

func (p *treeParser) push(n *html.Node) {
	p.stack = append(p.stack, n)
	switch n.DataAtom {
	case atom.P:
		p.openP++
	case atom.A:
		p.openA++
	}
}

// popTo pops the open elements down to and including index i.
func (p *treeParser) popTo(i int) {
	for k := len(p.stack) - 1; k >= i; k-- {
		switch p.stack[k].DataAtom {
		case atom.P:
			p.openP--
		case atom.A:
			p.openA--
		}
	}
	p.stack = p.stack[:i]
}

// closesP are the start tags that close an open <p>.
var closesP = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Center: true,
	atom.Details: true, atom.Dialog: true, atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true,
	atom.Hr: true, atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true, atom.P: true,
	atom.Pre: true, atom.Section: true, atom.Summary: true, atom.Table: true, atom.Ul: true, atom.Li: true,
	atom.Dd: true, atom.Dt: true, atom.Listing: true, atom.Plaintext: true, atom.Xmp: true, atom.Search: true,
}

// scopeBoundary reports whether a is an element an implied end tag does not look
// past.
func scopeBoundary(a atom.Atom) bool {
	switch a {
	case atom.Table, atom.Td, atom.Th, atom.Caption, atom.Template, atom.Button, atom.Object, atom.Marquee,
		atom.Applet, atom.Body, atom.Html, atom.Svg, atom.Math:
		return true
	}
	return false
}

// find returns the index of the nearest open element matching one of want,
// not looking past a scope boundary or any of stop; -1 when none.
func (p *treeParser) find(stop []atom.Atom, want ...atom.Atom) int {
	for i := len(p.stack) - 1; i > 0; i-- {
		a := p.stack[i].DataAtom
		for _, w := range want {
			if a == w {
				return i
			}
		}
		if scopeBoundary(a) {
			return -1
		}
		for _, s := range stop {
			if a == s {
				return -1
			}
		}
	}
	return -1
}

var (
	stopList = []atom.Atom{atom.Ul, atom.Ol}
	stopDl   = []atom.Atom{atom.Dl}
	stopTr   = []atom.Atom{atom.Tbody, atom.Thead, atom.Tfoot}
	stopCell = []atom.Atom{atom.Tr}
	stopNone []atom.Atom
)

// closeImplied pops the elements a start tag a implicitly ends.
func (p *treeParser) closeImplied(a atom.Atom) {
	if p.openP > 0 && closesP[a] {
		if i := p.find(stopNone, atom.P); i > 0 {
			p.popTo(i)
		}
	}
	var i int
	switch a {
	case atom.Li:
		i = p.find(stopList, atom.Li)
	case atom.Dd, atom.Dt:
		i = p.find(stopDl, atom.Dd, atom.Dt)
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		switch p.stack[len(p.stack)-1].DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			i = len(p.stack) - 1
		}
	case atom.Tr:
		i = p.findInTable(stopTr, atom.Tr)
	case atom.Td, atom.Th:
		i = p.findInTable(stopCell, atom.Td, atom.Th)
	case atom.Tbody, atom.Thead, atom.Tfoot:
		i = p.findInTable(stopNone, atom.Tbody, atom.Thead, atom.Tfoot)
	case atom.Option, atom.Optgroup:
		if p.stack[len(p.stack)-1].DataAtom == atom.Option {
			i = len(p.stack) - 1
		}
	case atom.A:
		if p.openA > 0 {
			i = p.openLink()
		}
	}
	if i > 0 {
		p.popTo(i)
	}
}

// openLink returns the index of the open <a> a new <a> closes: the nearest one
// with no block element opened inside it since. A link holding blocks (a teaser
// card, a menu entry with its drop-down) stays open: the standard's adoption
// agency keeps those blocks, and the new link in them, where they are.
func (p *treeParser) openLink() int {
	for i := len(p.stack) - 1; i > 0; i-- {
		a := p.stack[i].DataAtom
		if a == atom.A {
			return i
		}
		if blocks[a] || scopeBoundary(a) {
			return -1
		}
	}
	return -1
}

// findInTable finds an open table part up to the nearest open table.
func (p *treeParser) findInTable(stop []atom.Atom, want ...atom.Atom) int {
	for i := len(p.stack) - 1; i > 0; i-- {
		a := p.stack[i].DataAtom
		for _, w := range want {
			if a == w {
				return i
			}
		}
		if a == atom.Table || a == atom.Template {
			return -1
		}
		for _, s := range stop {
			if a == s {
				return -1
			}
		}
	}
	return -1
}

func (p *treeParser) endTag() {
	name, a, j := p.tagName(p.pos + 2)
	p.pos = j
	p.skipPast(">")
	switch a {
	case atom.Html, atom.Body:
		return
	case atom.Head:
		return
	case atom.Br:
		p.closeImplied(a)
		link(p.stack[len(p.stack)-1], p.newNode(html.ElementNode, "br", atom.Br, nil))
		return
	}
	if p.flat > 0 {
		// The end tag of an element flattened beyond MaxOpen.
		p.flat--
		return
	}
	tableEnd := a == atom.Table || a == atom.Tbody || a == atom.Thead || a == atom.Tfoot || a == atom.Tr
	for i := len(p.stack) - 1; i > 0; i-- {
		n := p.stack[i]
		if n.DataAtom == a && (a != 0 || n.Data == name) || heading(a) && heading(n.DataAtom) {
			// Any heading's end tag closes the open heading (<h2>...</h3>).
			p.popTo(i)
			return
		}
		if a == atom.Li && (n.DataAtom == atom.Ul || n.DataAtom == atom.Ol) {
			return // no list item in this list: a stray </li>
		}
		switch n.DataAtom {
		case atom.Td, atom.Th, atom.Caption:
			if !tableEnd {
				return
			}
		case atom.Table, atom.Template:
			return
		}
	}
}

func heading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// text adds character data to the current element (the body once any
// non-whitespace text is seen). NUL characters are dropped, as in a body.
func (p *treeParser) text(t string) {
	if strings.IndexByte(t, 0) >= 0 {
		if t = strings.ReplaceAll(t, "\x00", ""); t == "" {
			return
		}
	}
	if !p.inBody {
		k := 0
		for k < len(t) && isSpace(t[k]) {
			k++
		}
		if k == len(t) {
			return
		}
		t = t[k:]
		p.inBody = true
	}
	t = unescape(t)
	parent := p.stack[len(p.stack)-1]
	// Beyond MaxOpen texts are not joined: joining each to a growing text would be
	// quadratic.
	if last := parent.LastChild; last != nil && last.Type == html.TextNode && p.flat == 0 {
		last.Data += t
		return
	}
	link(parent, p.newNode(html.TextNode, t, 0, nil))
}

// StyleHides reports whether an inline style hides the element: display:none or
// visibility:hidden, in any case and spacing.
func StyleHides(s string) bool {
	s = strings.ToLower(s)
	if !strings.Contains(s, "none") && !strings.Contains(s, "hidden") {
		return false
	}
	s = strings.ReplaceAll(s, " ", "")
	return strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden")
}

// Void reports whether an element has no end tag and no content (br, img, meta, ...).
func Void(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input, atom.Link,
		atom.Meta, atom.Source, atom.Track, atom.Wbr, atom.Param:
		return true
	}
	return false
}
