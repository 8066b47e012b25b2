package extract

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
)

// titleSeps separate a headline from a site name or section in <title> and og:title.
var titleSeps = [...]string{" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " ‹ ", " › ", " / ", ": "}

// title returns the visible headline: the shown h1 that agrees with the machine
// titles (JSON-LD headline, og/twitter title, <title>, each without its site suffix),
// else a shown headline element that does, else the first shown h1 that is not the
// site's logo, else the best machine title without its site suffix or section
// prefix, else the content's first heading or first line (contentTitle). It records the chosen h1 in p.titleH1: the byline and dateline are read
// after it. host is the page's host name, whose main label also names the site.
func (p *page) title(site, host string) string {
	siteTok := siteTokens(site, host)
	var machine []string
	for _, m := range p.machineTitles() {
		if t := p.lex.stripSite(m, siteTok); t != "" {
			machine = append(machine, t)
		}
	}
	var cands []*heading
	var idx []int
	for i := range p.h1s {
		h := &p.h1s[i]
		if h.hidden || h.text == "" || schema.NoiseRegion(h.ctx) || utf8.RuneCountInString(h.text) > p.par.HeadlineMaxRunes {
			continue
		}
		if t, ok := p.lex.besideSiteHeading(h.text, p.headTitle, host); ok {
			// The h1 is the site's name, <title> names it beside the headline.
			machine = append([]string{t}, machine...)
			continue
		}
		if p.lex.isLogoHeading(h.text, siteTok, p.headTitle) {
			continue
		}
		cands = append(cands, h)
		idx = append(idx, i)
	}
	best, bestSim := -1, 0.0
	for i, h := range cands {
		ht := tokenize(h.text)
		for _, m := range machine {
			s := tokenF1(ht, tokenize(m))
			if h.pseudo {
				s -= 0.1 // a real h1 that agrees as well wins
			}
			if s > bestSim+0.05 || (best >= 0 && s >= bestSim && cands[best].ctx != "article" && h.ctx == "article") {
				best, bestSim = i, s
			}
		}
	}
	if best >= 0 && bestSim >= p.par.TitleAgreeF1 {
		p.titleH1 = idx[best]
		return p.lex.dropKicker(cands[best].text, machine)
	}
	if t := p.shownHeadline(machine); t != "" {
		return p.lex.dropKicker(t, machine)
	}
	first := -1
	for i, h := range cands {
		if h.pseudo {
			continue
		}
		if h.ctx == "article" {
			first = i
			break
		}
		if first < 0 {
			first = i
		}
	}
	// A one-to-three-word h1 sharing nothing with a longer declared title is a logo or
	// a section name, unless the article shows it and it names no section: then it
	// is the headline the declared title paraphrases ("Finanzierung Ihres Autos" on
	// comparis.ch, "Essen-Westviertel" on rheinruhronline.de).
	if first >= 0 && (len(machine) == 0 || len(tokenize(cands[first].text)) > 3 || bestSim > 0 ||
		len(tokenize(machine[0])) <= len(tokenize(cands[first].text)) ||
		(cands[first].ctx == "article" && !p.lex.isSectionHeading(cands[first].text))) {
		p.titleH1 = idx[first]
		return cands[first].text
	}
	if len(machine) > 0 {
		return machine[0]
	}
	return p.contentTitle()
}

// dropKicker returns the shown headline h without the kicker shown before it in
// the same element ("Klimaschutz" in "KlimaschutzBohren, bis es heiß wird"): when a
// declared title, or the part after the first separator of one ("Klimaschutz:
// Bohren, bis es heiß wird"), of at least KickerMinWords words, is all of h but for
// a prefix of at most KickerMaxWords words that meets it without punctuation (glued
// or a space; a section bar " | " after a label of at most two words), h's part
// showing that title. Letters and digits are compared, case folded. A prefix the
// headline shows with a colon or a dash ("Fact Check: ...") is part of it, and so is
// one of function words only ("The") or holding a separator itself; h is then returned as it is (zeit.de,
// cicero.de, tagesschau.de, lebensmittelpraxis.de, economist.com, swim.de,
// finanzmarktwelt.de, bundesrat.de, tagesanzeiger.ch, bostonherald.com,
// twincities.com in the dev corpora).
func (l *lexicon) dropKicker(h string, machine []string) string {
	hc := compactRunes(h)
	for _, m := range machine {
		for _, d := range titleParts(m) {
			if len(tokenize(d)) < l.par.KickerMinWords {
				continue
			}
			dc := compactRunes(d)
			if len(dc) >= len(hc) || !slices.Equal(hc[len(hc)-len(dc):], dc) {
				continue
			}
			kicker, junction, rest := splitCompact(h, len(hc)-len(dc))
			if l.isKicker(kicker, junction) {
				return rest
			}
		}
	}
	return h
}

// isKicker reports whether kicker, shown before a headline with junction between
// them, is a label of its own (see dropKicker).
func (l *lexicon) isKicker(kicker, junction string) bool {
	words := tokenize(kicker)
	if len(words) == 0 || len(words) > l.par.KickerMaxWords {
		return false
	}
	for _, sep := range titleSeps {
		if strings.Contains(kicker, sep) {
			return false // a part of a longer headline ("Milan Design Week 2018 | Michael")
		}
	}
	switch strings.TrimSpace(strings.TrimRightFunc(junction, isOpeningQuote)) {
	case "":
	case "|":
		if len(words) > 2 {
			return false
		}
	default:
		return false
	}
	for _, w := range words {
		if !l.functionWords[w] {
			return true
		}
	}
	return false
}

// splitCompact splits s after its first n letters and digits: the part holding
// them, what lies between them and the next letter or digit (separators, spaces,
// quotes), and the rest, from that letter or digit or the opening quote right
// before it.
func splitCompact(s string, n int) (head, junction, rest string) {
	for i, r := range s {
		if n == 0 {
			j := strings.IndexFunc(s[i:], func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
			if j < 0 {
				return s[:i], s[i:], ""
			}
			k := i + j
			for k > i {
				r, size := utf8.DecodeLastRuneInString(s[:k])
				if !isOpeningQuote(r) {
					break
				}
				k -= size
			}
			return s[:i], s[i : i+j], s[k:]
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n--
		}
	}
	return s, "", ""
}

// titleParts returns a declared title and, when it has a separator, the part after
// its first one.
func titleParts(t string) []string {
	out := []string{t}
	best := -1
	sepLen := 0
	for _, sep := range titleSeps {
		if i := strings.Index(t, sep); i > 0 && (best < 0 || i < best) {
			best, sepLen = i, len(sep)
		}
	}
	if best > 0 {
		out = append(out, strings.TrimSpace(t[best+sepLen:]))
	}
	return out
}

// compactRunes returns the letters and digits of s, lower-cased.
func compactRunes(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToLower(r))
		}
	}
	return out
}

