package extract

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // langZone's Central European Time, in images without zone files
	"unicode/utf8"

	"github.com/itlightning/dateparse"

	"github.com/newsjet/newsjet/pkg/schema"
)

// stamp is a date found on the page.
type stamp struct {
	t        time.Time
	hasClock bool
	hasZone  bool
	// generic is set on a time declared under a generic key (weakMetaKeys): often
	// the page's generation or revision time rather than the article's.
	generic bool
}

// weakMetaKeys are the generic date keys of <meta>: content systems fill them with
// the page's generation or revision time as often as with the publication.
var weakMetaKeys = map[string]bool{"date": true, "dc.date": true, "dcterms.date": true}

// when is a chosen publication or modification time; day marks a date known to
// the day only, whose time is the 12:00 placeholder (see dayOf).
type when struct {
	t   time.Time
	day bool
}

// fields returns the time and the schema precision of w: "day" for a day-only
// date, "" for a full time; nil and "" for no date.
func (w *when) fields() (*time.Time, string) {
	if w == nil {
		return nil, ""
	}
	t := w.t
	if w.day {
		return &t, "day"
	}
	return &t, ""
}

// langZone gives the zone of a language spoken in one time zone, for pages that
// declare none: Korean, Japanese and Chinese, and the languages of central Europe
// (Central European Time with its summer time; the zone data is embedded, see
// time/tzdata).
var langZone = func() map[string]*time.Location {
	z := map[string]*time.Location{
		"ko": time.FixedZone("KST", 9*3600), "ja": time.FixedZone("JST", 9*3600), "zh": time.FixedZone("CST", 8*3600),
	}
	cet, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	for _, l := range [...]string{"de", "it", "nl", "pl", "cs", "sk", "hu", "sv", "no", "da"} {
		z[l] = cet
	}
	return z
}()

// dates returns the publication and modification times. A live blog's publication is
// its declared start (datePublished, else coverageStartTime). Otherwise the declared
// times outrank the visible dateline: it picks the declared time of its day (in some
// plausible zone) and gives the clock, and it wins only where shownCounts says so
// (no declared time, an "Updated" stamp beside it, its own clock and zone shown, or
// generic declared keys only), unless it is the declared modification day (a page
// showing only its update date). A time without a zone is read in the zone the page
// declares elsewhere, else the offset between a shown local clock and a zoneless
// declared UTC time, else the zone of a one-zone language (Korean, Japanese,
// Chinese); with none of these only its day is kept (dayOf), as for a date without
// a clock (see the package doc). A creation time (dateCreated) ranks after every
// publication time, and a declared time that is another one's UTC clock labelled
// with their shared local offset is corrected to that other time (see
// fixMislabelled). Outside English pages, and on English pages of a day-first
// locale (dayFirstEnglish), 05/10/2018 is 5 October.
func (p *page) dates(opts options, lang string, urlDate *textDate) (pub, mod *when) {
	dayFirst := lang != "en" || p.dayFirstEnglish()
	if p.ld.isLive() {
		// A live blog's publication is its declared start, not its latest post.
		if st, ok := p.lex.parseStamp(firstNonEmpty(p.ld.str("datePublished"), p.ld.str("coverageStartTime"))); ok {
			pub = inZone(st, nil)
		}
	}
	var machPub, machMod []stamp
	for _, v := range p.ld.allStrs("datePublished") {
		machPub = p.lex.appendStamp(machPub, v)
	}
	for _, v := range p.ld.allStrs("dateModified") {
		machMod = p.lex.appendStamp(machMod, v)
	}
	for _, k := range schema.MetaPublished {
		for _, v := range p.metaVals(k) {
			n := len(machPub)
			machPub = p.lex.appendStamp(machPub, v)
			if len(machPub) > n {
				machPub[n].generic = weakMetaKeys[k]
			}
		}
	}
	for _, k := range schema.MetaModified {
		for _, v := range p.metaVals(k) {
			machMod = p.lex.appendStamp(machMod, v)
		}
	}
	// A creation time (often the CMS draft's) ranks after every publication time.
	for _, v := range p.ld.allStrs("dateCreated") {
		machPub = p.lex.appendStamp(machPub, v)
	}
	headPub := plausible(machPub, opts.FetchedAt)
	nHead := len(headPub)
	visPub, visMod := p.scanDateElems(&headPub, &machMod, dayFirst)
	machPub = plausible(headPub, opts.FetchedAt)
	machMod = plausible(machMod, opts.FetchedAt)
	headPub = machPub[:min(nHead, len(machPub))]
	all := append(machPub[:len(machPub):len(machPub)], machMod...)
	fixMislabelled(machPub, all, urlDate)
	fixMislabelled(machMod, all, urlDate)
	vis := append(visPub[:len(visPub):len(visPub)], visMod...)
	zone, local := pageZones(vis, machPub, machMod, lang)

	vp, okPub := p.visibleDate(visPub, dayFirst)
	if okPub && vp.beforeTitle && !vp.besideUpdate && len(machPub) > 0 && !agreesAny(machPub, vp, zone) && !allGeneric(machPub) {
		// A date shown above the headline (often today's date in the page header)
		// does not outweigh a declared one, unless an "Updated" stamp beside it
		// marks it as the article's dateline (or the page declares its times under
		// generic keys only: ejwue.de).
		okPub = false
	}
	declPub := headPub
	if len(declPub) == 0 {
		declPub = machPub
	}
	switch {
	case pub != nil:
		// a live blog's declared start
	case okPub && len(declPub) > 0 && len(machMod) > 0 && !agreesAny(declPub, vp, zone) && agreesAny(machMod, vp, zone) &&
		!declPub[0].t.After(machMod[0].t):
		// The page shows its update time only: the declared publication stands
		// (unless it is declared after the update, a swapped pair).
		pub = inZone(firstTimed(declPub), zone)
	case okPub && len(machPub) == 0 && agreesAny(machMod, vp, zone):
		// No declared publication: the declared time of the shown day, though
		// declared as a modification, is the only time the page gives for it.
		pub = chooseStamp(machMod, vp, zone)
	case okPub && shownCounts(vp, machPub, zone):
		pub = chooseStamp(machPub, vp, zone)
	case len(machPub) > 0:
		pub = inZone(firstTimed(machPub), zone)
	}
	var hints []textDate
	if okPub {
		hints = append(hints, vp.dayOnly())
	}
	if urlDate != nil {
		hints = append(hints, *urlDate)
	}
	clocks := zonelessClocks(vis, machPub, machMod)
	pub = localize(pub, local, clocks, hints)
	if pub == nil && urlDate != nil {
		// No date but the one in the URL: URL dates name the publication day on
		// 77 of the 79 htmldate-dev pages whose canonical URL holds one.
		pub = dayOf(urlDate.year, urlDate.month, urlDate.day, nil)
	}
	if vm, ok := visMod.first(); ok {
		mod = chooseStamp(machMod, vm, zone)
	} else if len(machMod) > 0 {
		mod = inZone(firstTimed(machMod), zone)
	}
	mod = localize(mod, local, clocks, nil)
	if pub == nil && mod != nil && len(visMod) > 0 && !visMod[0].fromWord {
		// The only date shown is marked as an update by its class alone: it is the
		// one date the page gives, taken as the publication.
		pub = mod
	}
	if pub == nil || mod == nil {
		linePub, lineMod, okPub, okMod := p.datedLine(dayFirst)
		if pub == nil && okPub {
			pub = chooseStamp(nil, linePub, zone)
		}
		if mod == nil && okMod {
			mod = chooseStamp(nil, lineMod, zone)
		}
	}
	if pub == nil && mod != nil {
		// The page gives no date but its last update ("Stand 27.01.2022", "last
		// edited 2019-11-10"): the page as it stands dates from then.
		pub = mod
	}
	return pub, mod
}

