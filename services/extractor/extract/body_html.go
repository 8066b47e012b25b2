package extract

import (
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlKept are the elements body_html keeps, with the attributes each may carry.
// Other elements are unwrapped (their children kept) unless dropped below.
var htmlKept = map[atom.Atom][]string{
	atom.P: nil, atom.H2: nil, atom.H3: nil, atom.H4: nil, atom.H5: nil, atom.H6: nil,
	atom.Ul: nil, atom.Ol: {"start"}, atom.Li: nil, atom.Dl: nil, atom.Dt: nil, atom.Dd: nil,
	atom.Blockquote: {"cite"}, atom.Pre: nil, atom.Code: nil, atom.A: {"href", "title"},
	atom.Figure: nil, atom.Figcaption: nil, atom.Img: {"src", "alt", "width", "height"},
	atom.Em: nil, atom.Strong: nil, atom.B: nil, atom.I: nil, atom.U: nil, atom.S: nil, atom.Sub: nil,
	atom.Sup: nil, atom.Br: nil, atom.Hr: nil, atom.Table: nil, atom.Thead: nil, atom.Tbody: nil,
	atom.Tfoot: nil, atom.Tr: nil, atom.Th: {"colspan", "rowspan"}, atom.Td: {"colspan", "rowspan"},
	atom.Caption: nil, atom.Q: {"cite"}, atom.Cite: nil, atom.Abbr: {"title"}, atom.Time: {"datetime"},
	atom.Mark: nil, atom.Small: nil, atom.Del: nil, atom.Ins: nil, atom.Kbd: nil, atom.Samp: nil,
}

// htmlDropped are removed with their content: executable, interactive or embedded.
var htmlDropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Form: true, atom.Input: true, atom.Button: true,
	atom.Select: true, atom.Textarea: true, atom.Svg: true, atom.Math: true, atom.Link: true,
	atom.Meta: true, atom.Base: true, atom.Canvas: true, atom.Video: true, atom.Audio: true,
	atom.Source: true, atom.Track: true, atom.Head: true, atom.Title: true,
}

// paragraphLike are containers rendered as <p> when they hold no block element.
var paragraphLike = map[atom.Atom]bool{atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Center: true, atom.Address: true}

// bodyHTML renders content as sanitized HTML: only htmlKept elements and
// attributes, links and images resolved against base, http(s)/mailto links only,
// no tracking pixels (images of at most 3 px or without a usable source).
func bodyHTML(content *html.Node, base *url.URL) string {
	var sb strings.Builder
	h := htmlWriter{sb: &sb, base: base}
	h.children(content, 0)
	return strings.TrimSpace(sb.String())
}

type htmlWriter struct {
	sb   *strings.Builder
	base *url.URL
}

func (h htmlWriter) children(n *html.Node, depth int) {
	if depth > maxBodyDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		h.node(c, depth)
	}
}

func (h htmlWriter) node(n *html.Node, depth int) {
	switch n.Type {
	case html.TextNode:
		if strings.TrimSpace(n.Data) == "" {
			h.space(n.Data)
			return
		}
		h.sb.WriteString(html.EscapeString(n.Data))
		return
	case html.ElementNode:
	default:
		return
	}
	a := n.DataAtom
	if htmlDropped[a] {
		return
	}
	if a == atom.H1 {
		a = atom.H2
	}
	if a == atom.Img {
		h.img(n)
		return
	}
	allowed, ok := htmlKept[a]
	if !ok {
		if paragraphLike[a] && !hasBlockChild(n) && strings.TrimSpace(textContent(n)) != "" {
			h.sb.WriteString("<p>")
			h.children(n, depth+1)
			h.sb.WriteString("</p>\n")
			return
		}
		h.children(n, depth+1)
		return
	}
	name := a.String()
	h.sb.WriteByte('<')
	h.sb.WriteString(name)
	for _, key := range allowed {
		v, ok := attrValue(n, key)
		if !ok {
			continue
		}
		if key == "href" || key == "cite" {
			if v = h.resolve(v, true); v == "" {
				continue
			}
		}
		h.attr(key, v)
	}
	h.sb.WriteByte('>')
	if a == atom.Br || a == atom.Hr {
		return
	}
	h.children(n, depth+1)
	h.sb.WriteString("</")
	h.sb.WriteString(name)
	h.sb.WriteByte('>')
	if bodyBlocks[a] || a == atom.Figcaption {
		h.sb.WriteByte('\n')
	}
}

// space writes white space between elements as one newline (when it holds one
// and the output does not already end a line) or one space: source indentation
// is not kept, and an inline gap stays a gap.
func (h htmlWriter) space(ws string) {
	if ws == "" {
		return
	}
	out := h.sb.String()
	if strings.ContainsRune(ws, '\n') {
		if len(out) > 0 && out[len(out)-1] != '\n' {
			h.sb.WriteByte('\n')
		}
		return
	}
	h.sb.WriteByte(' ')
}

func (h htmlWriter) attr(key, v string) {
	h.sb.WriteByte(' ')
	h.sb.WriteString(key)
	h.sb.WriteString(`="`)
	h.sb.WriteString(html.EscapeString(v))
	h.sb.WriteByte('"')
}

// img writes an image with a usable source, skipping tracking pixels.
func (h htmlWriter) img(n *html.Node) {
	src := imageSource(n)
	if src = h.resolve(src, false); src == "" {
		return
	}
	w, _ := attrValue(n, "width")
	hgt, _ := attrValue(n, "height")
	if tiny(w) || tiny(hgt) {
		return
	}
	h.sb.WriteString("<img")
	h.attr("src", src)
	if alt, ok := attrValue(n, "alt"); ok {
		h.attr("alt", alt)
	}
	if w != "" {
		h.attr("width", w)
	}
	if hgt != "" {
		h.attr("height", hgt)
	}
	h.sb.WriteByte('>')
}

// imageSource prefers a lazy-loading source over a placeholder src.
func imageSource(n *html.Node) string {
	src, _ := attrValue(n, "src")
	if src == "" || strings.HasPrefix(src, "data:") {
		for _, k := range [...]string{"data-src", "data-lazy-src", "data-original"} {
			if v, ok := attrValue(n, k); ok && v != "" {
				return v
			}
		}
	}
	return src
}

func tiny(dim string) bool {
	v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(dim), "px"))
	return err == nil && v <= 3
}

// resolve makes ref absolute against the page URL; it returns "" for in-page
// anchors and for schemes other than http and https (and mailto when link is
// set). Without a page URL a relative reference is kept as it is.
func (h htmlWriter) resolve(ref string, link bool) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || ref[0] == '#' {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if h.base != nil {
		u = h.base.ResolveReference(u)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.String()
	case "mailto":
		if link {
			return u.String()
		}
	case "":
		if h.base == nil && (strings.HasPrefix(ref, "/") || !strings.Contains(ref, ":")) {
			return ref
		}
	}
	return ""
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (bodyBlocks[c.DataAtom] || c.DataAtom == atom.Figcaption) {
			return true
		}
	}
	return false
}

func attrValue(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}
