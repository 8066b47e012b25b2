package extract

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/RadhiFadlillah/whatlanggo"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
)

// language returns the primary BCP 47 subtag of the article text. The declared
// language (html@lang, og:locale, content-language, JSON-LD inLanguage) is kept when
// the text confirms it cheaply: by its function words (see functionWords),
// by its script for Korean, Japanese and Chinese; with no declaration, a language
// whose function words clearly dominate is taken. Otherwise (a wrong declaration,
// or text no cheap check settles) whatlanggo detects the language of the text; a
// confident detection wins over the declaration. Below Params.LangMinRunes of text
// the declaration stands; without a declaration, a detection below
// Params.LangConfidence (gibberish, lists of names and numbers, one letter
// repeated) gives no language rather than a guess.
func (p *page) language(title string) string {
	declared := primarySubtag(firstNonEmpty(p.htmlLang, p.metaVal(schema.MetaLanguages[:]...), p.ld.str("inLanguage")))
	sample := p.textSample(title)
	if utf8.RuneCountInString(sample) < p.par.LangMinRunes {
		return declared
	}
	if declared != "" && confirms(declared, sample, p.par.FunctionWordShare) {
		return declared
	}
	if declared == "" {
		if l := functionWordLang(sample, p.par.FunctionWordShare); l != "" {
			return l
		}
	}
	info := whatlanggo.Detect(sample)
	detected := langToISO1[info.Lang]
	switch {
	case detected == "":
		return declared
	case declared == "":
		if info.Confidence < p.par.LangConfidence {
			return ""
		}
		return detected
	case declared == detected || (info.Confidence >= p.par.LangConfidence && utf8.RuneCountInString(sample) >= p.par.LangConfidentRunes):
		return detected
	}
	return declared
}

// nextWord returns the next word of s lower-cased in buf (a word longer than buf
// comes back empty: no function word is long) and the rest of s.
func nextWord(s string, buf []byte) ([]byte, string) {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) {
			break
		}
		i += n
	}
	start := i
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			break
		}
		if len(buf)+utf8.UTFMax <= cap(buf) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		} else {
			buf = buf[:cap(buf)]
		}
		i += n
	}
	if i == start || len(buf) == cap(buf) {
		return nil, s[i:]
	}
	return buf, s[i:]
}

// functionWords are the frequent short words of the languages whose files list
// them (lang/<code>.json), sorted by code: languages that share the Latin or
// Cyrillic script, told apart by these words without a full detection.
var functionWords = func() []struct{ code, words string } {
	var out []struct{ code, words string }
	for code, f := range langData {
		if f.FunctionWords != "" {
			out = append(out, struct{ code, words string }{code, f.FunctionWords})
		}
	}
	slices.SortFunc(out, func(a, b struct{ code, words string }) int { return strings.Compare(a.code, b.code) })
	return out
}()

// wordLangs maps each function word to the set (bit i: functionWords[i]) of
// languages it belongs to.
var wordLangs = func() map[string]uint16 {
	m := map[string]uint16{}
	for i, fw := range functionWords {
		for _, w := range strings.Fields(fw.words) {
			m[w] |= 1 << i
		}
	}
	return m
}()

// functionWordLang returns the language of functionWords whose words make at least
// share of the sample's words and outnumber every other listed language's, "" when
// none does.
func functionWordLang(sample string, share float64) string {
	counts := make([]int, len(functionWords))
	var words int
	var buf [32]byte
	for rest := sample; rest != ""; {
		w, next := nextWord(rest, buf[:0])
		rest = next
		if len(w) == 0 {
			continue
		}
		words++
		if set := wordLangs[string(w)]; set != 0 {
			for i := range functionWords {
				if set&(1<<i) != 0 {
					counts[i]++
				}
			}
		}
	}
	best, second := 0, 0
	for i, c := range counts {
		if c > counts[best] {
			second = counts[best]
			best = i
		} else if i != best && c > second {
			second = c
		}
	}
	if words == 0 || float64(counts[best]) < share*float64(words) || counts[best] == second {
		return ""
	}
	return functionWords[best].code
}

// confirms reports whether sample reads as the declared language: by its function
// words for the languages of functionWords, by script for Korean (mostly Hangul),
// Japanese (kana present, mostly kana and Han) and Chinese (mostly Han, no kana).
func confirms(declared, sample string, share float64) bool {
	switch declared {
	case "ko", "ja", "zh":
		var hangul, kana, han, letters int
		for _, r := range sample {
			switch {
			case unicode.Is(unicode.Hangul, r):
				hangul++
			case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
				kana++
			case unicode.Is(unicode.Han, r):
				han++
			}
			if unicode.IsLetter(r) {
				letters++
			}
		}
		switch declared {
		case "ko":
			return 2*hangul > letters
		case "ja":
			return kana > 0 && 2*(kana+han) > letters
		default:
			return kana == 0 && 2*han > letters
		}
	}
	return functionWordLang(sample, share) == declared
}

// langToISO1 maps whatlanggo's languages to two-letter codes. It is built once:
// whatlanggo's own conversion builds a map per call.
var langToISO1 = func() map[whatlanggo.Lang]string {
	from := map[whatlanggo.Lang]string{}
	for l := range whatlanggo.Lang(256) {
		if code := l.Iso6391(); code != "" {
			from[l] = code
		}
	}
	return from
}()

// textSample returns the title and the start of the article text, falling back on
// the description when the content is short.
func (p *page) textSample(title string) string {
	var b strings.Builder
	b.Grow(p.par.LangSample + 64)
	b.WriteString(title)
	b.WriteString(". ")
	if p.content != nil {
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for c := n.FirstChild; c != nil && b.Len() < p.par.LangSample; c = c.NextSibling {
				switch c.Type {
				case html.TextNode:
					writeFolded(&b, c.Data, p.par.LangSample)
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
	if b.Len() < p.par.LangDescription {
		b.WriteString(cutUTF8(p.description(), p.par.LangDescription))
	}
	return b.String()
}

// writeFolded appends s to b with white space runs folded to one space, stopping
// once b holds limit bytes.
func writeFolded(b *strings.Builder, s string, limit int) {
	space := b.Len() > 0
	for _, r := range s {
		if b.Len() >= limit {
			return
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not split a
// UTF-8 sequence ("" for n <= 0).
func cutUTF8(s string, n int) string {
	if n >= len(s) {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