// dayFirstEnglish reports whether an English page declares a locale that writes
// the day first (en-GB, en-AU, en-IN, ...: every English locale but the United
// States' and its territories', and Canada's and the Philippines', which write
// the month first as often): "The Guardian 02/10/2020" on msn.com/en-gb is 2
// October.
func (p *page) dayFirstEnglish() bool {
	loc := strings.ToLower(strings.ReplaceAll(firstNonEmpty(p.htmlLang, p.metaVal(schema.MetaLanguages[:]...)), "_", "-"))
	region, ok := strings.CutPrefix(loc, "en-")
	if !ok || region == "" {
		return false
	}
	switch region {
	case "us", "ca", "ph", "pr", "gu", "as", "vi", "um", "mp":
		return false
	}
	return true
}

// shownCounts reports whether the shown publication date vp decides the
// publication against the declared times mach: when none is declared, when one
// falls on its day (the shown date then picks among them and gives the clock),
// when the page marks it as its original (an "Updated" stamp beside it), when it
// shows its own clock and zone, or when every declared time has a generic key.
// Otherwise the declared times outrank it: a date shown near the headline but on
// no declared day is an event's, a teaser's or a misread one more often than the
// article's (reuters.com, hypixel.net, presseportal.de, bergsteigen.com,
// breakingnews.ie, motor.at, thepoke.com, tennisnet.com in the dev corpora), while
// generic date keys hold the page's generation time (neues-deutschland.de,
// tagesschau.de, deutscheweine.de).
func shownCounts(vp textDate, mach []stamp, zone *time.Location) bool {
	return len(mach) == 0 || vp.besideUpdate || (vp.hasClock && vp.zone != nil) || allGeneric(mach) ||
		agreesAny(mach, vp.dayOnly(), zone)
}

// allGeneric reports whether every time of l was declared under a generic key.
func allGeneric(l []stamp) bool {
	for _, s := range l {
		if !s.generic {
			return false
		}
	}
	return true
}

