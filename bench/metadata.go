package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/newsjet/newsjet/pkg/schema"
)

func init() {
	RegisterReport("metadata", metadataReport)
}

// MetaTruth is one page's metadata label in metadata-truth.json.
type MetaTruth struct {
	Title      string            `json:"title"`
	Authors    []string          `json:"authors"`
	AuthorOrg  *string           `json:"author_is_org"`
	Published  *string           `json:"published"`
	Modified   *string           `json:"modified"`
	Language   string            `json:"language"`
	Confidence map[string]string `json:"confidence"`
}

// MetaPrediction is an extractor's metadata for one page, in the label's terms.
type MetaPrediction struct {
	Title     string
	Authors   []string
	Published string // ISO 8601, "" when none
	Modified  string
	Language  string
}

// PredictionOf converts an article to a prediction; a nil article predicts nothing.
func PredictionOf(a *schema.Article) MetaPrediction {
	if a == nil {
		return MetaPrediction{}
	}
	p := MetaPrediction{Title: a.Title, Authors: a.Authors, Language: a.Language}
	if a.PublishedAt != nil {
		p.Published = a.PublishedAt.Format(time.RFC3339)
	}
	if a.ModifiedAt != nil {
		p.Modified = a.ModifiedAt.Format(time.RFC3339)
	}
	return p
}

// MetaPageScore is one page's metadata score. A *bool is nil where the metric
// does not cover the page.
type MetaPageScore struct {
	TitleExact    bool
	TitleF1       float64
	AuthorsF1     float64
	PublishedDay  bool
	PublishedMin  *bool
	Language      bool
	ModifiedDay   *bool
	PersonAuthors bool // the label credits at least one person
}

// ScoreMetaPage scores one prediction against its label exactly as METADATA.md's
// "How to score" (and its reference script) says.
func ScoreMetaPage(pred MetaPrediction, gold MetaTruth) MetaPageScore {
	s := MetaPageScore{PersonAuthors: len(gold.Authors) > 0}
	s.TitleExact = normTitle(pred.Title) == normTitle(gold.Title)
	s.TitleF1 = multisetF1(titleTokens(pred.Title), titleTokens(gold.Title))
	s.AuthorsF1 = multisetF1(nameSet(pred.Authors), nameSet(gold.Authors))
	s.PublishedDay, s.PublishedMin = scoreDate(pred.Published, deref(gold.Published))
	if gold.Modified != nil {
		day, _ := scoreDate(pred.Modified, *gold.Modified)
		s.ModifiedDay = &day
	}
	lang := strings.ToLower(pred.Language)
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	s.Language = lang == gold.Language
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// quoteFold folds quotes, dashes, the ellipsis and NBSP as the label rules do.
var quoteFold = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'", "\u2032", "'", "\u00b4", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u201f", `"`, "\u2033", `"`, "\u00ab", `"`, "\u00bb", `"`,
	"\u2013", "-", "\u2014", "-", "\u2212", "-", "\u2026", "...", "\u00a0", " ",
)

// normTitle applies NFKC, the folding and whitespace collapsing (case kept).
func normTitle(s string) string {
	s = quoteFold.Replace(norm.NFKC.String(s))
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// titleTokens returns the case-folded \w+ tokens of a normalised title.
func titleTokens(s string) []string {
	return Tokens(cases.Fold().String(normTitle(s)))
}

var (
	reByPrefix = regexp.MustCompile(`^\s*(by|von|par|por)\s+`)
	reNonWord  = regexp.MustCompile(`[^\p{L}\p{N}]+`)
)

// normName normalises an author name: NFKC, case-folded, a leading "by" removed,
// punctuation and underscores as spaces.
func normName(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	s = reByPrefix.ReplaceAllString(s, "")
	return strings.TrimSpace(reNonWord.ReplaceAllString(s, " "))
}

// nameSet returns the distinct non-empty normalised names.
func nameSet(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if k := normName(n); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// multisetF1 is the F1 of two token multisets: 1 when both are empty, 0 when one is.
func multisetF1(pred, gold []string) float64 {
	if len(pred) == 0 && len(gold) == 0 {
		return 1
	}
	if len(pred) == 0 || len(gold) == 0 {
		return 0
	}
	left := map[string]int{}
	for _, t := range gold {
		left[t]++
	}
	common := 0
	for _, t := range pred {
		if left[t] > 0 {
			left[t]--
			common++
		}
	}
	if common == 0 {
		return 0
	}
	p, r := float64(common)/float64(len(pred)), float64(common)/float64(len(gold))
	return 2 * p * r / (p + r)
}

// isoDate is a parsed label or prediction date.
type isoDate struct {
	local   string     // the date as written, YYYY-MM-DD
	t       *time.Time // nil for a date-only value
	hasZone bool
}

var reDateOnly = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)

// parseISO parses an ISO 8601 date or date-time; ok is false for "" or junk.
func parseISO(s string) (isoDate, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return isoDate{}, false
	}
	if reDateOnly.MatchString(s) {
		return isoDate{local: s}, true
	}
	for _, l := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(l, s); err == nil {
			return isoDate{local: t.Format(time.DateOnly), t: &t, hasZone: l == time.RFC3339Nano}, true
		}
	}
	return isoDate{}, false
}

