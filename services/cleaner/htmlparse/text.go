package htmlparse

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blocks are the block-level elements: each ends the paragraph of inline text
// before it and starts its own.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true, atom.Li: true,
	atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dd: true, atom.Dt: true, atom.Table: true,
	atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Tr: true, atom.Td: true, atom.Th: true,
	atom.Caption: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Blockquote: true, atom.Pre: true, atom.Header: true, atom.Footer: true,
	atom.Nav: true, atom.Aside: true, atom.Figure: true, atom.Figcaption: true, atom.Form: true,
	atom.Body: true, atom.Center: true, atom.Address: true, atom.Details: true, atom.Summary: true,
	atom.Hr: true, atom.Hgroup: true, atom.Picture: true,
}

// Block reports whether an element is block-level: its inline text is a paragraph
// of its own.
func Block(a atom.Atom) bool { return blocks[a] }

// Text returns the text under n, leaving out the subtrees of the elements skip
// reports (nil: none): runs of white space folded to one space (Fold), a space at
// each Block element's start and end and at <br>. With lines set, a line break
// ("\n") is put where the text after an element boundary starts with a letter or
// digit right after other text, with no white space or <br> between them in the
// markup: the texts of two elements that meet so (a name and a job title in
// adjacent spans) are two lines. The line break follows a space when a block
// boundary lies there ("Caption. \nPhoto: X"), and no space when the elements are
// inline, shown glued ("Molly Woo\nd" for Molly Woo<span>d</span>).
func Text(n *html.Node, lines bool, skip func(*html.Node) bool) string {
	var b []byte
	edge, seen := false, false
	var last rune // the last character of the markup's text, a space for <br>
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			switch ch.Type {
			case html.TextNode:
				if ch.Data == "" {
					continue
				}
				if lines && edge && seen {
					first, _ := utf8.DecodeRuneInString(ch.Data)
					if !unicode.IsSpace(last) && (unicode.IsLetter(first) || unicode.IsDigit(first)) {
						b = append(b, '\n')
					}
				}
				edge, seen = false, true
				start := len(b)
				b = append(b, ch.Data...)
				if lines {
					for i := start; i < len(b); i++ {
						if b[i] == '\n' {
							b[i] = ' ' // line breaks are the glue's alone
						}
					}
				}
				last, _ = utf8.DecodeLastRuneInString(ch.Data)
			case html.ElementNode:
				if skip != nil && skip(ch) {
					continue
				}
				block := blocks[ch.DataAtom]
				if ch.DataAtom == atom.Br {
					last = ' '
				}
				if block || ch.DataAtom == atom.Br {
					b = append(b, ' ')
				}
				edge = true
				walk(ch)
				edge = true
				if block {
					b = append(b, ' ')
				}
			}
		}
	}
	walk(n)
	if !lines {
		return Fold(string(b))
	}
	return foldLines(string(b))
}

// foldLines is Fold for a text whose line breaks are kept: a run of white space
// holding a line break becomes the break, after one space when the run has white
// space before the break.
func foldLines(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space, brk := false, false
	for _, r := range s {
		if r == '\n' {
			brk = b.Len() > 0
			continue
		}
		if unicode.IsSpace(r) || r == '\u00a0' || r == '\u200b' {
			space = space || (b.Len() > 0 && !brk)
			continue
		}
		if space {
			b.WriteByte(' ')
		}
		if brk {
			b.WriteByte('\n')
		}
		space, brk = false, false
		b.WriteRune(r)
	}
	return b.String()
}

// Fold trims s and folds every run of white space (NBSP and zero-width space
// included) to one space.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
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