// firstTimed returns the first stamp, or a later one of the same day that has a
// clock when the first has none.
func firstTimed(list []stamp) stamp {
	first := list[0]
	if first.hasClock {
		return first
	}
	for _, s := range list[1:] {
		if s.hasClock && s.t.Year() == first.t.Year() && s.t.YearDay() == first.t.YearDay() {
			return s
		}
	}
	return first
}

// textDates collects dates read from visible text, in page order.
type textDates []textDate

func (t textDates) first() (textDate, bool) {
	if len(t) == 0 {
		return textDate{}, false
	}
	return t[0], true
}

// scanDateElems reads the kept <time>, itemprop and date-class elements: declared
// datetime values go to the machine lists (published or modified by their context),
// shown texts to the visible lists.
func (p *page) scanDateElems(machPub, machMod *[]stamp, dayFirst bool) (visPub, visMod textDates) {
	var created []stamp
	var walk func(i int, updated bool)
	walk = func(i int, updated bool) {
		n := &p.cands[i]
		cls := strings.ToLower(n.Class + " " + n.ElemID)
		ip := strings.ToLower(n.Itemprop)
		if isUpdatedClass(cls) || ip == "datemodified" {
			updated = true
		}
		// hAtom/microformats put the machine value of an <abbr> in its title.
		abbr := n.Title
		switch {
		case ip == "datepublished":
			*machPub = p.lex.appendStamp(*machPub, firstNonEmpty(n.Datetime, n.Content, abbr, line(n)))
		case ip == "datecreated":
			created = p.lex.appendStamp(created, firstNonEmpty(n.Datetime, n.Content, abbr, line(n)))
		case ip == "datemodified":
			*machMod = p.lex.appendStamp(*machMod, firstNonEmpty(n.Datetime, n.Content, abbr, line(n)))
		case abbr != "" && hasWord(cls, "published"):
			*machPub = p.lex.appendStamp(*machPub, abbr)
		case abbr != "" && hasWord(cls, "updated"):
			*machMod = p.lex.appendStamp(*machMod, abbr)
		case n.Tag == "time" && n.Datetime != "":
			if updated {
				*machMod = p.lex.appendStamp(*machMod, n.Datetime)
			} else {
				*machPub = p.lex.appendStamp(*machPub, n.Datetime)
			}
		}
		p.eachChild(i, func(j int) { walk(j, updated) })
	}
	for i := range p.elems {
		e := p.elem(i)
		if schema.NoiseRegion(e.Region) {
			continue
		}
		walk(p.elems[i], false)
		if e.Hidden || !p.nearTitle(i) || e.Tag == "meta" || !isDateElem(e) {
			continue
		}
		text := collapse(dateText(e))
		if len(text) > p.par.DateElemMaxText {
			continue
		}
		parts := p.lex.splitUpdated(text)
		for _, part := range parts {
			if d, ok := p.lex.parseTextDate(part.text, dayFirst); ok {
				if part.updated || isUpdatedClass(strings.ToLower(e.Class)) ||
					strings.EqualFold(e.Itemprop, "dateModified") {
					d.fromWord = part.updated
					visMod = append(visMod, d)
				} else {
					d.beforeTitle = p.beforeTitle(i)
					d.besideUpdate = len(parts) > 1
					d.src = text
					d.adjacent = d.beforeTitle && p.justBeforeTitle(i)
					visPub = append(visPub, d)
				}
			}
		}
	}
	// A creation time (often the CMS draft's) ranks after every publication time.
	*machPub = append(*machPub, created...)
	return visPub, visMod
}

