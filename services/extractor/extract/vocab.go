package extract

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The words the extractor reads pages by (byline prefixes, job titles, month and
// weekday names, dateline verbs, "updated" labels, ...) are data: one file per
// language in lang/<code>.json, loaded once. A page is read with the vocabulary of
// its language (Article.Language, declared or detected) together with the fallback
// set: English's, whose labels international templates put on pages of every
// language, and common.json's, which holds no words of a language but names of
// agencies and brands, name particles ("van", "de", "al": names travel between
// languages) and separators. A page in a language without a file, or of unknown
// language, gets the fallback set alone; no page gets every language's words, but
// for the full month names: a month written out in any language is that month
// wherever its own and the fallback languages do not name it otherwise (a date
// quoted from another language, a page whose language is misdetected:
// "06 Dicembre 2020" on lagazzettadelmezzogiorno.it, detected as Spanish). Only
// language detection reads the function words of every file: it must tell the
// languages apart.
//
//go:embed lang/*.json
var langFiles embed.FS

// vocabFile is the layout of a lang/<code>.json file.
type vocabFile struct {
	BylinePrefixes []string       `json:"byline_prefixes"`  // open a credit line ("by ", "von ")
	NameSeparators []string       `json:"name_separators"`  // split a credit into names (" and ")
	RoleWords      []string       `json:"role_words"`       // a credit part that is a job title
	OrgWords       []string       `json:"org_words"`        // a credit that names an organisation
	DeskWords      []string       `json:"desk_words"`       // end a credit that names a desk ("Staff")
	NameParticles  []string       `json:"name_particles"`   // lower-case words inside a name
	NameTrailers   []string       `json:"name_trailers"`    // cut what follows a name (" for ")
	Credentials    []string       `json:"credentials"`      // credentials after a name ("phd")
	RolesAfterName []string       `json:"roles_after_name"` // job titles written after a name ("기자")
	Weekdays       []string       `json:"weekdays"`         // weekday names
	Months         []string       `json:"months"`           // each: the 12 month names, space-separated
	ExtraMonths    map[string]int `json:"extra_months"`     // other month abbreviations ("sept")
	NameLikeMonths []string       `json:"name_like_months"` // months that are also names ("may")
	DatelineVerbs  []string       `json:"dateline_verbs"`   // open a dateline after a name ("updated")
	UpdatedWords   []string       `json:"updated_words"`    // open a visible update stamp
	SectionLabels  []string       `json:"section_labels"`   // one-word section prefixes of a title
	UILabels       []string       `json:"ui_labels"`        // interface labels next to a byline ("follow")
	FunctionWords  string         `json:"function_words"`   // frequent short words, for detection
}

// vocab is the merged vocabulary a page is read with.
type vocab struct {
	bylinePrefixes []string // longest first
	nameSeps       []string
	nameTrailers   []string
	rolesAfterName []string // longest first
	updatedWords   []string
	uiLabels       []string // longest first
	roleWords      map[string]bool
	orgWords       map[string]bool
	deskWords      map[string]bool
	particles      map[string]bool
	credentials    map[string]bool
	weekdays       map[string]bool
	nameLikeMonths map[string]bool
	datelineVerbs  map[string]bool
	sectionLabels  map[string]bool
	functionWords  map[string]bool // articles, prepositions, ...: never a label of their own
	months         map[string]time.Month
}

// fallbackLangs are the vocabularies every page is read with, after its own.
var fallbackLangs = [...]string{"en", "common"}

var (
	// langData holds every file, by language code; vocabs the merged vocabulary of
	// each language with a file, and fallbackVocab that of the fallback set alone.
	langData      = loadLangFiles()
	vocabs        = map[string]*vocab{}
	fallbackVocab = mergeVocab("")
)

func init() {
	for code := range langData {
		if code != "common" {
			vocabs[code] = mergeVocab(code)
		}
	}
}

// vocabFor returns the vocabulary a page in language lang is read with.
func vocabFor(lang string) *vocab {
	if v, ok := vocabs[lang]; ok {
		return v
	}
	if lang == "nb" || lang == "nn" {
		return vocabs["no"]
	}
	return fallbackVocab
}

func loadLangFiles() map[string]*vocabFile {
	files, err := langFiles.ReadDir("lang")
	if err != nil {
		panic(err)
	}
	out := map[string]*vocabFile{}
	for _, f := range files {
		b, err := langFiles.ReadFile(path.Join("lang", f.Name()))
		if err != nil {
			panic(err)
		}
		var v vocabFile
		if err := json.Unmarshal(b, &v); err != nil {
			panic(fmt.Sprintf("extract: lang/%s: %v", f.Name(), err))
		}
		out[strings.TrimSuffix(f.Name(), ".json")] = &v
	}
	return out
}

// mergeVocab merges the file of lang (none for "") with the fallback files, lang's
// words first (a month abbreviation two languages share is lang's).
func mergeVocab(lang string) *vocab {
	v := &vocab{roleWords: map[string]bool{}, orgWords: map[string]bool{}, deskWords: map[string]bool{},
		particles: map[string]bool{}, credentials: map[string]bool{}, weekdays: map[string]bool{},
		nameLikeMonths: map[string]bool{}, datelineVerbs: map[string]bool{}, sectionLabels: map[string]bool{},
		functionWords: map[string]bool{}, months: map[string]time.Month{}}
	codes := fallbackLangs[:]
	if lang != "" {
		codes = append([]string{lang}, codes...)
	}
	set := func(m map[string]bool, words []string) {
		for _, w := range words {
			m[w] = true
		}
	}
	add := func(l []string, words []string) []string {
		for _, w := range words {
			if !slices.Contains(l, w) {
				l = append(l, w)
			}
		}
		return l
	}
	for _, code := range codes {
		f := langData[code]
		if f == nil {
			continue
		}
		v.bylinePrefixes = add(v.bylinePrefixes, f.BylinePrefixes)
		v.nameSeps = add(v.nameSeps, f.NameSeparators)
		v.nameTrailers = add(v.nameTrailers, f.NameTrailers)
		v.rolesAfterName = add(v.rolesAfterName, f.RolesAfterName)
		v.updatedWords = add(v.updatedWords, f.UpdatedWords)
		v.uiLabels = add(v.uiLabels, f.UILabels)
		set(v.roleWords, f.RoleWords)
		set(v.orgWords, f.OrgWords)
		set(v.deskWords, f.DeskWords)
		set(v.particles, f.NameParticles)
		set(v.credentials, f.Credentials)
		set(v.weekdays, f.Weekdays)
		set(v.nameLikeMonths, f.NameLikeMonths)
		set(v.datelineVerbs, f.DatelineVerbs)
		set(v.sectionLabels, f.SectionLabels)
		set(v.functionWords, strings.Fields(f.FunctionWords))
		for _, l := range f.Months {
			for i, name := range strings.Fields(l) {
				mo := time.Month(i + 1)
				if _, taken := v.months[name]; !taken {
					v.months[name] = mo
				}
				// A name's first three letters abbreviate it, unless another
				// month took them.
				if r := []rune(name); len(r) > 3 {
					if _, taken := v.months[string(r[:3])]; !taken {
						v.months[string(r[:3])] = mo
					}
				}
			}
		}
		for w, n := range f.ExtraMonths {
			v.months[w] = time.Month(n)
		}
	}
	// The full month names of every other language, where the ones above do not
	// name them otherwise (see the package doc).
	for _, code := range slices.Sorted(maps.Keys(langData)) {
		for _, l := range langData[code].Months {
			for i, name := range strings.Fields(l) {
				if _, taken := v.months[name]; !taken {
					v.months[name] = time.Month(i + 1)
				}
			}
		}
	}
	byLen := func(a, b string) int { return utf8.RuneCountInString(b) - utf8.RuneCountInString(a) }
	slices.SortStableFunc(v.bylinePrefixes, byLen)
	slices.SortStableFunc(v.rolesAfterName, byLen)
	slices.SortStableFunc(v.uiLabels, byLen)
	return v
}

// lexicon is what a page is read with: the vocabulary of its language and the
// extraction's parameters.
type lexicon struct {
	*vocab
	par *Params
}
