package story

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Kinds of origin declarations: how a copy says where the story comes from.
const (
	// DeclaredCanonical: the copy's canonical link is on another site than its URL.
	DeclaredCanonical = "canonical"
	// DeclaredLine: a line of the body says so ("This article originally appeared on
	// ...", "The post ... appeared first on ...", "Republished with permission from
	// ...").
	DeclaredLine = "originally_appeared"
	// DeclaredWire: a wire organisation is credited (the article's organisation, a
	// dateline such as "LONDON (Reuters) -", or a wire's copyright line).
	DeclaredWire = "wire_credit"
)

// Declaration is one copy's statement of the story's origin.
type Declaration struct {
	Kind string `json:"kind"`
	// Name is the source as the copy names it ("The Conversation", "Associated
	// Press", or a host name).
	Name string `json:"name"`
	// Site is the source's site when the declaration gives one (a link or host name,
	// or a wire's own site), "" otherwise.
	Site string `json:"site,omitempty"`
}

// wire is a wire organisation: its name, the spellings of its credit, its sites.
type wire struct {
	name    string
	aliases []string
	sites   []string
}

// wires are the news agencies whose credit declares a story's origin. Aliases are
// lower-case; the short ones are matched only as a whole credit or inside a dateline.
var wires = []wire{
	{"Associated Press", []string{"associated press", "the associated press", "ap"}, []string{"apnews.com", "ap.org"}},
	{"Reuters", []string{"reuters", "thomson reuters"}, []string{"reuters.com"}},
	{"Agence France-Presse", []string{"afp", "agence france-presse", "agence france presse"}, []string{"afp.com"}},
	{"Bloomberg", []string{"bloomberg", "bloomberg news"}, []string{"bloomberg.com"}},
	{"United Press International", []string{"upi", "united press international"}, []string{"upi.com"}},
	{"dpa", []string{"dpa", "deutsche presse-agentur"}, []string{"dpa.com"}},
	{"EFE", []string{"efe", "agencia efe"}, []string{"efe.com"}},
	{"ANSA", []string{"ansa"}, []string{"ansa.it"}},
	{"Kyodo News", []string{"kyodo", "kyodo news"}, []string{"kyodonews.net"}},
	{"Xinhua", []string{"xinhua", "xinhua news agency"}, []string{"xinhuanet.com", "news.cn"}},
	{"Yonhap", []string{"yonhap", "yonhap news agency"}, []string{"yna.co.kr"}},
	{"The Canadian Press", []string{"the canadian press", "canadian press"}, []string{"thecanadianpress.com"}},
	{"Australian Associated Press", []string{"australian associated press", "aap"}, []string{"aap.com.au"}},
	{"Press Trust of India", []string{"press trust of india", "pti"}, []string{"ptinews.com"}},
	{"PA Media", []string{"pa media", "press association"}, []string{"pamediagroup.com"}},
}

func wireByAlias(name string) *wire {
	n := normName(name)
	for i := range wires {
		if slices.Contains(wires[i].aliases, n) {
			return &wires[i]
		}
	}
	return nil
}

func wireBySite(site string) *wire {
	for i := range wires {
		for _, s := range wires[i].sites {
			if site == s || strings.HasSuffix(site, "."+s) {
				return &wires[i]
			}
		}
	}
	return nil
}