// dateText returns a candidate's text on one line, as line does, but with a space
// where the texts of two elements meet at a digit or after a full stop: "15/01/2016"
// and "14/01/2016" in adjacent <time>s are two dates, not "15/01/201614/01/2016";
// "08/08/2017" and "durch Stephan Markus" in one post-meta line are a date and a
// byline (ldt.de), and "8." before a linked "Dezember 2010" is the day of that
// month (der-erfolg-gibt-recht.de). Two letters meeting stay one word.
func dateText(c *schema.Candidate) string {
	t := c.Text
	if !strings.Contains(t, "\n") {
		return t
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '\n' {
			b.WriteByte(t[i])
			continue
		}
		if i > 0 && i+1 < len(t) && splitsDate(t[i-1], t[i+1]) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// splitsDate reports whether the texts of two elements meeting at bytes a and b
// (the last of one, the first of the other) need a space between them to be read
// as a date: a digit beside a digit or a letter, or a full stop before one.
func splitsDate(a, b byte) bool {
	word := func(c byte) bool { return isDigit(c) || c >= 0x80 || ('a' <= c|0x20 && c|0x20 <= 'z') }
	return (isDigit(a) && word(b)) || (word(a) && isDigit(b)) || (a == '.' && word(b))
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// datedLine returns the first publication date and the first update date shown in
// the page's short kept blocks (dated lines and date elements) outside menus,
// sidebars, comments and teaser lists, those after the headline first: the date of
// a page that declares none and shows none near its headline ("Gespeichert von
// rasos am 24. Juli 2017 - 18:55" below the post, "Dieser Artikel wurde am 14.
// Dezember 2015 um 14:48 von ..." in its footer; creativecommons.at,
// hobby-werkstatt-blog.de, dsv.de in the dev corpora). An update date (page
// footers' "Stand", "last edited") is read in page footers too.
func (p *page) datedLine(dayFirst bool) (pub, mod textDate, okPub, okMod bool) {
	for pass := range 2 {
		for i := range p.elems {
			e := p.elem(i)
			if e.Hidden || e.Tag == "meta" || (pass == 0 && p.beforeTitle(i)) || (pass == 1 && !p.beforeTitle(i)) {
				continue
			}
			noise := schema.NoiseRegion(e.Region)
			if noise && e.Region != schema.RegionFooter {
				continue
			}
			text := collapse(dateText(e))
			if len(text) > p.par.DateElemMaxText {
				continue
			}
			updatedClass := isUpdatedClass(strings.ToLower(e.Class + " " + e.ElemID))
			for _, part := range p.lex.splitUpdated(text) {
				d, ok := p.lex.parseTextDate(part.text, dayFirst)
				switch {
				case !ok || !p.lex.datedLineOK(part.text, d):
				case (part.updated || updatedClass) && !okMod:
					mod, okMod = d, true
				case !part.updated && !updatedClass && !okPub && !noise:
					pub, okPub = d, true
				}
			}
			if okPub && okMod {
				return pub, mod, true, true
			}
		}
	}
	return pub, mod, okPub, okMod
}

// datedLineOK reports whether a line read as d can date the page: its date shows a
// clock, or the line is no sentence of prose (SentenceWords words or more around
// the date, ending in ".", "!" or "?"): "The talks open on August 6, 2026 in the
// capital, officials said." dates the talks, not the article.
func (l *lexicon) datedLineOK(text string, d textDate) bool {
	if d.hasClock {
		return true
	}
	rest := collapse(text[:d.start] + " " + text[d.end:])
	end := strings.TrimRight(text, " \"'”’»)")
	sentence := strings.HasSuffix(end, ".") || strings.HasSuffix(end, "!") || strings.HasSuffix(end, "?")
	return !(sentence && len(strings.Fields(rest)) >= l.par.SentenceWords)
}

// hasWord reports whether the space-separated list s holds w.
func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// isUpdatedClass reports whether a class/id list marks a modification time: a
// modified/last-updated name, or the hAtom class "updated" without "published" or
// "entry-date" (themes put "published updated" on the one date they show).
func isUpdatedClass(cls string) bool {
	for _, w := range [...]string{"modified", "last-updated", "updated-date", "date-updated", "update-date",
		"updated-time", "update-time", "updated_at", "updated-at", "lastupdate", "dateupdated"} {
		if strings.Contains(cls, w) {
			return true
		}
	}
	// hAtom: "updated" alone marks the modification time, "published updated" both.
	hasUpdated, hasPublished := false, false
	for _, f := range strings.Fields(cls) {
		switch f {
		case "updated":
			hasUpdated = true
		case "published", "entry-date":
			hasPublished = true
		}
	}
	return hasUpdated && !hasPublished
}

// isDateElem reports whether a kept element shows a date: a <time>, a date
// itemprop, or a date, time, dateline or byline class.
func isDateElem(e *schema.Candidate) bool {
	if e.Tag == "time" {
		return true
	}
	ip := strings.ToLower(e.Itemprop)
	if strings.HasPrefix(ip, "date") {
		return true
	}
	cls := strings.ToLower(e.Class + " " + e.ElemID)
	for _, w := range [...]string{"date", "time", "publish", "posted", "byline", "meta", "info"} {
		if strings.Contains(cls, w) {
			return true
		}
	}
	return false
}

// textPart is a piece of a dateline, updated when an "Updated" word opens it.
type textPart struct {
	text    string
	updated bool
}

// splitUpdated splits "Published May 1, 2024 Updated May 2, 2024" at the updated
// word, so each half is read on its own.
func (l *lexicon) splitUpdated(s string) []textPart {
	low := strings.ToLower(s)
	for _, w := range l.updatedWords {
		if i := strings.Index(low, w); i >= 0 {
			var out []textPart
			if strings.TrimSpace(s[:i]) != "" {
				out = append(out, textPart{text: s[:i]})
			}
			return append(out, textPart{text: s[i:], updated: true})
		}
	}
	return []textPart{{text: s}}
}

// visibleDate returns the shown publication date: the first one read from the date
// elements after the headline that the header shows (the text after the headline
// holds it), else the first dateline in those lines, else a date element right
// before the headline (a category and date line above it: "Kultur, 2.11.22"), else
// any date element after it, else the first one or a dateline just before it. A
// date element after the headline but beyond its header is a teaser's as often
// as the article's (goodnight.at, ...).
func (p *page) visibleDate(fromElems textDates, dayFirst bool) (textDate, bool) {
	lines := p.headerLines()
	header := strings.Join(lines, "\n")
	for _, d := range fromElems {
		if !d.beforeTitle && strings.Contains(header, d.src) {
			return d, true
		}
	}
	if len(lines) > p.par.DatelineLines {
		lines = lines[:p.par.DatelineLines]
	}
	if d, ok := p.lex.datelineIn(lines, dayFirst); ok {
		return d, true
	}
	for _, d := range fromElems {
		if d.beforeTitle && d.adjacent {
			return d, true
		}
	}
	for _, d := range fromElems {
		if !d.beforeTitle {
			return d, true
		}
	}
	if d, ok := fromElems.first(); ok {
		return d, true
	}
	d, ok := p.lex.datelineIn(p.beforeLines(), dayFirst)
	d.beforeTitle = true
	return d, ok
}

// datelineIn returns the first publication date in short lines (an "Updated" part
// is skipped). Past the first long line (article text, a standfirst) only a bare
// date line counts (see bareDate): the dateline some pages show below the
// standfirst (carnegieendowment.org, autohaus.de, weltwoche.ch, dw.com), not a date
// in a sentence. A long line opening with a date (openingDate) is read when the date
// is set off from the text by a dash, bar or bracket (setOff), or shows a clock on
// the first long line: a dateline the page runs into a paragraph ("Donnerstag,
// 15.2.2018, 19:51 > da]v[ax Neulich packte mich ...", blog.todamax.net; below the
// standfirst, "29.11.2022 – Mehrfach und vehement ...", energiezukunft.eu), not a
// date opening a sentence ("Am 8. November 2021 findet der jährliche ...").
func (l *lexicon) datelineIn(lines []string, dayFirst bool) (textDate, bool) {
	prose := false
	for _, line := range lines {
		if len(line) > l.par.DatelineMaxLine {
			if d, ok := l.openingDate(line, dayFirst); ok && ((!prose && d.hasClock) || setOff(line[d.end:])) {
				return d, true
			}
			prose = true // the article's text has begun: only bare date lines beyond it
			continue
		}
		for _, part := range l.splitUpdated(line) {
			if part.updated {
				continue
			}
			if d, ok := l.parseTextDate(part.text, dayFirst); ok && (!prose || l.bareDate(part.text, d)) {
				return d, true
			}
		}
	}
	return textDate{}, false
}

// openingDate returns the date that opens a long line: at most BareDateRest runes
// precede it, and no "Updated" word does.
func (l *lexicon) openingDate(line string, dayFirst bool) (textDate, bool) {
	part := l.splitUpdated(line)[0]
	if part.updated {
		return textDate{}, false
	}
	d, ok := l.parseTextDate(part.text, dayFirst)
	if !ok || utf8.RuneCountInString(strings.TrimSpace(line[:d.start])) > l.par.BareDateRest {
		return textDate{}, false
	}
	return d, true
}

// setOff reports whether s, the text after a date, opens with a dash, a bar or a
// closing bracket that sets the date off from the text: the dateline of a
// paragraph ("29.11.2022 – Mehrfach und vehement ...", "(18.01.2018) Deutschlands
// Landwirte ..."), not a date in its sentence ("In this June 20, 2020, file
// photo").
func setOff(s string) bool {
	s = strings.TrimLeft(s, " ")
	for _, d := range [...]string{"– ", "— ", "- ", "| ", ")", "]"} {
		if strings.HasPrefix(s, d) {
			return true
		}
	}
	return false
}

// bareDate reports whether the text read as d is little more than the date: what
// is left around the date, its clock and zone holds at most BareDateRest runes
// ("Datum: 03.02.2022", "Handball Schweiz • 02.02.2022").
func (l *lexicon) bareDate(text string, d textDate) bool {
	rest := collapse(text[:d.start] + " " + text[d.end:])
	return utf8.RuneCountInString(rest) <= l.par.BareDateRest
}

// chooseStamp picks between declared times and the shown date: the first declared
// time that agrees with it (see agrees), else the shown date itself (with its clock
// and zone when shown; its day only, see dayOf, when no zone is known or no clock
// shown).
func chooseStamp(mach []stamp, vis textDate, zone *time.Location) *when {
	if vis.zone != nil && vis.hasClock {
		zone = vis.zone // the zone shown next to the clock places a zoneless declared time
	}
	var dayOnly, timed *stamp
	bestGap := 0
	for i, m := range mach {
		if !agrees(m, vis, zone) {
			continue
		}
		if m.hasClock {
			// The declared time nearest to the shown clock; the first when none is shown.
			gap := clockGap(m, vis, zone)
			if timed == nil || gap < bestGap {
				timed, bestGap = &mach[i], gap
			}
			continue
		}
		if dayOnly == nil {
			dayOnly = &mach[i]
		}
	}
	if timed != nil {
		return inZone(*timed, zone)
	}
	if dayOnly != nil && !vis.hasClock {
		return inZone(*dayOnly, zone)
	}
	loc := vis.zone
	if loc == nil {
		loc = zone
	}
	if loc == nil || !vis.hasClock {
		// No zone knowable, or no clock shown: the day alone (see dayOf).
		return dayOf(vis.year, vis.month, vis.day, loc)
	}
	return &when{t: time.Date(vis.year, vis.month, vis.day, vis.hour, vis.min, vis.sec, 0, loc)}
}

// dayOf returns a date known to the day only: noon of that day in loc (UTC when
// nil), which names the same calendar day in every zone from UTC-12 to UTC+11
// (midnight UTC would be the day before anywhere west of Greenwich).
func dayOf(y int, m time.Month, d int, loc *time.Location) *when {
	if loc == nil {
		loc = time.UTC
	}
	return &when{t: time.Date(y, m, d, 12, 0, 0, 0, loc), day: true}
}

// clockGap returns how many seconds a declared time is from the shown clock on the
// declared time's own clock face (0 when no clock is shown).
func clockGap(m stamp, vis textDate, zone *time.Location) int {
	if !vis.hasClock {
		return 0
	}
	t := m.t
	if vis.zone != nil {
		t = t.In(vis.zone)
	} else if !m.hasZone && zone != nil {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, zone)
	}
	// Minutes and seconds past the hour, so that a shift by a whole-hour offset does
	// not count.
	d := (t.Minute()*60 + t.Second()) - (vis.min*60 + vis.sec)
	if d < 0 {
		d = -d
	}
	return min(d, 3600-d)
}

// agreesAny reports whether any declared time agrees with the shown date.
func agreesAny(mach []stamp, vis textDate, zone *time.Location) bool {
	for _, m := range mach {
		if agrees(m, vis, zone) {
			return true
		}
	}
	return false
}

// agrees reports whether a declared time can be the shown date: read in its own
// offset, or shifted by a whole or half-hour offset between -12 and +14 hours (a page
// showing local time without naming its zone), it falls on the shown day, and on the
// shown minute when a clock is shown.
func agrees(m stamp, vis textDate, zone *time.Location) bool {
	t := m.t
	if !m.hasZone && zone != nil {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, zone)
	}
	match := func(u time.Time) bool {
		if u.Year() != vis.year || u.Month() != vis.month || u.Day() != vis.day {
			return false
		}
		if !vis.hasClock || !m.hasClock {
			return true
		}
		return u.Hour() == vis.hour && u.Minute() == vis.min
	}
	if vis.zone != nil {
		return match(t.In(vis.zone))
	}
	if match(t) {
		return true
	}
	if !m.hasZone {
		return false
	}
	u := t.UTC()
	for off := -12 * 60; off <= 14*60; off += 30 {
		if match(u.Add(time.Duration(off) * time.Minute)) {
			return true
		}
	}
	return false
}

// naiveOffset finds the page's UTC offset, in seconds, when a zoneless clock it
// shows and a zoneless declared time (on a day next to the shown one) have the
// same minute but another hour, a whole or half-hour offset of at most 14 hours:
// the declared time is then the UTC instant of the clock shown in local time.
func naiveOffset(vis []textDate, lists ...[]stamp) (int, bool) {
	for _, v := range vis {
		if !v.hasClock || v.zone != nil {
			continue
		}
		shown := time.Date(v.year, v.month, v.day, v.hour, v.min, 0, 0, time.UTC)
		for _, l := range lists {
			for _, m := range l {
				if m.hasZone || !m.hasClock {
					continue
				}
				d := shown.Sub(m.t.Truncate(time.Minute))
				if d != 0 && d%(30*time.Minute) == 0 && d <= 14*time.Hour && d >= -12*time.Hour {
					return int(d / time.Second), true
				}
			}
		}
	}
	return 0, false
}

// fixMislabelled corrects, in place, the times of l that are another declared
// time's UTC clock labelled with that time's own (non-zero) offset: 16:25-05:00
// beside 11:25-05:00 (= 16:25Z) is a UTC clock given the local offset by mistake,
// and stands for 11:25-05:00. A time on the URL's date (u, nil for none) is not
// moved off it: the coincidence then lies with the other time (malaymail.com).
func fixMislabelled(l, all []stamp, u *textDate) {
	for i, a := range l {
		if isMislabelledUTC(a, all) {
			_, off := a.t.Zone()
			fixed := a.t.Add(time.Duration(off) * time.Second)
			if u != nil && onDay(a.t, *u) && !onDay(fixed, *u) {
				continue
			}
			l[i].t = fixed
		}
	}
}

// onDay reports whether t, as written, falls on the day of d.
func onDay(t time.Time, d textDate) bool {
	return t.Year() == d.year && t.Month() == d.month && t.Day() == d.day
}

// isMislabelledUTC reports whether a's clock is the UTC clock of another time of
// all that has the same non-zero offset.
func isMislabelledUTC(a stamp, all []stamp) bool {
	if !a.hasClock || !a.hasZone {
		return false
	}
	_, off := a.t.Zone()
	if off == 0 {
		return false
	}
	for _, b := range all {
		if !b.hasClock || !b.hasZone {
			continue
		}
		if _, boff := b.t.Zone(); boff == off && a.t.Sub(b.t) == -time.Duration(off)*time.Second {
			return true
		}
	}
	return false
}

// shownZone returns the zone named beside a shown clock ("11:42, UK") when a
// zoneless declared time has that same day and clock: the page's zoneless times are
// then in that zone. Nil when no shown zone is confirmed.
func shownZone(vis []textDate, lists ...[]stamp) *time.Location {
	for _, v := range vis {
		if !v.hasClock || v.zone == nil {
			continue
		}
		for _, l := range lists {
			for _, m := range l {
				if m.hasZone || !m.hasClock {
					continue
				}
				t := m.t
				if t.Year() == v.year && t.Month() == v.month && t.Day() == v.day && t.Hour() == v.hour && t.Minute() == v.min {
					return v.zone
				}
			}
		}
	}
	return nil
}

// fromUTC reads the zoneless clock times of l (parsed as UTC) as UTC instants,
// shown in zone.
func fromUTC(l []stamp, zone *time.Location) {
	for i := range l {
		if l[i].hasClock && !l[i].hasZone {
			l[i].t, l[i].hasZone = l[i].t.In(zone), true
		}
	}
}

// pageZones returns the zone the page's zoneless times are read in and its local
// zone, in which the instants it declares in UTC are shown (nil when unknown). The
// local zone is, in order: a non-zero offset declared on one of its times, the zone
// named beside a shown clock that a zoneless declared time confirms (shownZone), the
// offset between a shown local clock and a zoneless declared time that is the UTC
// instant (naiveOffset; those times are then read as UTC instants), the zone of a
// one-zone language (Korean, Japanese, Chinese). Zoneless times are read in the
// first offset declared on any of the page's times, else in the local zone.
func pageZones(vis []textDate, pub, mod []stamp, lang string) (zone, local *time.Location) {
	zone = declaredZone(pub, mod)
	local = declaredLocal(pub, mod)
	if local == nil && zone == nil {
		local = shownZone(vis, pub, mod)
	}
	if local == nil && zone == nil {
		if off, ok := naiveOffset(vis, pub, mod); ok {
			// The page shows local time and declares the UTC instant without saying so.
			local = time.FixedZone("", off)
			fromUTC(pub, local)
			fromUTC(mod, local)
		}
	}
	if local == nil {
		local = langZone[lang]
	}
	if zone == nil {
		zone = local
	}
	return zone, local
}

// zonelessClocks returns the wall clocks of the zoneless times the page shows (vis)
// and declares (lists), to the second where declared.
func zonelessClocks(vis []textDate, lists ...[]stamp) []time.Time {
	var clocks []time.Time
	for _, v := range vis {
		if v.hasClock && v.zone == nil {
			clocks = append(clocks, time.Date(v.year, v.month, v.day, v.hour, v.min, v.sec, 0, time.UTC))
		}
	}
	for _, l := range lists {
		for _, m := range l {
			if m.hasClock && !m.hasZone {
				clocks = append(clocks, m.t)
			}
		}
	}
	return clocks
}

// clockOffset returns the offset, in seconds, at which the instant t reads as one of
// clocks (the same minute and second on a day next to it): the page's local clock
// of that instant ("2023-11-08 23:30:59" for "2023-11-09T05:30:59Z" is -06:00). Only
// offsets some zone uses count (realOffset).
func clockOffset(t time.Time, clocks []time.Time) (int, bool) {
	u := t.UTC()
	wall := time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, time.UTC)
	for _, c := range clocks {
		if d := c.Sub(wall); d != 0 && realOffset(d) {
			return int(d / time.Second), true
		}
	}
	return 0, false
}

