package extract

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
)

// fillBody sets the body fields of a from the content element.
func fillBody(a *schema.Article, content *html.Node, base *url.URL, par *Params) {
	a.BodyText = bodyText(content)
	a.BodyHTML = bodyHTML(content, base)
	a.BodyMarkdown = bodyMarkdown(content, base)
	a.WordCount, a.ReadingTimeMinutes = par.TextStats(a.BodyText)
	a.Truncated = a.Truncated || endsCut(a.BodyText)
}

// TextStats returns the word count of body text (a Chinese, Japanese or Korean
// character counts as one word) and its reading time in minutes, rounded up: 0 for no
// words, else at least 1; at the reading speeds of DefaultParams.
func TextStats(text string) (wordCount, readingMinutes int) {
	return defaultParams.TextStats(text)
}

// TextStats is the package's TextStats at the reading speeds of par.
func (par *Params) TextStats(text string) (wordCount, readingMinutes int) {
	words, cjk := countWords(text)
	if words+cjk == 0 {
		return 0, 0
	}
	minutes := float64(words)/par.WordsPerMinute + float64(cjk)/par.CJKPerMinute
	return words + cjk, max(1, int(minutes+0.999999))
}

// bodyBlocks are the elements that start a new paragraph in body text.
var bodyBlocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true, atom.Li: true,
	atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dd: true, atom.Dt: true, atom.Table: true,
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Caption: true, atom.H1: true, atom.H2: true,
	atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Header: true, atom.Footer: true, atom.Figure: true, atom.Hr: true, atom.Address: true,
	atom.Details: true, atom.Summary: true, atom.Center: true, atom.Aside: true, atom.Nav: true,
	atom.Form: true, atom.Fieldset: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true,
	atom.Hgroup: true, atom.Body: true, atom.Html: true,
}

// skippedInText are elements whose text is not body text: captions (kept in
// body_html), ruby annotations (the readings above the base text) and anything
// executable or invisible.
var skippedInText = map[atom.Atom]bool{
	atom.Figcaption: true, atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Button: true,
	atom.Select: true, atom.Textarea: true, atom.Head: true, atom.Title: true, atom.Rt: true, atom.Rp: true,
}

// textBuilder accumulates body text: whitespace collapsed inside a paragraph,
// paragraphs separated by a blank line, <br> as a line break.
type textBuilder struct {
	out strings.Builder
	// para is the paragraph being written (its buffer reused from one to the next).
	para  []byte
	space bool
	// skip lists subtrees left out of the text.
	skip []*html.Node
}

func (t *textBuilder) skipped(n *html.Node) bool {
	for _, s := range t.skip {
		if n == s {
			return true
		}
	}
	return false
}

func (t *textBuilder) text(s string) {
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] > ' ' && s[i] < utf8.RuneSelf {
			i++
		}
		if i > 0 { // a run of visible ASCII, written at once
			t.separate()
			t.para = append(t.para, s[:i]...)
			s = s[i:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && size == 1 {
			r = unicode.ReplacementChar
		}
		s = s[size:]
		if invisibleInText(r) {
			continue
		}
		if unicode.IsSpace(r) {
			t.space = true
			continue
		}
		t.separate()
		t.para = utf8.AppendRune(t.para, r)
	}
}

// separate writes the space a run of white space before the next character
// leaves, unless the paragraph is empty or at a line break.
func (t *textBuilder) separate() {
	if t.space && len(t.para) > 0 && t.para[len(t.para)-1] != '\n' {
		t.para = append(t.para, ' ')
	}
	t.space = false
}

// invisibleInText reports whether r is a character that shows nothing and is no
// space, left out of body text: the soft hyphen (a place a word may break), the
// zero-width space, the word joiner and the byte-order mark (zero-width no-break
// space). Left in, they split a word for search and matching ("Bundes\u00adregierung"
// is "Bundesregierung"). The zero-width joiner and non-joiner stay: they change how
// Persian, Indic and emoji text is written.
func invisibleInText(r rune) bool {
	return r == '\u00ad' || r == '\u200b' || r == '\u2060' || r == '\ufeff'
}

func (t *textBuilder) lineBreak() {
	if len(t.para) > 0 {
		t.para = append(t.para, '\n')
	}
	t.space = false
}

func (t *textBuilder) flush() {
	p := bytes.TrimSpace(t.para)
	t.para = t.para[:0]
	t.space = false
	if len(p) == 0 {
		return
	}
	if t.out.Len() > 0 {
		t.out.WriteString("\n\n")
	}
	t.out.Write(p)
}

// bodyText renders the visible text of content, one paragraph per block.
// Custom elements (names with a hyphen) count as blocks: their display is
// unknown, and a paragraph break where none was meant is better than two words
// glued into one.
func bodyText(content *html.Node) string {
	var t textBuilder
	walkText(&t, content, 0)
	t.flush()
	return t.out.String()
}

