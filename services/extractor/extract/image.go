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
	src := firstNonEmpty(p.metaVal("og:image:secure_url", "og:image", "twitter:image", "twitter:image:src"), p.ldImage(), p.link("image_src"))
	var figs [][2]*html.Node // figure, img
	for _, e := range p.elems {
		if e.DataAtom == atom.Figure && attr(e, attrHidden) == "" {
			if img := firstImg(e); img != nil {
				figs = append(figs, [2]*html.Node{e, img})
			}
		}
	}
	if fig, img := p.firstFigure(); img != nil {
		figs = append(figs, [2]*html.Node{fig, img})
	}
	if src == "" && len(figs) == 0 {
		return nil
	}
	img := &schema.Image{URL: resolveURL(pageURL, src)}
	img.Width, _ = strconv.Atoi(p.metaVal("og:image:width"))
	img.Height, _ = strconv.Atoi(p.metaVal("og:image:height"))
	img.Alt = collapse(p.metaVal("og:image:alt", "twitter:image:alt"))
	for _, f := range figs {
		figSrc := imgSrc(f[1])
		if src != "" && !sameImage(src, figSrc) {
			continue
		}
		if src == "" {
			img.URL = resolveURL(pageURL, figSrc)
		}
		if alt := collapse(attr(f[1], "alt")); alt != "" {
			img.Alt = alt
		}
		img.Caption = figCaption(f[0])
		break
	}
	return img
}

// firstImg returns the first <img> with a source under n.
func firstImg(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.Img && imgSrc(c) != "" {
			return c
		}
		if img := firstImg(c); img != nil {
			return img
		}
	}
	return nil
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

// firstFigure returns the first <figure> of the content with an <img>, and the img.
func (p *page) firstFigure() (*html.Node, *html.Node) {
	if p.content == nil {
		return nil, nil
	}
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
	return fig, img
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