// realOffset reports whether d is a UTC offset some zone uses: whole hours from -12
// to +14, and the half and three-quarter hours of India, Iran, Afghanistan, Myanmar,
// Nepal, central Australia, Newfoundland and the Marquesas.
func realOffset(d time.Duration) bool {
	if d%time.Hour == 0 {
		return d >= -12*time.Hour && d <= 14*time.Hour
	}
	switch m := int(d / time.Minute); m {
	case -570, -210, 210, 270, 330, 345, 390, 525, 570, 630, 765:
		return true
	}
	return false
}

// declaredLocal returns the first non-zero offset the page declares on a time with
// a clock: its local zone. Nil when every declared offset is UTC's.
func declaredLocal(lists ...[]stamp) *time.Location {
	for _, l := range lists {
		for _, s := range l {
			if _, off := s.t.Zone(); s.hasZone && s.hasClock && off != 0 {
				return time.FixedZone("", off)
			}
		}
	}
	return nil
}

// localize returns w, an instant declared in UTC, as the same instant in the page's
// local zone: at the offset where it reads as one of the page's zoneless clocks
// (clockOffset), else in local when known, else at the offset nearest UTC (whole
// hours, -12 to +14) that puts it on the first of days (the shown dateline's day, the
// URL's date) it can fall on, when it is on none of them in UTC. A day-only date, a
// time declared with another offset and a time nothing places are returned as they
// are: the published day is the page's own local day, never the day a conversion to
// UTC gives (repubblica.it, wordpress.com, kas.de, ktla.com, twincities.com,
// mercurynews.com in the dev corpora).
func localize(w *when, local *time.Location, clocks []time.Time, days []textDate) *when {
	if w == nil || w.day {
		return w
	}
	if _, off := w.t.Zone(); off != 0 {
		return w
	}
	if off, ok := clockOffset(w.t, clocks); ok {
		return &when{t: w.t.In(time.FixedZone("", off))}
	}
	if local != nil {
		if _, off := w.t.In(local).Zone(); off != 0 {
			return &when{t: w.t.In(local)}
		}
	}
	for _, d := range days {
		if onDay(w.t, d) {
			return w
		}
	}
	for _, d := range days {
		for h := 1; h <= 14; h++ {
			for _, off := range [...]int{h, -h} {
				if z := time.FixedZone("", off*3600); off >= -12 && onDay(w.t.In(z), d) {
					return &when{t: w.t.In(z)}
				}
			}
		}
	}
	return w
}

