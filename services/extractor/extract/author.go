package extract

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsjet/newsjet/pkg/schema"
)

// cutCJKRole removes a job title written after a Korean, Japanese or Chinese name
// ("김서연 기자", "佐藤美咲記者").
func (l *lexicon) cutCJKRole(s string) string {
	for _, r := range l.rolesAfterName {
		if rest, ok := strings.CutSuffix(s, r); ok && nonLatin(rest) {
			return strings.TrimSpace(rest)
		}
	}
	return s
}

// credit is a parsed credit: person names and, when only an organisation is
// credited, its name.
type credit struct {
	persons []string
	org     string
}

// authors returns the person names credited in the visible byline (cross-checked
// with and completed from machine metadata), else the declared persons the page
// shows, else a Korean or Chinese sign-off credit, or an organisation-only credit.
func (p *page) authors(site, lang string) ([]string, string) {
	siteTok := tokenize(site)
	pubTok := tokenize(p.ld.publisher)
	vis := p.visibleCredit(siteTok, pubTok)
	mach := p.machineCredit(siteTok, pubTok)
	if len(vis.persons) > 0 {
		out := vis.persons
		shown := strings.ToLower(p.bylineText())
		for _, m := range mach.persons {
			if !containsName(out, m) && strings.Contains(shown, strings.ToLower(m)) {
				out = append(out, m)
			}
		}
		return out, ""
	}
	if vis.org != "" {
		return []string{}, vis.org
	}
	if shown := p.shownPersons(mach.persons); len(shown) > 0 {
		return shown, ""
	}
	if name := p.signOffCredit(lang); name != "" {
		return []string{name}, ""
	}
	return []string{}, mach.org
}

// visibleCredit reads the first shown byline: the elements the cleaner kept for their
// byline/author class, itemprop=author or author link, else a "By ..." line after
// the headline.
func (p *page) visibleCredit(siteTok, pubTok []string) credit {
	var c credit
	for i, e := range p.elems {
		if !p.nearTitle(i) || !isBylineElem(&p.cands[e]) {
			continue
		}
		got := p.parseCreditElem(e, siteTok, pubTok)
		if len(got.persons) > 0 {
			return p.continuedCredit(got, siteTok, pubTok)
		}
		if c.org == "" {
			c.org = got.org
		}
	}
	lines := p.headerLines()
	if len(lines) > p.par.BylineLines {
		lines = lines[:p.par.BylineLines]
	}
	lines = append(lines[:len(lines):len(lines)], p.beforeLines()...)
	for i, line := range lines {
		// A byline broken over lines: "By Jane Roe" / ", John Doe".
		for j := i + 1; j < len(lines) && j <= i+p.par.BylineContinued; j++ {
			next := lines[j]
			if !strings.HasPrefix(next, ",") && !strings.HasPrefix(next, "& ") && !strings.HasPrefix(strings.ToLower(next), "and ") {
				break
			}
			line += " " + next
		}
		for _, part := range splitDateline(line) {
			if rest, ok := p.lex.cutBylinePrefix(strings.TrimLeft(part, "|•·-–—:, ")); ok {
				got := p.lex.parseCreditText(rest, siteTok, pubTok, true)
				if len(got.persons) > 0 {
					return got
				}
				if c.org == "" {
					c.org = got.org
				}
			}
		}
	}
	return c
}

