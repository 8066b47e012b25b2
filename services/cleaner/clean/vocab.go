package clean

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// Element classes derived from an element's tag and attributes.
const (
	fJunk        uint16 = 1 << iota // never content: scripts, forms, media, embeds (subtree dropped)
	fHidden                         // not shown: hidden, aria-hidden, display:none, screen-reader-only
	fBoiler                         // class/id/role vocabulary of page furniture (share, related, comments...)
	fBlock                          // a block-level element: its inline text is one paragraph
	fInline                         // phrasing element, part of its block's paragraph
	fCaption                        // a caption or credit: kept in HTML, not body text
	fHeading                        // h1..h6
	fLink                           // <a href>
	fBoilerTag                      // page furniture by element type: aside, header, footer, form
	fNav                            // <nav> or role=navigation: always dropped
	fArticleBody                    // itemprop=articleBody: the page's own mark of its body
	fLeadLink                       // the element's first visible content is a link
)

// junkTags never hold article prose.
var junkTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Math: true, atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Canvas: true,
	atom.Video: true, atom.Audio: true, atom.Map: true, atom.Button: true, atom.Input: true,
	atom.Select: true, atom.Textarea: true, atom.Option: true, atom.Dialog: true, atom.Label: true,
	atom.Link: true, atom.Meta: true, atom.Head: true, atom.Title: true, atom.Frameset: true,
	atom.Frame: true, atom.Applet: true, atom.Datalist: true, atom.Output: true, atom.Progress: true,
	atom.Meter: true, atom.Menu: true, atom.Fieldset: true, atom.Legend: true, atom.Optgroup: true,
	atom.Rt: true, atom.Rp: true,
}

// boilerTags are page furniture by element type.
var boilerTags = map[atom.Atom]bool{
	atom.Aside: true, atom.Footer: true, atom.Header: true, atom.Form: true,
}

// hiddenClasses are class names whose only job is hiding an element or showing it
// to screen readers alone.
var hiddenClasses = map[string]bool{
	"sr-only": true, "screen-reader-text": true, "screen-reader-only": true, "visually-hidden": true,
	"visuallyhidden": true, "visually_hidden": true, "screenreader-only": true, "element-invisible": true,
	"hidden": true, "is-hidden": true, "d-none": true, "u-hidden": true, "hide": true, "invisible": true,
	"offscreen": true, "sr-text": true, "a11y-hidden": true, "assistive-text": true, "show-for-sr": true,
	"hidden-visually": true, "vh": true, "srOnly": true, "screenReaderOnly": true, "visuallyHidden": true,
	"hide-text": true, "u-visually-hidden": true, "u-sr-only": true, "sr_only": true, "skip-link": true,
}

