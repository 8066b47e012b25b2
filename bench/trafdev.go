package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// TrafEntry is one page of trafilatura's evaluation set (trafilatura-dev/truth.json)
// with its raw bytes.
type TrafEntry struct {
	ID string
	// URL is the annotated URL, "" for the entries keyed by a pseudo-id; the
	// extractors never get it (trafilatura's evaluation passes no URL).
	URL     string
	Key     string
	Raw     []byte
	With    []string
	Without []string
	// Title, Author and Date are the gold metadata; "" when absent or null.
	// Author has a list of names already joined with "; ".
	Title, Author, Date string
}

// LoadTrafCorpus reads truth.json and html/<id>.html.gz from dir, sorted by id.
// It returns ErrNoData when dir has no truth.json.
func LoadTrafCorpus(dir string) ([]TrafEntry, error) {
	var truth map[string]struct {
		URL     *string         `json:"url"`
		Key     string          `json:"key"`
		With    []string        `json:"with"`
		Without []string        `json:"without"`
		Title   *string         `json:"title"`
		Author  json.RawMessage `json:"author"`
		Date    *string         `json:"date"`
	}
	if err := readTruth(dir, &truth); err != nil {
		return nil, err
	}
	out := make([]TrafEntry, 0, len(truth))
	for id, t := range truth {
		author, err := goldAuthor(t.Author)
		if err != nil {
			return nil, fmt.Errorf("trafilatura-dev %s: %w", id, err)
		}
		raw, err := readGzip(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, err
		}
		out = append(out, TrafEntry{ID: id, URL: deref(t.URL), Key: t.Key, Raw: raw, With: t.With, Without: t.Without,
			Title: deref(t.Title), Author: author, Date: deref(t.Date)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// readTruth decodes dir/truth.json into v, or returns ErrNoData when it is absent.
func readTruth(dir string, v any) error {
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNoData, dir)
	}
	if err != nil {
		return fmt.Errorf("reading truth: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", filepath.Join(dir, "truth.json"), err)
	}
	return nil
}

// goldAuthor turns the author field (null, a string or a list of strings) into
// the gold string eval_authors.py compares with: a list is joined with "; ".
func goldAuthor(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", fmt.Errorf("author is neither a string nor a list of strings: %s", raw)
	}
	return strings.Join(list, "; "), nil
}

// TrafMeta is a system's metadata for one page in trafilatura's terms: Author
// holds several names joined with "; "; Date as the system wrote it.
type TrafMeta struct {
	Title, Author, Date string
}

// TrafMetaPage says, per field, whether the page is scored (the gold value is
// non-empty) and whether the system got it right.
type TrafMetaPage struct {
	TitleScored, TitleOK   bool
	AuthorScored, AuthorOK bool
	DateScored, DateOK     bool
}

// ScoreTrafMeta scores one page's metadata as METRIC.md §2 says. Title: correct
// when PyNorm of both strings is equal. Author (eval_authors.py): correct when the
// strings are equal exactly. Date: the first 10 characters of each, when the
// system's date starts with DDDD-DD-DD; a page without a gold value is not scored
// for that field. A page without output (an error) passes the zero TrafMeta.
func ScoreTrafMeta(sys TrafMeta, gold TrafEntry) TrafMetaPage {
	var s TrafMetaPage
	if gold.Title != "" {
		s.TitleScored = true
		s.TitleOK = PyNorm(sys.Title) == PyNorm(gold.Title)
	}
	if gold.Author != "" {
		s.AuthorScored = true
		s.AuthorOK = sys.Author == gold.Author
	}
	if gold.Date != "" {
		s.DateScored = true
		d := DayOf(sys.Date)
		s.DateOK = d != "" && d == firstN(gold.Date, 10)
	}
	return s
}

var reDayPrefix = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)

// DayOf returns the first 10 characters of a date that starts with DDDD-DD-DD
// (digits), the calendar day as the system wrote it, or "" for anything else.
func DayOf(date string) string {
	if !reDayPrefix.MatchString(date) {
		return ""
	}
	return date[:10]
}

// firstN returns the first n bytes of s, or s when it is shorter.
func firstN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Tally counts correct answers over the pages a metric covers.
type Tally struct{ OK, N int }

// Add counts one scored page.
func (t *Tally) Add(ok bool) {
	t.N++
	if ok {
		t.OK++
	}
}

// Value is OK/N, 0 over no pages.
func (t Tally) Value() float64 { return ratio(t.OK, t.N) }

// TrafMetaScores are the corpus metadata figures: correct / total per field.
type TrafMetaScores struct{ Title, Author, Date Tally }

// Add counts one page's outcome.
func (s *TrafMetaScores) Add(p TrafMetaPage) {
	if p.TitleScored {
		s.Title.Add(p.TitleOK)
	}
	if p.AuthorScored {
		s.Author.Add(p.AuthorOK)
	}
	if p.DateScored {
		s.Date.Add(p.DateOK)
	}
}
