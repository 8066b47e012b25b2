package extract

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// bodyMarkdown renders content as Markdown: headings, paragraphs, lists,
// blockquotes, code, links, emphasis, images and figure captions; blocks are
// separated by a blank line.
func bodyMarkdown(content *html.Node, base *url.URL) string {
	m := mdWriter{h: htmlWriter{base: base}}
	m.blocks(content, "", 0)
	m.flush()
	return strings.Join(m.out, "\n\n")
}

type mdWriter struct {
	h      htmlWriter
	out    []string
	inline strings.Builder
	prefix string
}

// flush ends the current paragraph.
func (m *mdWriter) flush() {
	s := strings.TrimSpace(collapseSpaces(m.inline.String()))
	m.inline.Reset()
	if s == "" {
		return
	}
	m.emit(s)
}

// emit adds one block, prefixing each of its lines.
func (m *mdWriter) emit(s string) {
	if m.prefix != "" {
		s = m.prefix + strings.ReplaceAll(s, "\n", "\n"+m.prefix)
	}
	m.out = append(m.out, s)
}

func (m *mdWriter) blocks(n *html.Node, prefix string, depth int) {
	if depth > maxBodyDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		m.block(c, prefix, depth)
	}
}

func (m *mdWriter) block(c *html.Node, prefix string, depth int) {
	if c.Type == html.TextNode {
		m.inline.WriteString(mdEscape(c.Data))
		return
	}
	if c.Type != html.ElementNode || htmlDropped[c.DataAtom] {
		return
	}
	switch a := c.DataAtom; {
	case headingLevel(a) > 0:
		m.flush()
		m.withPrefix(prefix, strings.Repeat("#", headingLevel(a))+" "+m.inlineOf(c, depth))
	case a == atom.Ul || a == atom.Ol:
		m.flush()
		m.list(c, prefix, a == atom.Ol, depth)
	case a == atom.Blockquote:
		m.flush()
		m.blocks(c, prefix+"> ", depth+1)
		m.flushWith(prefix + "> ")
	case a == atom.Pre:
		m.flush()
		m.withPrefix(prefix, "```\n"+strings.Trim(textContent(c), "\n")+"\n```")
	case a == atom.Figcaption:
		m.flush()
		if s := m.inlineOf(c, depth); s != "" {
			m.withPrefix(prefix, "*"+s+"*")
		}
	case a == atom.Hr:
		m.flush()
		m.withPrefix(prefix, "---")
	case a == atom.Br:
		m.inline.WriteString("  \n")
	case a == atom.Tr:
		m.flush()
		var cells []string
		for td := c.FirstChild; td != nil; td = td.NextSibling {
			if td.Type == html.ElementNode && (td.DataAtom == atom.Td || td.DataAtom == atom.Th) {
				cells = append(cells, m.inlineOf(td, depth))
			}
		}
		if len(cells) > 0 {
			m.withPrefix(prefix, "| "+strings.Join(cells, " | ")+" |")
		}
	case bodyBlocks[a]:
		m.flushWith(prefix)
		m.blocks(c, prefix, depth+1)
		m.flushWith(prefix)
	default:
		m.inline.WriteString(m.inlineOf(c, depth))
	}
}

func (m *mdWriter) flushWith(prefix string) {
	old := m.prefix
	m.prefix = prefix
	m.flush()
	m.prefix = old
}

func (m *mdWriter) withPrefix(prefix, s string) {
	old := m.prefix
	m.prefix = prefix
	m.emit(s)
	m.prefix = old
}

func (m *mdWriter) list(n *html.Node, prefix string, ordered bool, depth int) {
	i := 1
	if v, ok := attrValue(n, "start"); ok {
		if s, err := strconv.Atoi(v); err == nil {
			i = s
		}
	}
	var items []string
	for li := n.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode || li.DataAtom != atom.Li {
			continue
		}
		marker := "- "
		if ordered {
			marker = strconv.Itoa(i) + ". "
			i++
		}
		sub := mdWriter{h: m.h}
		sub.blocks(li, "", depth+1)
		sub.flush()
		body := strings.Join(sub.out, "\n")
		if body == "" {
			continue
		}
		indent := strings.Repeat(" ", len(marker))
		items = append(items, marker+strings.ReplaceAll(body, "\n", "\n"+indent))
	}
	if len(items) > 0 {
		m.withPrefix(prefix, strings.Join(items, "\n"))
	}
}

// inlineOf renders the phrasing content of n as one Markdown line.
func (m *mdWriter) inlineOf(n *html.Node, depth int) string {
	var sb strings.Builder
	m.inlineInto(&sb, n, depth)
	return strings.TrimSpace(collapseSpaces(sb.String()))
}

func (m *mdWriter) inlineInto(sb *strings.Builder, n *html.Node, depth int) {
	if depth > maxBodyDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		sb.WriteString(mdEscape(n.Data))
		return
	case html.ElementNode:
	default:
		return
	}
	if htmlDropped[n.DataAtom] {
		return
	}
	wrap := ""
	switch n.DataAtom {
	case atom.Img:
		if src := m.h.resolve(imageSource(n), false); src != "" {
			alt, _ := attrValue(n, "alt")
			sb.WriteString("![" + mdEscape(alt) + "](" + src + ")")
		}
		return
	case atom.Br:
		sb.WriteByte(' ')
		return
	case atom.A:
		href, _ := attrValue(n, "href")
		if href = m.h.resolve(href, true); href != "" {
			var inner strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				m.inlineInto(&inner, c, depth+1)
			}
			if t := strings.TrimSpace(collapseSpaces(inner.String())); t != "" {
				sb.WriteString("[" + t + "](" + href + ")")
			}
			return
		}
	case atom.Strong, atom.B:
		wrap = "**"
	case atom.Em, atom.I:
		wrap = "*"
	case atom.Code:
		wrap = "`"
	}
	if wrap != "" {
		var inner strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			m.inlineInto(&inner, c, depth+1)
		}
		if t := strings.TrimSpace(inner.String()); t != "" {
			sb.WriteString(" " + wrap + t + wrap + " ")
		}
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		m.inlineInto(sb, c, depth+1)
		if c.Type == html.ElementNode && bodyBlocks[c.DataAtom] {
			sb.WriteByte(' ')
		}
	}
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1, atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// collapseSpaces turns every run of white space (unicode.IsSpace) into one space
// and drops it at both ends, as strings.Join(strings.Fields(s), " ") does, in one
// pass that returns s itself when nothing changes.
func collapseSpaces(s string) string {
	var b strings.Builder
	copied := 0 // s[:copied] has been written to b (b is used once a run needs rewriting)
	for i := 0; i < len(s); {
		if space, size := isSpaceAt(s, i); !space {
			i += size
			continue
		}
		start := i
		for i < len(s) {
			space, size := isSpaceAt(s, i)
			if !space {
				break
			}
			i += size
		}
		inner := start > 0 && i < len(s)
		if inner && i-start == 1 && s[start] == ' ' {
			continue // one space between words stays as it is
		}
		if copied == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[copied:start])
		if inner {
			b.WriteByte(' ')
		}
		copied = i
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// isSpaceAt reports whether s[i:] starts with white space, and its size.
func isSpaceAt(s string, i int) (bool, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiSpace[c], 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r), size
}

// asciiSpace marks the ASCII bytes unicode.IsSpace reports as white space.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// mdEscape escapes the characters that would start Markdown syntax.
func mdEscape(s string) string {
	if !strings.ContainsAny(s, "*_`[]<>#\\") {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		switch r {
		case '*', '_', '`', '[', ']', '<', '>', '#', '\\':
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
