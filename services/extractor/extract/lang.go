package extract

import (
	"strings"
	"unicode/utf8"

	"github.com/RadhiFadlillah/whatlanggo"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// langSample is how much article text (in bytes) the language detector reads.
const langSample = 2048

// language returns the primary BCP 47 subtag of the article text. The declared
// language (html@lang, og:locale, content-language, JSON-LD inLanguage) is kept when the
// detector agrees with it or is unsure; a confident detection overrides a missing or
// wrong declaration.
func (p *page) language(title string) string {
	declared := primarySubtag(firstNonEmpty(p.htmlLang, p.metaVal("og:locale", "content-language", "language", "dc.language"), p.ld.str("inLanguage")))
	sample := p.textSample(title)
	if utf8.RuneCountInString(sample) < 40 {
		return declared
	}
	info := whatlanggo.Detect(sample)
	detected := info.Lang.Iso6391()
	if detected == "" {
		return declared
	}
	if declared == "" || declared == detected {
		return detected
	}
	if info.Confidence >= 0.5 && utf8.RuneCountInString(sample) >= 200 {
		return detected
	}
	return declared
}

// textSample returns the title and the start of the article text, falling back on
// the description when the content is short.
func (p *page) textSample(title string) string {
	var b strings.Builder
	b.WriteString(title)
	b.WriteString(". ")
	if p.content != nil {
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for c := n.FirstChild; c != nil && b.Len() < langSample; c = c.NextSibling {
				switch c.Type {
				case html.TextNode:
					b.WriteString(c.Data)
				case html.ElementNode:
					switch c.DataAtom {
					case atom.Script, atom.Style, atom.Pre, atom.Code, atom.Figcaption:
						continue
					}
					walk(c)
					b.WriteByte(' ')
				}
			}
		}
		walk(p.content)
	}
	if b.Len() < 400 {
		b.WriteString(p.description())
	}
	return b.String()
}

// primarySubtag returns the lower-cased primary subtag of a language tag
// ("en-US", "pt_BR" -> "en", "pt"), "" when it is not 2-3 letters.
func primarySubtag(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for _, r := range tag {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return tag
}