// isOpeningQuote reports whether r can open a quotation (or is ¿, ¡, "("), which
// belongs to the headline that follows a kicker.
func isOpeningQuote(r rune) bool {
	return strings.ContainsRune("„“\"«»‹›‚‘'¿¡(", r)
}

// contentTitle returns a title for a page that declares and shows none (plain
// text, a list of links): the content's first heading, else its first line, cut
// at a word boundary to at most fallbackTitleRunes runes; "" for empty content.
func (p *page) contentTitle() string {
	if p.content == nil {
		return ""
	}
	if h := firstHeading(p.content, p.par.FallbackTitleRunes, 0); h != "" {
		return h
	}
	for line := range strings.Lines(contentText(p.content)) {
		if line = collapse(line); line != "" {
			return cutWords(line, p.par.FallbackTitleRunes)
		}
	}
	return ""
}

// firstHeading returns the collapsed text of the first h1-h6 under n holding text.
func firstHeading(n *html.Node, maxRunes, depth int) string {
	if depth > 256 {
		return ""
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			if t := collapse(textOf(c)); t != "" {
				return cutWords(t, maxRunes)
			}
			continue
		}
		if t := firstHeading(c, maxRunes, depth+1); t != "" {
			return t
		}
	}
	return ""
}

// cutWords cuts s to at most n runes, at the last space before the limit when
// there is one.
func cutWords(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := s
	for i := range s {
		if n == 0 {
			cut = s[:i]
			break
		}
		n--
	}
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut)
}