// maxBodyDepth bounds recursion over a cleaned document.
const maxBodyDepth = 600

func walkText(t *textBuilder, n *html.Node, depth int) {
	if depth > maxBodyDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			t.text(c.Data)
		case html.ElementNode:
			switch {
			case skippedInText[c.DataAtom] || t.skipped(c):
			case c.DataAtom == atom.Br:
				t.lineBreak()
			case c.DataAtom == atom.Table && dataTable(c, 0):
				t.flush()
				walkRows(t, c, depth+1)
				t.flush()
			case c.DataAtom == atom.Pre:
				t.flush()
				t.para = append(t.para, strings.Trim(textContent(c), "\n")...)
				t.flush()
			case bodyBlocks[c.DataAtom] || (c.DataAtom == 0 && strings.Contains(c.Data, "-")):
				t.flush()
				walkText(t, c, depth+1)
				t.flush()
			default:
				walkText(t, c, depth+1)
			}
		}
	}
}

// dataTable reports whether table n holds data rather than page layout: no
// nested table, and no cell holding a heading, a list, a quotation or more than
// one block of text.
func dataTable(n *html.Node, depth int) bool {
	if depth > maxBodyDepth {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Thead, atom.Tbody, atom.Tfoot, atom.Tr:
			if !dataTable(c, depth+1) {
				return false
			}
		case atom.Td, atom.Th:
			if !plainCell(c, depth+1) {
				return false
			}
		}
	}
	return true
}

// plainCell reports whether a table cell holds at most one block of text and no
// table, heading, list or quotation.
func plainCell(n *html.Node, depth int) bool {
	blocks := 0
	var walk func(*html.Node, int) bool
	walk = func(n *html.Node, depth int) bool {
		if depth > maxBodyDepth {
			return false
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || skippedInText[c.DataAtom] {
				continue
			}
			switch c.DataAtom {
			case atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Ul, atom.Ol, atom.Dl,
				atom.Blockquote, atom.Pre:
				return false
			}
			if bodyBlocks[c.DataAtom] {
				if blocks++; blocks > 1 {
					return false
				}
			}
			if !walk(c, depth+1) {
				return false
			}
		}
		return true
	}
	return walk(n, depth)
}

// walkRows renders a data table as one paragraph: a line per row, its cells
// separated by a space (a caption is a paragraph of its own before it).
func walkRows(t *textBuilder, n *html.Node, depth int) {
	if depth > maxBodyDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || skippedInText[c.DataAtom] || t.skipped(c) {
			continue
		}
		switch c.DataAtom {
		case atom.Caption:
			t.flush()
			walkText(t, c, depth+1)
			t.flush()
		case atom.Tr:
			t.lineBreak()
			walkRows(t, c, depth+1)
		case atom.Td, atom.Th:
			t.space = true
			walkCell(t, c, depth+1)
			t.space = true
		default:
			walkRows(t, c, depth+1)
		}
	}
}

// walkCell writes the text of a table cell, its blocks and line breaks as spaces.
func walkCell(t *textBuilder, n *html.Node, depth int) {
	if depth > maxBodyDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			t.text(c.Data)
		case html.ElementNode:
			if skippedInText[c.DataAtom] || t.skipped(c) {
				continue
			}
			block := bodyBlocks[c.DataAtom] || c.DataAtom == atom.Br
			if block {
				t.space = true
			}
			walkCell(t, c, depth+1)
			if block {
				t.space = true
			}
		}
	}
}

// textContent is all text under n, as is.
func textContent(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > maxBodyDepth {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				sb.WriteString(c.Data)
			} else if c.Type == html.ElementNode {
				if c.DataAtom == atom.Br {
					sb.WriteByte('\n')
				}
				walk(c, depth+1)
			}
		}
	}
	walk(n, 0)
	return sb.String()
}

// countWords counts runs of letters and digits, and separately the Han, Hiragana,
// Katakana and Hangul characters (each one a word).
func countWords(s string) (words, cjk int) {
	in := false
	for _, r := range s {
		if r < utf8.RuneSelf {
			c := byte(r) | 0x20
			if (c >= 'a' && c <= 'z') || (r >= '0' && r <= '9') || r == '_' {
				if !in {
					words++
				}
				in = true
			} else {
				in = false
			}
			continue
		}
		switch {
		case isCJK(r):
			cjk++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_':
			if !in {
				words++
			}
			in = true
		default:
			in = false
		}
	}
	return words, cjk
}

func isCJK(r rune) bool {
	return r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// endsCut reports whether the body visibly stops mid-text: it ends with an
// ellipsis after a word.
func endsCut(text string) bool {
	t := strings.TrimSpace(text)
	return len(t) > 200 && (strings.HasSuffix(t, "...") || strings.HasSuffix(t, "…")) &&
		!strings.HasSuffix(t, "....")
}