// Patterns of declaration lines, tried on the first two and last three paragraphs of
// a body that are at most maxDeclarationLine bytes long (a declaration is a line of
// its own, not a sentence of the story: "the virus first appeared in Wuhan" is not
// one). Each captures the source and what follows it.
var (
	declarationLines = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^(?:this (?:article|story|post|piece|report|column|essay|op-ed) )?(?:was |is )?(?:originally|first) (?:published|appeared|posted|ran)(?: (?:on|in|at|by))? (.+)$`),
		regexp.MustCompile(`(?i)(?:^|[.!?] )the post .+ appeared first on (.+)$`),
		regexp.MustCompile(`(?i)^this (?:article|story|post|piece|report) (?:is|was|has been) (?:re)?(?:published|printed|posted) (?:here )?(?:with (?:the )?permission )?(?:from|by|courtesy of) (.+)$`),
		regexp.MustCompile(`(?i)^(?:reprinted|republished|reposted) (?:here )?(?:with (?:the )?permission )?(?:from|of|by|courtesy of) (.+)$`),
		regexp.MustCompile(`(?i)^(?:this (?:article|story|report) was )?produced by (.+)$`),
	}
	// dateline is a wire dateline: "WASHINGTON (AP) —", "LONDON (Reuters) -".
	dateline = regexp.MustCompile(`^[\p{Lu}][\p{Lu}\p{L}., '’-]{0,60}\(([\p{L} .-]{2,30})\)\s*[-–—]`)
	// copyrightLine is a wire's copyright: "Copyright 2019 The Associated Press. All
	// rights reserved." (a republisher's own copyright names itself, not a wire).
	copyrightLine = regexp.MustCompile(`(?i)^(?:copyright|©|\(c\))\s*(?:©\s*)?\d{4},?\s+(.+?)[.,]`)
	// sourceEnd cuts a captured source where its name ends.
	sourceEnd = regexp.MustCompile(`(?i)\s+(?:under|on \w+ \d|on (?:january|february|march|april|may|june|july|august|september|october|november|december)|in (?:its|their|the) (?:print|online)|and is|and was|with permission|as part|and has|, and)\b|[,;:(]|\.(?:\s|$)|\s[-–—]\s`)
	hostLike  = regexp.MustCompile(`(?i)^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:/\S*)?$`)
	// notASource is what a declaration line may name that is no publisher: a time
	// ("First published on Tue 19 Nov 2019"), a medium ("in print").
	notASource = regexp.MustCompile(`(?i)\d|^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b|^(?:print|paper|today|yesterday|here|this|our|an?)\b`)
)

const maxDeclarationLine = 300

// Declarations returns what a copy declares of its story's origin: a canonical link to
// another site, "originally appeared on" lines, and wire credits, each source once.
func Declarations(a *schema.Article) []Declaration {
	var out []Declaration
	add := func(d Declaration) {
		if d.Name == "" || slices.ContainsFunc(out, func(o Declaration) bool { return sameSource(o, d) }) {
			return
		}
		out = append(out, d)
	}
	if a.CanonicalURL != "" && a.URL != "" {
		if c, u := siteOfURL(a.CanonicalURL), siteOfURL(a.URL); c != "" && u != "" && c != u {
			add(Declaration{Kind: DeclaredCanonical, Name: c, Site: c})
		}
	}
	if w := wireByAlias(a.Organization); w != nil {
		add(wireDeclaration(w))
	}
	paras := bodyParagraphs(a.BodyText)
	for i, p := range paras {
		if i >= 2 && i < len(paras)-3 {
			continue
		}
		if i == 0 && strings.Contains(p[:min(len(p), 80)], "(") {
			if m := dateline.FindStringSubmatch(p); m != nil {
				if w := wireByAlias(m[1]); w != nil {
					add(wireDeclaration(w))
				}
			}
		}
		if len(p) > maxDeclarationLine || !mayDeclare(p) {
			continue
		}
		if m := copyrightLine.FindStringSubmatch(p); m != nil {
			if w := wireByAlias(m[1]); w != nil {
				add(wireDeclaration(w))
			}
			continue
		}
		for _, re := range declarationLines {
			if m := re.FindStringSubmatch(p); m != nil {
				if d, ok := sourceDeclaration(m[1]); ok {
					add(d)
				}
				break
			}
		}
	}
	return out
}

// declarationWords are words every declaration line or copyright line has, looked
// for before the patterns are tried.
var declarationWords = []string{"appeared", "published", "posted", "ran ", "printed", "produced", "copyright", "©", "(c)"}

func mayDeclare(p string) bool {
	p = strings.ToLower(p)
	for _, w := range declarationWords {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

func wireDeclaration(w *wire) Declaration {
	return Declaration{Kind: DeclaredWire, Name: w.name, Site: w.sites[0]}
}

// sourceDeclaration reads the source a declaration line names: a host name or URL, or
// a name of at most six words.
func sourceDeclaration(s string) (Declaration, bool) {
	if loc := sourceEnd.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ".!?'\"”’"))
	if s == "" || len(strings.Fields(s)) > 6 {
		return Declaration{}, false
	}
	if m := hostLike.FindStringSubmatch(s); m != nil {
		site := strings.ToLower(m[1])
		if w := wireBySite(site); w != nil {
			return wireDeclaration(w), true
		}
		return Declaration{Kind: DeclaredLine, Name: site, Site: site}, true
	}
	if w := wireByAlias(s); w != nil {
		d := wireDeclaration(w)
		d.Kind = DeclaredLine
		return d, true
	}
	if notASource.MatchString(s) {
		return Declaration{}, false
	}
	return Declaration{Kind: DeclaredLine, Name: s}, true
}

func bodyParagraphs(body string) []string {
	var out []string
	for _, p := range strings.Split(body, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func siteOfURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), "www.")
}