// shownHeadline returns the text of a shown h2 or itemprop=headline element near the
// top of the page that agrees with a machine title (a page whose only h1 is another
// story's or the site's).
func (p *page) shownHeadline(machine []string) string {
	for i := range p.elems {
		e := p.elem(i)
		if e.Hidden || schema.NoiseRegion(e.Region) || e.Tag == "meta" {
			continue
		}
		if !strings.EqualFold(e.Itemprop, "headline") && e.Tag != "h2" {
			continue
		}
		t := collapse(line(e))
		for _, m := range machine {
			if tokenF1(tokenize(t), tokenize(m)) >= p.par.ShownHeadlineF1 {
				return t
			}
		}
	}
	return ""
}

// siteTokens returns the tokens naming the site: its declared name and the main
// label of its host ("www.example.co.uk" -> "example").
func siteTokens(site, host string) []string {
	toks := tokenize(site)
	labels := strings.Split(strings.ToLower(host), ".")
	best := ""
	for i, l := range labels {
		if l == "www" || l == "m" || l == "amp" || i == len(labels)-1 || (len(l) <= 3 && i >= len(labels)-2) {
			continue
		}
		if len(l) > len(best) {
			best = l
		}
	}
	if best != "" {
		toks = append(toks, best)
	}
	return toks
}

// machineTitles returns the declared titles, most specific first.
func (p *page) machineTitles() []string {
	var out []string
	add := func(s string) {
		if s = collapse(s); s != "" {
			out = append(out, s)
		}
	}
	add(p.ld.str("headline"))
	add(p.metaVal(schema.MetaOGTitle))
	add(p.metaVal(schema.MetaTwitterTitle))
	for i := range p.elems {
		if e := p.elem(i); strings.EqualFold(e.Itemprop, "headline") && !e.Hidden {
			add(contentOr(e))
		}
	}
	add(p.metaVal(schema.MetaTitles[:]...))
	add(p.headTitle)
	return out
}

// isLogoHeading reports whether an h1 is the site's name rather than a headline: it
// matches the site name, or the site part after the last separator of <title>.
func (l *lexicon) isLogoHeading(text string, siteTok []string, headTitle string) bool {
	t := tokenize(text)
	if len(t) == 0 {
		return true
	}
	if len(siteTok) > 0 && tokenF1(t, siteTok) >= l.par.LogoF1 {
		return true
	}
	for _, sep := range titleSeps {
		if i := strings.LastIndex(headTitle, sep); i > 0 {
			if tokenF1(t, tokenize(headTitle[i+len(sep):])) >= l.par.LogoSuffixF1 && len(tokenize(headTitle[:i])) > len(t) {
				return true
			}
		}
	}
	return false
}

// besideSiteHeading reports whether the shown h1 text is the site's name that
// <title> headTitle shows beside the headline, and returns that headline: the
// h1 spells the host's name or a domain and opens <title> (the headline is then
// its last part: "Time 4 talks » Blog Archiv » Weitere Digitalisierung der
// Schweizer Kinos"), or it is a later part of <title>, shorter than the first one
// (the headline is what comes before it: "Das vermutlich schwulste Musikvideo der
// Welt : Krimiblog-Archiv | Ermittlungen zum Verfall eines Genres") and that first
// part, of three words or more, is no domain. A blog's
// name as its h1 and the post's title in an h2 (time4talks.com, disfunctions.de,
// krimiblog.de, der-erfolg-gibt-recht.de in the dev corpora).
func (l *lexicon) besideSiteHeading(h, headTitle, host string) (string, bool) {
	t := collapse(headTitle)
	cuts := titleCuts(t)
	if len(cuts) == 0 {
		return "", false
	}
	part := func(k int) string {
		from, to := 0, len(t)
		if k > 0 {
			from = cuts[k-1][1]
		}
		if k < len(cuts) {
			to = cuts[k][0]
		}
		return strings.TrimSpace(t[from:to])
	}
	ht := tokenize(h)
	first := part(0)
	if tokenF1(ht, tokenize(first)) >= l.par.LogoSuffixF1 && (namesHost(ht, host) || reDomain.MatchString(h)) {
		if last := part(len(cuts)); len(tokenize(last)) >= 2 {
			return last, true
		}
		return "", false
	}
	if ft := tokenize(first); len(ft) <= len(ht) || len(ft) < 3 || reDomain.MatchString(first) {
		return "", false // no headline opens <title>: a site or section does ("GALORE.de | Kultur | Literatur | ...")
	}
	for k := 1; k <= len(cuts); k++ {
		if tokenF1(ht, tokenize(part(k))) >= l.par.LogoSuffixF1 {
			return strings.TrimSpace(t[:cuts[k-1][0]]), true
		}
	}
	return "", false
}