// declaredZone returns the offset the page declares on its zoned times, used for
// times given without one; nil when none is declared.
func declaredZone(lists ...[]stamp) *time.Location {
	for _, l := range lists {
		for _, s := range l {
			if s.hasZone && s.hasClock {
				_, off := s.t.Zone()
				return time.FixedZone("", off)
			}
		}
	}
	return nil
}

// inZone returns the stamp's time. A zoneless clock time is read in zone; with no
// zone it is unknowable to the hour, and only its day is kept (dayOf), as for a
// date without a clock (in its own zone when it declares one).
func inZone(s stamp, zone *time.Location) *when {
	t := s.t
	switch {
	case s.hasZone && s.hasClock:
		return &when{t: t}
	case s.hasZone:
		return dayOf(t.Year(), t.Month(), t.Day(), t.Location())
	case !s.hasClock || zone == nil:
		return dayOf(t.Year(), t.Month(), t.Day(), zone)
	}
	return &when{t: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), zone)}
}

// plausible drops times before 1995 or more than two days after the fetch.
func plausible(in []stamp, fetched time.Time) []stamp {
	out := in[:0]
	for _, s := range in {
		if s.t.Year() < 1995 || (!fetched.IsZero() && s.t.After(fetched.Add(48*time.Hour))) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// appendStamp parses a declared date string and appends it when valid.
func (l *lexicon) appendStamp(list []stamp, s string) []stamp {
	if st, ok := l.parseStamp(s); ok {
		return append(list, st)
	}
	return list
}

// isoLayouts are the machine date forms tried before the general parser.
var isoLayouts = [...]struct {
	layout          string
	hasClock, hasTZ bool
}{
	{time.RFC3339Nano, true, true},
	{"2006-01-02T15:04:05Z0700", true, true},
	{"2006-01-02T15:04Z07:00", true, true},
	{"2006-01-02T15:04:05.999999999", true, false},
	{"2006-01-02T15:04", true, false},
	{"2006-01-02 15:04:05Z07:00", true, true},
	{"2006-01-02 15:04:05 -0700", true, true},
	{"2006-01-02 15:04:05.999999999", true, false},
	{"2006-01-02 15:04", true, false},
	{"2006-01-02", false, false},
}

// parseStamp parses a declared date: ISO 8601 / RFC 3339 forms, Unix seconds or
// milliseconds, then any form dateparse knows.
func (l *lexicon) parseStamp(s string) (stamp, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 8 || len(s) > 64 {
		return stamp{}, false
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l.layout, s); err == nil {
			return stamp{t: t, hasClock: l.hasClock, hasZone: l.hasTZ}, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n > 1e11 && n < 1e14:
			return stamp{t: time.UnixMilli(n).UTC(), hasClock: true, hasZone: true}, true
		case n > 6e8 && n < 5e9:
			return stamp{t: time.Unix(n, 0).UTC(), hasClock: true, hasZone: true}, true
		}
		return stamp{}, false
	}
	if d, ok := l.parseTextDate(s, false); ok && d.hasClock && d.zone != nil {
		return stamp{t: time.Date(d.year, d.month, d.day, d.hour, d.min, d.sec, 0, d.zone), hasClock: true, hasZone: true}, true
	}
	t, err := dateparse.ParseIn(s, time.UTC, dateparse.SimpleErrorMessages(true))
	if err != nil {
		return stamp{}, false
	}
	layout, _ := dateparse.ParseFormat(s, dateparse.SimpleErrorMessages(true))
	hasZone := strings.Contains(layout, "07") || strings.Contains(layout, "MST") || strings.HasSuffix(layout, "Z")
	hasClock := strings.Contains(layout, "15") || strings.Contains(layout, "03") || strings.Contains(layout, ":04")
	return stamp{t: t, hasClock: hasClock, hasZone: hasZone}, true
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