// shownPersons returns the declared persons whose names the page shows: in its kept
// metadata elements, the text around the headline, the article text or the short
// lines cut from its end (a sign-off). A CMS
// account declared as author but credited nowhere on the page is no credit.
func (p *page) shownPersons(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(p.bylineText())
	for _, l := range p.tail {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for i := range p.elems {
		if e := p.elem(i); !e.Hidden {
			b.WriteString(line(e))
			b.WriteByte('\n')
		}
	}
	shown := strings.ToLower(b.String())
	var text string
	var out []string
	for _, n := range names {
		ln := strings.ToLower(n)
		if !strings.Contains(shown, ln) {
			if text == "" && p.content != nil {
				text = strings.ToLower(contentText(p.content))
			}
			if !strings.Contains(text, ln) {
				continue
			}
		}
		out = append(out, n)
	}
	return out
}

// continuedCredit adds the co-authors of a byline broken over lines ("By Jane Roe" /
// ", John Doe") as the header text shows them.
func (p *page) continuedCredit(c credit, siteTok, pubTok []string) credit {
	lines := p.headerLines()
	for i, line := range lines {
		if i > p.par.BylineLines || !strings.Contains(line, c.persons[len(c.persons)-1]) {
			continue
		}
		for _, next := range lines[i+1 : min(len(lines), i+1+p.par.BylineContinued)] {
			if !strings.HasPrefix(next, ",") && !strings.HasPrefix(next, "& ") && !strings.HasPrefix(strings.ToLower(next), "and ") {
				break
			}
			next = strings.TrimLeft(next, ",& ")
			if strings.HasPrefix(strings.ToLower(next), "and ") {
				next = next[4:]
			}
			for _, n := range p.lex.parseCreditText(next, siteTok, pubTok, false).persons {
				if !containsName(c.persons, n) {
					c.persons = append(c.persons, n)
				}
			}
		}
		break
	}
	return c
}

// splitDateline splits a header line at the separators that set a byline apart from
// a date or place ("05/10/2018 - Published by: Jane Roe").
func splitDateline(line string) []string {
	parts := []string{line}
	for _, sep := range [...]string{" | ", " - ", " — ", " · ", " • "} {
		var next []string
		for _, p := range parts {
			next = append(next, strings.Split(p, sep)...)
		}
		parts = next
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// machineCredit reads JSON-LD author entries, then author meta tags.
func (p *page) machineCredit(siteTok, pubTok []string) credit {
	var c credit
	for _, cr := range p.ld.credits() {
		switch {
		case cr.org || p.lex.isOrgName(cr.name, siteTok, pubTok):
			if c.org == "" {
				c.org = cr.name
			}
		default:
			for _, n := range p.lex.splitNames(cr.name, siteTok, pubTok, false) {
				if !containsName(c.persons, n) && (strings.Contains(n, " ") || nonLatin(n)) {
					c.persons = append(c.persons, n)
				}
			}
		}
	}
	if len(c.persons) > 0 {
		return c
	}
	for _, k := range schema.MetaAuthors {
		for _, v := range p.metaVals(k) {
			if strings.Contains(v, "://") || strings.HasPrefix(v, "/") {
				continue
			}
			got := p.lex.parseCreditText(v, siteTok, pubTok, false)
			for _, n := range got.persons {
				if !containsName(c.persons, n) && (strings.Contains(n, " ") || nonLatin(n)) {
					c.persons = append(c.persons, n)
				}
			}
			if c.org == "" {
				c.org = got.org
			}
		}
		if len(c.persons) > 0 {
			break
		}
	}
	return c
}

// bylineText returns the shown text of the byline elements and the lines after the
// headline, for checking that a machine-declared name is on the page.
func (p *page) bylineText() string {
	var b strings.Builder
	for i := range p.elems {
		if e := p.elem(i); !e.Hidden && isBylineElem(e) {
			b.WriteString(line(e))
			b.WriteByte('\n')
		}
	}
	for _, l := range p.headerLines() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for _, l := range p.beforeLines() {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// isBylineElem reports whether a candidate is a credit: byline/author class or id,
// itemprop author/creator, or a link to an author page (Joomla: "createdby").
func isBylineElem(e *schema.Candidate) bool {
	ip := strings.ToLower(e.Itemprop)
	if ip == "author" || ip == "creator" {
		return true
	}
	s := strings.ToLower(e.Class + " " + e.ElemID)
	if strings.Contains(s, "byline") || strings.Contains(s, "contributor") || strings.Contains(s, "writer") ||
		strings.Contains(s, "createdby") {
		return true
	}
	if strings.Contains(s, "author") && !strings.Contains(s, "bio") && !strings.Contains(s, "avatar") &&
		!strings.Contains(s, "image") && !strings.Contains(s, "photo") && !strings.Contains(s, "desc") {
		return true
	}
	return e.Tag == "a" && isAuthorHref(e.Href, e.Rel)
}

// parseCreditElem parses the byline candidate i: the names of its nested
// itemprop=name elements, else the texts of its author links, else its text (its
// element texts as separate credit parts: a name, a job title and a date in adjacent
// spans are not one glued word).
func (p *page) parseCreditElem(i int, siteTok, pubTok []string) credit {
	var names []string
	var links []string
	var walk func(int)
	walk = func(i int) {
		p.eachChild(i, func(j int) {
			c := &p.cands[j]
			if c.Hidden {
				return
			}
			if strings.EqualFold(c.Itemprop, "name") {
				names = append(names, collapse(contentOr(c)))
				return
			}
			if c.Tag == "a" && isAuthorHref(c.Href, c.Rel) {
				links = append(links, collapse(line(c)))
			}
			walk(j)
		})
	}
	walk(i)
	e := &p.cands[i]
	if len(names) == 0 && e.Tag != "a" {
		names = links
	}
	var c credit
	for _, n := range names {
		got := p.lex.parseCreditText(n, siteTok, pubTok, true)
		c.persons = append(c.persons, got.persons...)
		if c.org == "" {
			c.org = got.org
		}
	}
	if len(c.persons) > 0 {
		return c
	}
	return p.lex.parseCreditText(creditParts(e), siteTok, pubTok, false)
}

// isAuthorHref reports whether a link points at an author page: its rel names an
// author, or its URL has an author-page path (schema.AuthorPath).
func isAuthorHref(href, rel string) bool {
	return strings.Contains(strings.ToLower(rel), "author") || schema.AuthorPath(href)
}

// cutBylinePrefix removes a leading "By"-like word of the page's language; ok
// reports whether one was found. A capitalised prefix that is also a name particle
// (German "Von", Italian "Di") is one only when two words or more follow it: "Von
// Hans Müller" is a credit of Hans Müller, "Von Braun" the name Von Braun, and "von
// Heiner" a credit of Heiner.
func (l *lexicon) cutBylinePrefix(s string) (string, bool) {
	low := strings.ToLower(s)
	for _, pre := range l.bylinePrefixes {
		if !strings.HasPrefix(low, pre) {
			continue
		}
		rest := strings.TrimSpace(s[len(pre):])
		if r, _ := utf8.DecodeRuneInString(s); unicode.IsUpper(r) && l.particles[strings.TrimSpace(pre)] && len(strings.Fields(rest)) < 2 {
			return s, false
		}
		return rest, true
	}
	return s, false
}

// cutCreditLabel removes a one-word label ending in a colon from the front of a
// credit, in any language and script ("Penulis: Dewi Lestari", "كتبت: ليلى حداد",
// "作者：李明"); ok reports whether one was found. The label is letters only, so
// a time ("10:45") is never one.
func (l *lexicon) cutCreditLabel(s string) (string, bool) {
	i := strings.IndexAny(s, ":：")
	if i <= 0 {
		return s, false
	}
	label := strings.TrimSpace(s[:i])
	if label == "" || utf8.RuneCountInString(label) > l.par.CreditLabelRunes {
		return s, false
	}
	for _, r := range label {
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			return s, false
		}
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	rest := strings.TrimSpace(s[i+size:])
	return rest, rest != ""
}

// parseCreditText parses a credit line into person names, or an organisation when
// the line credits only one.
//
// single allows a one-word name (a first name or pen name); it is also allowed when
// the line opens with "By".
func (l *lexicon) parseCreditText(s string, siteTok, pubTok []string, single bool) credit {
	s = strings.TrimLeft(collapse(s), "|•·-–—:, ")
	if s == "" {
		return credit{}
	}
	if rest, ok := l.cutBylinePrefix(s); ok {
		s, single = rest, true
	} else if rest, ok := l.cutCreditLabel(s); ok {
		s = rest
	}
	// The names come first; a dateline, role or outlet after a separator is dropped.
	for _, sep := range [...]string{" | ", "|", " • ", "•", " · ", "·", " - ", " — ", " – ", "\n", "  "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	if i := strings.Index(s, "("); i > 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(l.cutDatelineVerb(s))
	if s == "" {
		return credit{}
	}
	persons := l.splitNames(s, siteTok, pubTok, single)
	if len(persons) > 0 {
		return credit{persons: persons}
	}
	if org := l.cutDateline(s); l.isOrgName(org, siteTok, pubTok) && utf8.RuneCountInString(org) <= l.par.OrgMaxRunes {
		return credit{org: strings.TrimSpace(strings.TrimSuffix(org, "."))}
	}
	return credit{}
}

// splitNames splits a credit line into cleaned person names: roles, outlets and
// handles dropped, ALL-CAPS names title-cased.
func (l *lexicon) splitNames(s string, siteTok, pubTok []string, single bool) []string {
	parts := []string{s}
	for _, sep := range l.nameSeps {
		var next []string
		for _, p := range parts {
			if sep == "," || sep == ";" || sep == "、" || sep == "/" {
				next = append(next, strings.Split(p, sep)...)
				continue
			}
			next = append(next, splitFold(p, sep)...)
		}
		parts = next
	}
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if r, _ := utf8.DecodeRuneInString(p); l.isCredential(p) || unicode.IsDigit(r) {
			continue // a credential, or a date or time split off the name ("12 Μαΐου 2026")
		}
		p = l.cleanName(p, siteTok, pubTok)
		if p == "" || !l.isPersonName(p, siteTok, pubTok, single) {
			continue
		}
		if !containsName(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// splitFold splits s around every case-insensitive occurrence of sep.
func splitFold(s, sep string) []string {
	var out []string
	l := strings.ToLower(s)
	for {
		i := strings.Index(l, sep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s, l = s[i+len(sep):], l[i+len(sep):]
	}
}

// cleanName trims a name candidate: handles, trailing "for Outlet", an outlet or
// date after the name, surrounding punctuation; ALL-CAPS becomes title case.
func (l *lexicon) cleanName(s string, siteTok, pubTok []string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "@"); i >= 0 {
		s = s[:i]
	}
	s = l.cutTrailer(s, siteTok, pubTok)
	for _, w := range l.nameTrailers {
		if i := strings.Index(s, w); i > 0 {
			s = s[:i]
		}
	}
	s = strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' })
	s = l.cutCJKRole(strings.TrimSpace(strings.TrimLeft(s, ".")))
	if s == "" {
		return ""
	}
	if isAllCaps(s) {
		s = titleCase(s)
	}
	// A name printed twice (link text and label): "Jane Roe Jane Roe".
	if w := strings.Fields(s); len(w)%2 == 0 && len(w) >= 2 && slices.Equal(w[:len(w)/2], w[len(w)/2:]) {
		s = strings.Join(w[:len(w)/2], " ")
	}
	return s
}

// cutTrailer cuts what follows a name in the same credit part: a weekday or month
// (a dateline), the site's or publisher's name, an organisation name ("Tom Davies
// Associated Press"; a last word like "Agency" makes the whole part an organisation
// instead), ALL-CAPS words after mixed-case ones ("Kevin McCoy USA TODAY") or a
// lower-case word after two names ("Moritz Bachmann publiziert am").
func (l *lexicon) cutTrailer(s string, siteTok, pubTok []string) string {
	words := strings.Fields(l.cutDateline(s))
	caps := isAllCaps(strings.Join(words, " "))
	for i, w := range words {
		if i == 0 {
			continue
		}
		lw := strings.ToLower(strings.Trim(w, ".,:;"))
		r, _ := utf8.DecodeRuneInString(w)
		cut := (l.orgWords[lw] && i < len(words)-1 && !l.deskWords[strings.ToLower(words[len(words)-1])]) ||
			(!caps && isAllCaps(w) && len(w) >= 2 && i >= 2) ||
			(i >= 2 && unicode.IsLower(r) && !l.particles[lw])
		if !cut {
			rest := tokenize(strings.Join(words[i:], " "))
			cut = namesSite(rest, siteTok) || namesSite(rest, pubTok)
		}
		if cut {
			return strings.Join(words[:i], " ")
		}
	}
	return strings.Join(words, " ")
}

// namesSite reports whether tokens are exactly the site's (or publisher's) name,
// spaced or not ("USA TODAY" for "usatoday").
func namesSite(tokens, site []string) bool {
	if len(site) == 0 || len(tokens) == 0 {
		return false
	}
	return tokenF1(tokens, site) == 1 || strings.Join(tokens, "") == strings.Join(site, "")
}

// cutDateline cuts a credit at a weekday, a month or a number after its first
// word: the dateline that follows the name.
func (l *lexicon) cutDateline(s string) string {
	words := strings.Fields(s)
	for i := range words {
		if i > 0 && l.datelineWord(words, i) {
			return strings.Join(words[:i], " ")
		}
	}
	return strings.Join(words, " ")
}

// datelineWord reports whether words[i] opens a dateline: a weekday, a number, or a
// month name ("May", "Mar", which are also names, only when a number follows).
func (l *lexicon) datelineWord(words []string, i int) bool {
	w := words[i]
	lw := strings.ToLower(strings.Trim(w, ".,:;"))
	if r, _ := utf8.DecodeRuneInString(w); unicode.IsDigit(r) || l.weekdays[lw] || l.datelineVerbs[lw] {
		return true
	}
	if _, month := l.months[lw]; !month || len(lw) < 3 {
		return false
	}
	if l.nameLikeMonths[lw] {
		if i+1 >= len(words) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(words[i+1])
		return unicode.IsDigit(r)
	}
	return true
}

// cutDatelineVerb cuts a credit line at its first dateline verb after the first
// word ("Jana Berg Veröffentlicht am 20.09.2026, 18:30 Uhr" -> "Jana Berg"), before
// the line is split into names.
func (l *lexicon) cutDatelineVerb(s string) string {
	words := strings.Fields(s)
	for i := 1; i < len(words); i++ {
		if l.datelineVerbs[strings.ToLower(strings.Trim(words[i], ".,:;"))] {
			return strings.Join(words[:i], " ")
		}
	}
	return s
}

// isCredential reports whether a credit part is a credential or acronym ("MS",
// "RDN", "PhD") rather than a name.
func (l *lexicon) isCredential(s string) bool {
	s = strings.Trim(s, " .")
	if strings.Contains(s, " ") || utf8.RuneCountInString(s) > 5 {
		return false
	}
	if l.credentials[strings.ToLower(s)] {
		return true
	}
	return isAllCaps(s)
}

// isPersonName reports whether a cleaned candidate looks like a person's name.
func (l *lexicon) isPersonName(s string, siteTok, pubTok []string, single bool) bool {
	if n := utf8.RuneCountInString(s); n > l.par.NameMaxRunes || n < 3 && !(n == 2 && nonLatin(s)) {
		return false // a Han or Hangul name may have two characters
	}
	words := strings.Fields(s)
	if len(words) > l.par.NameMaxWords || len(words) < 2 && !single && !nonLatin(s) || strings.EqualFold(words[0], "the") {
		return false
	}
	if len(words) == 1 && nonLatin(s) && utf8.RuneCountInString(s) > 6 {
		return false // CJK names are two to six characters; longer is a firm or a phrase
	}
	if l.isOrgName(s, siteTok, pubTok) || isCMSUser(s) {
		return false
	}
	for i, w := range words {
		lw := strings.ToLower(strings.Trim(w, ".,"))
		if _, month := l.months[lw]; l.roleWords[lw] || l.weekdays[lw] || l.datelineVerbs[lw] || (i == 0 && month && len(words) == 1) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsDigit(r) {
			return false
		}
		if unicode.IsLower(r) && !l.particles[lw] {
			return false
		}
	}
	return true
}

// isOrgName reports whether a credit names an organisation: the site or publisher
// itself, a word like "News" or "Staff", a domain, or a short all-caps acronym.
func (l *lexicon) isOrgName(s string, siteTok, pubTok []string) bool {
	t := tokenize(s)
	if len(t) == 0 {
		return false
	}
	if (len(siteTok) > 0 && tokenF1(t, siteTok) >= l.par.OrgSiteF1) || (len(pubTok) > 0 && tokenF1(t, pubTok) >= l.par.OrgSiteF1) {
		return true
	}
	for _, w := range t {
		if l.orgWords[w] {
			return true
		}
	}
	if strings.Contains(s, ".") && !strings.Contains(s, " ") {
		return true
	}
	if len(t) == 1 {
		// A one-word credit that is part of the site's name: "Beachbody" on "The Beachbody Blog".
		for _, st := range append(siteTok, pubTok...) {
			if st == t[0] {
				return true
			}
		}
		w := strings.TrimSpace(s)
		if isAllCaps(w) && utf8.RuneCountInString(w) <= 5 {
			return true
		}
		// CamelCase brand names: "AppleInsider".
		upper := 0
		for _, r := range w {
			if unicode.IsUpper(r) {
				upper++
			}
		}
		if upper >= 2 {
			return true
		}
	}
	return false
}

// isCMSUser reports whether a credit is a CMS account rather than a name: one
// lower-case token ("admin", "jdadmin") or one with digits or underscores.
func isCMSUser(s string) bool {
	if strings.ContainsAny(s, " ") {
		return strings.Contains(strings.ToLower(s), "admin")
	}
	for _, r := range s {
		if unicode.IsDigit(r) || r == '_' {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r) || strings.Contains(strings.ToLower(s), "admin")
}

// nonLatin reports whether s is written in a script without letter case (CJK,
// Korean, Arabic, ...), where a name may be one word.
func nonLatin(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.IsUpper(r) && !unicode.IsLower(r) {
			return true
		}
	}
	return false
}

func isAllCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters >= 2
}

// titleCase upper-cases the first letter of each word and lower-cases the rest.
func titleCase(s string) string {
	var b strings.Builder
	first := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) && first:
			b.WriteRune(unicode.ToUpper(r))
			first = false
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
			first = r == ' ' || r == '-' || r == '\''
		}
	}
	return b.String()
}

// containsName reports whether names holds n, ignoring case.
func containsName(names []string, n string) bool {
	for _, m := range names {
		if strings.EqualFold(m, n) {
			return true
		}
	}
	return false
}