// normName lower-cases a name, drops a leading "the" and keeps letters and digits
// separated by single spaces.
func normName(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) > 1 && f[0] == "the" {
		f = f[1:]
	}
	return strings.Join(f, " ")
}

func sameSource(a, b Declaration) bool {
	return sourceKey(a, nil) == sourceKey(b, nil)
}

// Origin statuses (the schema's, see schema.StoryOrigin).
const (
	// OriginEarliest: no copy declares an origin; the origin is the copy published
	// first.
	OriginEarliest = schema.StoryOriginEarliest
	// OriginDeclared: the copies that declare an origin agree on one source; the
	// origin is that source's copy when one is stored (else only the source is known).
	OriginDeclared = schema.StoryOriginDeclared
	// OriginConflict: the evidence disagrees (copies declare different sources, or
	// copies of several sites could each have been published first); no origin is
	// chosen and the candidates are listed.
	OriginConflict = schema.StoryOriginConflict
	// OriginUnknown: several copies, no declaration and no publication time.
	OriginUnknown = schema.StoryOriginUnknown
)

// Member is what Resolve needs of one copy.
type Member struct {
	ArticleID string
	Site      string
	SiteName  string
	// Published is the copy's publication time, nil when unknown; DayOnly when only
	// its date is known (Published is then 12:00 of that date in the page's zone).
	Published *time.Time
	DayOnly   bool
	Declared  []Declaration
}

// Origin is where a story comes from, as the evidence of its copies tells: the
// schema's StoryOrigin, which story updates carry.
type Origin = schema.StoryOrigin