// reDomain matches a domain name ("Disfunctions.de").
var reDomain = regexp.MustCompile(`(?i)^[\p{L}\d-]+(\.[\p{L}\d-]+)*\.[a-z]{2,}$`)

// siteSeps separate a site's name from the headline in <title>: spaced bars,
// dashes, guillemets, a spaced colon; never "Kicker: Headline"'s colon.
var siteSeps = [...]string{" | ", " » ", " - ", " – ", " — ", " :: ", " · ", " : ", " / ", " ‹ ", " › "}

// titleCuts returns the spans of the separators (siteSeps) of a declared title,
// in order.
func titleCuts(t string) [][2]int {
	var cuts [][2]int
	for i := 0; i < len(t); i++ {
		for _, sep := range siteSeps {
			if strings.HasPrefix(t[i:], sep) {
				cuts = append(cuts, [2]int{i, i + len(sep)})
				i += len(sep) - 1
				break
			}
		}
	}
	return cuts
}

// stripSite removes a site-name suffix or prefix and a one-word section prefix
// ("Opinion | ...") from a declared title.
func (l *lexicon) stripSite(t string, siteTok []string) string {
	for range 3 {
		cut := false
		for _, sep := range titleSeps {
			i := strings.LastIndex(t, sep)
			if i <= 0 {
				continue
			}
			head, tail := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):])
			if l.isSiteLike(tail, siteTok) && len(tokenize(head)) >= 2 {
				t, cut = head, true
				break
			}
			j := strings.Index(t, sep)
			head, tail = strings.TrimSpace(t[:j]), strings.TrimSpace(t[j+len(sep):])
			if (l.isSiteLike(head, siteTok) || l.isSectionLabel(head)) && len(tokenize(tail)) >= 2 && sep != ": " {
				t, cut = tail, true
				break
			}
		}
		if !cut {
			break
		}
	}
	return t
}

// isSiteLike reports whether a title part names the site: it matches the site name
// or looks like a domain.
func (l *lexicon) isSiteLike(part string, siteTok []string) bool {
	pt := tokenize(part)
	if len(pt) == 0 {
		return false
	}
	if len(siteTok) > 0 && tokenF1(pt, siteTok) >= l.par.SiteLikeF1 {
		return true
	}
	if joined := strings.Join(pt, ""); len(siteTok) > 0 && (joined == siteTok[len(siteTok)-1] || joined == strings.Join(siteTok, "")) {
		return true
	}
	low := strings.ToLower(part)
	return !strings.Contains(part, " ") && (strings.HasSuffix(low, ".com") || strings.HasSuffix(low, ".org") ||
		strings.HasSuffix(low, ".net") || strings.Count(low, ".") >= 1 && len(pt) <= 3)
}

// isSectionHeading reports whether a heading names a section: its words but single
// letters (an icon's glyph: "O Opinion") are all section labels.
func (l *lexicon) isSectionHeading(h string) bool {
	n := 0
	for _, w := range tokenize(h) {
		if utf8.RuneCountInString(w) == 1 {
			continue
		}
		if !l.sectionLabels[w] {
			return false
		}
		n++
	}
	return n > 0
}

// isSectionLabel reports whether a title prefix is a one-word section label such as
// "Opinion" or "Analysis".
func (l *lexicon) isSectionLabel(part string) bool {
	pt := tokenize(part)
	if len(pt) != 1 {
		return false
	}
	return l.sectionLabels[pt[0]]
}

// tokenize returns the case-folded word tokens of s (letters, digits, underscore).
func tokenize(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r)
		if w && start < 0 {
			start = i
		} else if !w && start >= 0 {
			out = append(out, strings.ToLower(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(s[start:]))
	}
	return out
}

// tokenF1 is the multiset F1 of two token lists; 0 when either is empty.
func tokenF1(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	counts := make(map[string]int, len(b))
	for _, t := range b {
		counts[t]++
	}
	common := 0
	for _, t := range a {
		if counts[t] > 0 {
			counts[t]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	pr, rc := float64(common)/float64(len(a)), float64(common)/float64(len(b))
	return 2 * pr * rc / (pr + rc)
}