// boilerWords are class/id words (split at '-', '_', spaces and camelCase) naming
// page furniture rather than article prose.
var boilerWords = map[string]bool{
	"comment": true, "comments": true, "respond": true, "reply": true, "replies": true, "discussion": true,
	"share": true, "sharing": true, "sharebar": true, "sociallinks": true, "related": true,
	"recommended": true, "recommendations": true, "recommendation": true, "popular": true, "trending": true,
	"newsletter": true, "subscribe": true, "subscription": true, "signup": true, "promo": true, "promotion": true,
	"sponsor": true, "sponsored": true, "breadcrumb": true, "breadcrumbs": true, "tags": true, "tagline": true,
	"cookie": true, "cookies": true, "consent": true, "gdpr": true, "modal": true, "popup": true, "overlay": true,
	"sidebar": true, "footer": true, "nav": true, "navbar": true, "navigation": true, "menu": true,
	"masthead": true, "ad": true, "ads": true, "advert": true, "adverts": true, "advertisement": true,
	"adslot": true, "adunit": true, "dfp": true, "gpt": true, "banner": true, "outbrain": true, "taboola": true,
	"login": true, "toolbar": true, "pagination": true, "pager": true, "byline": true,
	"dateline": true, "timestamp": true, "print": true, "follow": true, "donate": true, "skip": true,
	"jump": true, "caption": true, "credit": true, "credits": true, "copyright": true, "disclaimer": true,
	"author": true, "authors": true, "bio": true, "headline": true, "kicker": true, "eyebrow": true,
	"rail": true, "teaser": true, "teasers": true, "topics": true, "newsletters": true,
	"offer": true, "offers": true, "download": true,
	"masthead-nav": true, "toc": true, "rating": true, "poll": true,
	"sticky": true, "alert": true, "notice": true, "feedback": true, "survey": true, "gallery": true,
	"slideshow": true, "carousel": true, "interstitial": true,
	"inline-ad": true, "partner": true, "partners": true, "affiliate": true, "commerce": true,
	"shopping": true, "recirc": true, "readmore": true, "upsell": true, "signin": true, "register": true, "cta": true, "contribute": true,
	"membership": true, "date": true, "datetime": true, "time": true, "pubdate": true, "standfirst": true, "subtitle": true,
	"strapline": true, "excerpt": true, "publicidade": true, "publicidad": true, "publicite": true, "pubblicita": true,
	"werbung": true, "anzeige": true, "reklama": true, "reklame": true, "advertentie": true, "disqus": true, "email": true, "mail": true, "rss": true,
	// A blog post's own furniture: its metadata line ("Posted in ... Bookmark the
	// permalink": postmetadata, entry-utility), its ratings and likes widgets.
	"postmeta": true, "postmetadata": true, "utility": true, "ratings": true, "likes": true}

// classify returns the flags of element n from its tag and attributes.
func classify(n *html.Node) uint16 {
	var f uint16
	a := n.DataAtom
	switch {
	case junkTags[a]:
		return fJunk
	case htmlparse.Block(a):
		f |= fBlock
	default:
		f |= fInline
	}
	if n.Namespace != "" {
		return fJunk
	}
	if a == atom.Nav {
		f |= fNav
	}
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		f |= fHeading
	case atom.Figcaption, atom.Caption:
		f |= fCaption
	}
	if boilerTags[a] {
		f |= fBoilerTag
	}
	for _, at := range n.Attr {
		if at.Namespace != "" {
			continue
		}
		switch at.Key {
		case "class", "id", "data-testid":
			f |= classWords(at.Val)
		case "hidden":
			f |= fHidden
		case "aria-hidden":
			if strings.EqualFold(strings.TrimSpace(at.Val), "true") {
				f |= fHidden
			}
		case "style":
			if htmlparse.StyleHides(at.Val) {
				f |= fHidden
			}
		case "role":
			switch strings.ToLower(at.Val) {
			case "navigation":
				f |= fNav
			case "complementary", "contentinfo", "banner", "dialog", "alertdialog", "menu",
				"menubar", "toolbar", "search", "tablist", "form":
				f |= fBoiler
			}
		case "itemprop":
			if strings.Contains(strings.ToLower(at.Val), "articlebody") {
				f |= fArticleBody
			}
		case "href":
			if a == atom.A {
				f |= fLink
			}
		}
	}
	return f
}

// classWords classifies a class or id attribute value: each space-separated name
// is checked against the hidden classes, then split into words (at '-', '_' and
// lower-to-upper case changes) checked against the boilerplate vocabulary.
func classWords(v string) uint16 {
	var f uint16
	for len(v) > 0 {
		i := 0
		for i < len(v) && !classSeparator(v[i]) {
			i++
		}
		name := v[:i]
		v = v[min(i+1, len(v)):]
		if name == "" {
			continue
		}
		if pairMarked(&hiddenPairs, name) && (hiddenClasses[name] || hiddenClasses[lowerASCII(name)]) {
			f |= fHidden
			continue
		}
		f |= nameWords(name)
	}
	return f
}