// Resolve decides the origin of a story from its copies. When copies declare an
// origin, their declarations decide: one source (declarations naming a wire, its
// site or a copy's site name count as one) gives OriginDeclared, with the earliest
// stored copy of that source (by id when undated) as the origin article; several give
// OriginConflict.
// Without declarations the origin is the copy published first: publication times
// are intervals (a day-only date covers its whole day), and when copies of several
// sites could each be first, the status is OriginConflict. Copies without a time do
// not take part; a story of one copy that declares nothing is its own origin.
func Resolve(members []Member) Origin {
	if len(members) == 0 {
		return Origin{Status: OriginUnknown}
	}
	if len(members) == 1 && len(members[0].Declared) == 0 {
		return Origin{Status: OriginEarliest, ArticleID: members[0].ArticleID}
	}
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b Member) int { return strings.Compare(a.ArticleID, b.ArticleID) })
	type source struct {
		key, name string
		copies    int
	}
	var sources []source
	for _, m := range ms {
		for _, d := range m.Declared {
			k := sourceKey(d, ms)
			i := slices.IndexFunc(sources, func(s source) bool { return s.key == k })
			if i < 0 {
				sources = append(sources, source{key: k, name: d.Name})
				i = len(sources) - 1
			}
			sources[i].copies++
		}
	}
	switch {
	case len(sources) == 1:
		o := Origin{Status: OriginDeclared, Source: sources[0].name}
		var of []Member
		for _, m := range ms {
			if belongs(m, sources[0].key) {
				of = append(of, m)
			}
		}
		if first := earliest(of); len(first) > 0 {
			o.ArticleID = first[0].ArticleID
		} else if len(of) > 0 {
			o.ArticleID = of[0].ArticleID // the source's copies are undated: the first by id
		}
		return o
	case len(sources) > 1:
		o := Origin{Status: OriginConflict}
		for _, s := range sources {
			o.Candidates = append(o.Candidates, s.name)
		}
		slices.Sort(o.Candidates)
		o.Source = strings.Join(o.Candidates, ", ")
		return o
	}
	first := earliest(ms)
	if len(first) == 0 {
		return Origin{Status: OriginUnknown}
	}
	if slices.ContainsFunc(first, func(m Member) bool { return m.Site != first[0].Site }) {
		o := Origin{Status: OriginConflict}
		for _, m := range first {
			o.Candidates = append(o.Candidates, m.ArticleID)
		}
		return o
	}
	return Origin{Status: OriginEarliest, ArticleID: first[0].ArticleID}
}

// earliest returns the dated members that could have been published first (those
// whose interval starts no later than the earliest end of any interval), sorted by
// start then id; none when no member has a time.
func earliest(ms []Member) []Member {
	type span struct {
		m      Member
		lo, hi time.Time
	}
	var spans []span
	for _, m := range ms {
		if m.Published == nil {
			continue
		}
		lo, hi := *m.Published, *m.Published
		if m.DayOnly {
			lo, hi = lo.Add(-12*time.Hour), hi.Add(12*time.Hour)
		}
		spans = append(spans, span{m, lo, hi})
	}
	if len(spans) == 0 {
		return nil
	}
	// A day-only interval ends before its next midnight, so it is surely earlier
	// than a time at that midnight; an exact time ties with another at its instant.
	minHi, closed := spans[0].hi, !spans[0].m.DayOnly
	for _, s := range spans[1:] {
		switch {
		case s.hi.Before(minHi):
			minHi, closed = s.hi, !s.m.DayOnly
		case s.hi.Equal(minHi):
			closed = closed && !s.m.DayOnly
		}
	}
	var out []span
	for _, s := range spans {
		if s.lo.Before(minHi) || (closed && s.lo.Equal(minHi)) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b span) int { return a.lo.Compare(b.lo) })
	first := make([]Member, len(out))
	for i, s := range out {
		first[i] = s.m
	}
	return first
}

// sourceKey names the source of a declaration so that one source spelled several
// ways has one key: a wire by name, alias or site is "wire:<name>"; a site is
// "site:<host>"; a name that is the site name of one of ms is that copy's site;
// another name is "name:<normalised name>".
func sourceKey(d Declaration, ms []Member) string {
	if d.Site != "" {
		if w := wireBySite(d.Site); w != nil {
			return "wire:" + w.name
		}
		return "site:" + d.Site
	}
	if w := wireByAlias(d.Name); w != nil {
		return "wire:" + w.name
	}
	n := normName(d.Name)
	for _, m := range ms {
		if m.SiteName != "" && normName(m.SiteName) == n {
			return sourceKey(Declaration{Site: m.Site}, nil)
		}
	}
	return "name:" + n
}

// belongs reports whether m is a copy published by the source of key.
func belongs(m Member, key string) bool {
	kind, v, _ := strings.Cut(key, ":")
	switch kind {
	case "wire":
		w := wireBySite(m.Site)
		return w != nil && w.name == v
	case "site":
		return m.Site == v || strings.HasSuffix(m.Site, "."+v)
	default:
		return m.SiteName != "" && normName(m.SiteName) == v
	}
}
