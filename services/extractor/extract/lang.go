package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/RadhiFadlillah/whatlanggo"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// langSample is how much article text (in bytes) the language detector reads.
const langSample = 600

// language returns the primary BCP 47 subtag of the article text. The declared
// language (html@lang, og:locale, content-language, JSON-LD inLanguage) is kept when
// the text confirms it cheaply: by its function words for nine common languages,
// by its script for Korean, Japanese and Chinese; with no declaration, a language
// whose function words clearly dominate is taken. Otherwise (a wrong declaration,
// or text no cheap check settles) whatlanggo detects the language of the text; a
// confident detection wins over the declaration. Below 40 letters of text the
// declaration stands; without a declaration, a detection below minLangConfidence
// (gibberish, lists of names and numbers, one letter repeated) gives no language
// rather than a guess.
func (p *page) language(title string) string {
	declared := primarySubtag(firstNonEmpty(p.htmlLang, p.metaVal("og:locale", "content-language", "language", "dc.language"), p.ld.str("inLanguage")))
	sample := p.textSample(title)
	if utf8.RuneCountInString(sample) < 40 {
		return declared
	}
	if declared != "" && confirms(declared, sample) {
		return declared
	}
	if declared == "" {
		if l := functionWordLang(sample); l != "" {
			return l
		}
	}
	info := whatlanggo.Detect(sample)
	detected := langToISO1[info.Lang]
	switch {
	case detected == "":
		return declared
	case declared == "":
		if info.Confidence < minLangConfidence {
			return ""
		}
		return detected
	case declared == detected || (info.Confidence >= minLangConfidence && utf8.RuneCountInString(sample) >= 200):
		return detected
	}
	return declared
}

// minLangConfidence is the least whatlanggo confidence (0..1) a detection needs to
// be reported without a declaration, or to overrule one.
const minLangConfidence = 0.5

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

// functionWords are frequent short words of languages that share the Latin or
// Cyrillic script, used to confirm a declared language without a full detection.
var functionWords = [...]struct{ code, words string }{
	{"en", "the of and to in is that for it with as was on be by this are from at his have an not but they which has had were their"},
	{"de", "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei"},
	{"fr", "le la les de des et en un une du est que qui dans pour pas sur au avec il par ce sont plus ne se"},
	{"es", "el la de que y en los del se las por un para con no una su al es lo como más pero sus le ha"},
	{"pt", "o a de que e do da em um para com não uma os no se na por mais as dos como mas ao ele das à seu sua ou"},
	{"it", "il di che e la per un in non una sono del della le si con da al è dei gli anche nel alla come più"},
	{"nl", "de het een van en in is dat op te zijn voor met die niet aan er ook als bij door om maar wordt"},
	{"id", "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ke karena ada mereka oleh atau saya kami bisa"},
	{"ru", "и в не на что с как по это он я к но из у за от то так же все она для был о его мы"},
}

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
// 12% of the sample's words and outnumber every other listed language's, "" when
// none does.
func functionWordLang(sample string) string {
	var counts [len(functionWords)]int
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
	if words == 0 || counts[best]*100 < 12*words || counts[best] == second {
		return ""
	}
	return functionWords[best].code
}

// confirms reports whether sample reads as the declared language: by its function
// words for the languages of functionWords, by script for Korean (mostly Hangul),
// Japanese (kana present, mostly kana and Han) and Chinese (mostly Han, no kana).
func confirms(declared, sample string) bool {
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
	return functionWordLang(sample) == declared
}

// iso1ToLang and langToISO1 map two-letter codes to whatlanggo's languages and
// back. They are built once: whatlanggo's own conversions build a map per call.
var iso1ToLang, langToISO1 = func() (map[string]whatlanggo.Lang, map[whatlanggo.Lang]string) {
	to, from := map[string]whatlanggo.Lang{}, map[whatlanggo.Lang]string{}
	for l := range whatlanggo.Lang(256) {
		if code := l.Iso6391(); code != "" {
			to[code], from[l] = l, code
		}
	}
	return to, from
}()

// textSample returns the title and the start of the article text, falling back on
// the description when the content is short.
func (p *page) textSample(title string) string {
	var b strings.Builder
	b.Grow(langSample + 64)
	b.WriteString(title)
	b.WriteString(". ")
	if p.content != nil {
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for c := n.FirstChild; c != nil && b.Len() < langSample; c = c.NextSibling {
				switch c.Type {
				case html.TextNode:
					writeFolded(&b, c.Data, langSample)
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
		b.WriteString(cutUTF8(p.description(), 400))
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
