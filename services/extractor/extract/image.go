package extract

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
)

// leadImage returns the article's lead image: og:image (else twitter:image, JSON-LD
// image, link rel=image_src), with the caption and alt text of the figure showing it
// (a figure the cleaner kept near the headline, else the first content figure); with
// no declared image, the first such figure.
func (p *page) leadImage(pageURL string) *schema.Image {
	src := firstNonEmpty(p.metaVal(schema.MetaImages[:]...), p.ldImage(), p.link(schema.RelImageSrc))
	var figs []figure
	for i := range p.elems {
		if e := p.elem(i); e.Tag == "figure" && !e.Hidden {
			if f, ok := p.keptFigure(p.elems[i]); ok {
				figs = append(figs, f)
			}
		}
	}
	if f, ok := p.firstFigure(); ok {
		figs = append(figs, f)
	}
	if src == "" && len(figs) == 0 {
		return nil
	}
	img := &schema.Image{URL: resolveURL(pageURL, src)}
	img.Width, _ = strconv.Atoi(p.metaVal(schema.MetaImageWidth))
	img.Height, _ = strconv.Atoi(p.metaVal(schema.MetaImageHeight))
	img.Alt = collapse(p.metaVal(schema.MetaImageAlts[:]...))
	for _, f := range figs {
		if src != "" && !sameImage(src, f.src) {
			continue
		}
		if src == "" {
			img.URL = resolveURL(pageURL, f.src)
		}
		if alt := collapse(f.alt); alt != "" {
			img.Alt = alt
		}
		img.Caption = f.caption
		break
	}
	return img
}

// figure is a figure of the page: its first image's source and alt text, and its
// caption.
type figure struct {
	src, alt, caption string
}

// keptFigure reads the figure candidate i: its first image with a source and its
// first caption; ok is false when it has no such image.
func (p *page) keptFigure(i int) (f figure, ok bool) {
	end := i + 1
	for end < len(p.cands) && p.cands[end].Depth > p.cands[i].Depth {
		end++
	}
	for j := i + 1; j < end; j++ {
		c := &p.cands[j]
		switch {
		case c.Tag == "img" && c.Src != "" && !ok:
			f.src, f.alt, ok = c.Src, c.Alt, true
		case c.Tag == "figcaption" && f.caption == "":
			f.caption = collapse(line(c))
		}
	}
	return f, ok
}

// ldImage returns the URL of the JSON-LD image (a string, an ImageObject or a list).
func (p *page) ldImage() string {
	m := p.ld.obj()
	if m == nil {
		return ""
	}
	var get func(v any, depth int) string
	get = func(v any, depth int) string {
		if depth > 3 {
			return ""
		}
		switch x := v.(type) {
		case string:
			return x
		case map[string]any:
			return get(x["url"], depth+1)
		case []any:
			for _, e := range x {
				if s := get(e, depth+1); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return get(m["image"], 0)
}

// firstFigure returns the first <figure> of the content with an <img>.
func (p *page) firstFigure() (figure, bool) {
	var fig, img *html.Node
	var walk func(n *html.Node, inFig *html.Node, depth int)
	walk = func(n *html.Node, inFig *html.Node, depth int) {
		for c := n.FirstChild; c != nil && img == nil && depth < 64; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			f := inFig
			if c.DataAtom == atom.Figure {
				f = c
			}
			if c.DataAtom == atom.Img && f != nil && imgSrc(c) != "" {
				fig, img = f, c
				return
			}
			walk(c, f, depth+1)
		}
	}
	walk(p.content, nil, 0)
	if img == nil {
		return figure{}, false
	}
	return figure{src: imgSrc(img), alt: attr(img, "alt"), caption: figCaption(fig)}, true
}

// figCaption returns the text of a figure's <figcaption>.
func figCaption(fig *html.Node) string {
	var out string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && out == ""; c = c.NextSibling {
			if c.Type == html.ElementNode {
				if c.DataAtom == atom.Figcaption {
					out = collapse(textOf(c))
					return
				}
				walk(c)
			}
		}
	}
	walk(fig)
	return out
}

// imgSrc returns an img's source, lazy-loading attributes first.
func imgSrc(img *html.Node) string {
	return strings.TrimSpace(firstNonEmpty(attr(img, "data-src"), attr(img, "data-original"), attr(img, "src")))
}

// sameImage reports whether two image URLs name the same file (ignoring query
// strings, sizes in the path and scheme).
func sameImage(a, b string) bool {
	name := func(u string) string {
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		if i := strings.LastIndex(u, "/"); i >= 0 {
			u = u[i+1:]
		}
		if i := strings.LastIndex(u, "."); i > 0 {
			u = u[:i]
		}
		return strings.ToLower(u)
	}
	na, nb := name(a), name(b)
	return na != "" && (na == nb || strings.HasPrefix(na, nb) || strings.HasPrefix(nb, na))
}