// nameWords splits one class name or id into words and classifies them.
func nameWords(name string) uint16 {
	var f uint16
	start := 0
	for i := 0; i <= len(name); i++ {
		split := i == len(name)
		if !split {
			c := name[i]
			switch {
			case c == '-' || c == '_' || c == ':' || c == '.' || c == '/' || (c >= '0' && c <= '9'):
				split = true
			case c >= 'A' && c <= 'Z' && i > start && name[i-1] >= 'a' && name[i-1] <= 'z':
				f |= word(name[start:i])
				start = i
				continue
			}
		}
		if split {
			if i > start {
				f |= word(name[start:i])
			}
			start = i + 1
		}
	}
	return f
}

// word reports fBoiler when w, ignoring ASCII case, is one of boilerWords or starts
// one of boilerPrefixes.
func word(w string) uint16 {
	if len(w) < 2 || len(w) > 24 {
		return 0
	}
	whole := boilerStarts.has(w[0], w[1]) && boilerEnds.has(w[0], w[len(w)-1])
	prefixed := len(w) > minPrefixLen && prefixStarts.has(w[0], w[1])
	if !whole && !prefixed {
		return 0 // the common case, without a map lookup
	}
	var buf [24]byte
	for i := 0; i < len(w); i++ {
		buf[i] = lower(w[i])
	}
	lw := buf[:len(w)]
	if whole && boilerWords[string(lw)] {
		return fBoiler
	}
	for _, pre := range boilerPrefixes {
		if prefixed && len(lw) > len(pre) && string(lw[:len(pre)]) == pre {
			return fBoiler
		}
	}
	return 0
}

// A wordPairs is a set of byte pairs, ASCII case ignored (a bit per second byte):
// the pairs that start, or start and end, the words of a vocabulary, so that most
// class names are passed over without a map lookup.
type wordPairs [256][4]uint64

// set adds the pair a, b in every ASCII case, so that has needs no case folding.
func (p *wordPairs) set(a, b byte) {
	for _, x := range [2]byte{lower(a), upper(a)} {
		for _, y := range [2]byte{lower(b), upper(b)} {
			p[x][y>>6] |= 1 << (y & 63)
		}
	}
}

func (p *wordPairs) has(a, b byte) bool {
	return p[a][b>>6]&(1<<(b&63)) != 0
}

// upper returns b upper-cased if it is an ASCII letter.
func upper(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - 'a' + 'A'
	}
	return b
}

// mark adds the first two bytes of w.
func (p *wordPairs) mark(w string) { p.set(w[0], w[1]) }

// pairMarked reports whether w starts with a pair p holds; a word under two bytes
// starts with none.
func pairMarked(p *wordPairs, w string) bool {
	return len(w) >= 2 && p.has(w[0], w[1])
}

// boilerStarts and boilerEnds hold the first two bytes and the first and last byte
// of the boilerplate words, prefixStarts the first two bytes of the boilerplate
// prefixes, minPrefixLen the shortest prefix's length; hiddenPairs the first two
// bytes of the hidden classes.
var boilerStarts, boilerEnds, prefixStarts, hiddenPairs, minPrefixLen = func() (starts, ends, prefixes, hidden wordPairs, minLen int) {
	for w := range boilerWords {
		starts.mark(w)
		ends.set(w[0], w[len(w)-1])
	}
	minLen = len(boilerPrefixes[0])
	for _, w := range boilerPrefixes {
		prefixes.mark(w)
		minLen = min(minLen, len(w))
	}
	for w := range hiddenClasses {
		hidden.mark(w)
	}
	return starts, ends, prefixes, hidden, minLen
}()

// classSeparator reports whether c separates the names of a class attribute.
func classSeparator(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// boilerPrefixes start compound class words naming furniture ("relatedposts",
// "sharedaddy", "commentlist").
var boilerPrefixes = [...]string{"related", "comment", "share", "newsletter", "subscri", "sidebar", "footer",
	"breadcrumb", "recommend", "sponsor", "advert", "promo", "outbrain", "taboola", "cookie", "disqus"}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