// scoreDate applies the published rules: day match (UTC dates when both sides have
// an offset, else the label date against the prediction's date as written or its UTC
// date) and, where both sides have a time, minute match of the UTC instants (a
// prediction without offset is read as UTC). A null label is matched only by a null
// prediction.
func scoreDate(pred, gold string) (day bool, minute *bool) {
	g, gok := parseISO(gold)
	p, pok := parseISO(pred)
	if !gok {
		return !pok, nil
	}
	if !pok {
		return false, nil
	}
	if g.t != nil && g.hasZone && p.t != nil {
		gu, pu := g.t.UTC(), p.t.UTC()
		day = gu.Format(time.DateOnly) == pu.Format(time.DateOnly)
		m := gu.Truncate(time.Minute).Equal(pu.Truncate(time.Minute))
		return day, &m
	}
	cands := []string{p.local}
	if p.t != nil {
		cands = append(cands, p.t.UTC().Format(time.DateOnly))
	}
	golds := []string{g.local}
	if g.t != nil && g.hasZone {
		golds = append(golds, g.t.UTC().Format(time.DateOnly))
	}
	for _, c := range cands {
		for _, gd := range golds {
			if c == gd {
				return true, nil
			}
		}
	}
	return false, nil
}

// MetaScores are the corpus metadata figures: means over the pages each covers.
type MetaScores struct {
	TitleExact, TitleF1, AuthorsF1, AuthorsPersonF1      Mean
	PublishedDay, PublishedMinute, Language, ModifiedDay Mean
}

// Mean is a running mean with its page count.
type Mean struct {
	Sum float64
	N   int
}

func (m *Mean) add(v float64) { m.Sum += v; m.N++ }

func (m *Mean) addBool(b bool) {
	if b {
		m.add(1)
	} else {
		m.add(0)
	}
}

// Value is the mean, 0 over no pages.
func (m Mean) Value() float64 {
	if m.N == 0 {
		return 0
	}
	return m.Sum / float64(m.N)
}

// ScoreMetadata scores every labelled page; a page without a prediction counts as
// an empty prediction.
func ScoreMetadata(truth map[string]MetaTruth, preds map[string]MetaPrediction) MetaScores {
	var s MetaScores
	for id, g := range truth {
		s.add(ScoreMetaPage(preds[id], g))
	}
	return s
}

// add counts one page's scores in the means that cover it.
func (s *MetaScores) add(ps MetaPageScore) {
	s.TitleExact.addBool(ps.TitleExact)
	s.TitleF1.add(ps.TitleF1)
	s.AuthorsF1.add(ps.AuthorsF1)
	if ps.PersonAuthors {
		s.AuthorsPersonF1.add(ps.AuthorsF1)
	}
	s.PublishedDay.addBool(ps.PublishedDay)
	if ps.PublishedMin != nil {
		s.PublishedMinute.addBool(*ps.PublishedMin)
	}
	s.Language.addBool(ps.Language)
	if ps.ModifiedDay != nil {
		s.ModifiedDay.addBool(*ps.ModifiedDay)
	}
}

// Print writes the figures, one per line, with the targets.
func (s MetaScores) Print(w io.Writer) {
	rows := []struct {
		name   string
		m      Mean
		target string
	}{
		{"title exact", s.TitleExact, ">= 0.95"},
		{"title token F1", s.TitleF1, ""},
		{"authors set-F1", s.AuthorsF1, ">= 0.90"},
		{"authors F1 (person pages)", s.AuthorsPersonF1, ""},
		{"published day", s.PublishedDay, ">= 0.95"},
		{"published minute", s.PublishedMinute, "all"},
		{"language", s.Language, ">= 0.98"},
		{"modified day", s.ModifiedDay, ""},
	}
	fmt.Fprintln(w, "metadata (newsjet):")
	for _, r := range rows {
		fmt.Fprintf(w, "  %-26s %.3f  (n=%d)  %s\n", r.name, r.m.Value(), r.m.N, r.target)
	}
}

// LoadMetaTruth reads metadata-truth.json.
func LoadMetaTruth(path string) (map[string]MetaTruth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading metadata truth: %w", err)
	}
	var t map[string]MetaTruth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	out := make(map[string]MetaTruth, len(t))
	for k, v := range t {
		out[trimPageExt(k)] = v
	}
	return out, nil
}

// trimPageExt drops a .html or .html.gz suffix from a page id.
func trimPageExt(id string) string {
	return strings.TrimSuffix(strings.TrimSuffix(id, ".gz"), ".html")
}

// metadataReport scores the newsjet articles against metadata-truth.json in dataDir;
// it prints nothing when the file is absent.
func metadataReport(w io.Writer, dataDir string, res SystemResult) error {
	path := filepath.Join(dataDir, "metadata-truth.json")
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	truth, err := LoadMetaTruth(path)
	if err != nil {
		return err
	}
	preds := make(map[string]MetaPrediction, len(res.Pages))
	for _, pr := range res.Pages {
		preds[trimPageExt(pr.Page.ID)] = PredictionOf(pr.Article)
	}
	ScoreMetadata(truth, preds).Print(w)
	return nil
}
