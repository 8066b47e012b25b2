package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// PageRecord is one page of one corpus in the per-page results file: where the
// page is grouped and what every system gave and scored on it.
type PageRecord struct {
	Corpus  string                  `json:"corpus"`
	ID      string                  `json:"id"`
	URL     string                  `json:"url,omitempty"`
	Key     string                  `json:"key,omitempty"`
	Site    string                  `json:"site"`
	Fold    int                     `json:"fold"`
	Systems map[string]SystemRecord `json:"systems"`
}

// SystemRecord is one system's output and scores on one page. Scores a corpus
// does not have are omitted.
type SystemRecord struct {
	Err string `json:"err,omitempty"`
	// TextLen is the body text's length in bytes and TextSHA256 the first 16 hex
	// digits of its sha256: enough to see whether a change altered the text.
	TextLen    int    `json:"text_len"`
	TextSHA256 string `json:"text_sha256,omitempty"`
	Title      string `json:"title,omitempty"`
	Author     string `json:"author,omitempty"`
	Date       string `json:"date,omitempty"`

	// AEB: the page's shingle scores and METADATA.md outcomes.
	F1            *float64 `json:"f1,omitempty"`
	P             *float64 `json:"p,omitempty"`
	R             *float64 `json:"r,omitempty"`
	TitleExact    *bool    `json:"title_exact,omitempty"`
	AuthorsF1     *float64 `json:"authors_f1,omitempty"`
	PublishedDay  *bool    `json:"published_day,omitempty"`
	PublishedMin  *bool    `json:"published_minute,omitempty"`
	LanguageMatch *bool    `json:"language,omitempty"`

	// trafilatura-dev: snippet counts, the failing snippets' indices, and the
	// metadata outcomes of the fields the page is scored on.
	Snippets    *Confusion `json:"snippets,omitempty"`
	MissedWith  []int      `json:"missed_with,omitempty"`
	KeptWithout []int      `json:"kept_without,omitempty"`
	TitleOK     *bool      `json:"title_ok,omitempty"`
	AuthorOK    *bool      `json:"author_ok,omitempty"`
	DateOK      *bool      `json:"date_ok,omitempty"`

	// htmldate-dev: "TP", "FP" or "FN".
	DateOutcome string `json:"date_outcome,omitempty"`
}

// WriteJSONL writes one PageRecord per line: the AEB pages, then trafilatura-dev,
// then htmldate-dev, each sorted by id, so that two runs diff line by line.
func (s *Suite) WriteJSONL(w io.Writer) error {
	enc := json.NewEncoder(w)
	write := func(recs []PageRecord) error {
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return fmt.Errorf("writing page records: %w", err)
			}
		}
		return nil
	}
	if err := write(s.aebRecords()); err != nil {
		return err
	}
	if err := write(s.trafRecords()); err != nil {
		return err
	}
	return write(s.dateRecords())
}

// outputRecord holds the fields every corpus records for a page's output.
func outputRecord(pr PageResult) SystemRecord {
	m := trafMetaOf(pr)
	rec := SystemRecord{TextLen: len(pr.Text), Title: m.Title, Author: m.Author, Date: m.Date}
	if pr.Err != nil {
		rec.Err = pr.Err.Error()
	}
	if pr.Text != "" {
		h := sha256.Sum256([]byte(pr.Text))
		rec.TextSHA256 = hex.EncodeToString(h[:8])
	}
	return rec
}

func (s *Suite) aebRecords() []PageRecord {
	a := s.AEB
	if a == nil {
		return nil
	}
	recs := make([]PageRecord, len(a.Pages))
	for i, p := range a.Pages {
		recs[i] = PageRecord{Corpus: CorpusAEB, ID: p.ID, URL: p.URL, Site: a.Sites[i], Fold: a.Folds[i], Systems: map[string]SystemRecord{}}
		for _, r := range a.Runs {
			pr := r.Pages[i]
			rec := outputRecord(pr)
			rec.F1, rec.P, rec.R = ptrTo(pr.Score.F1()), ptrTo(pr.Score.Precision()), ptrTo(pr.Score.Recall())
			if r.Meta != nil && r.Meta[i] != nil {
				m := r.Meta[i]
				rec.TitleExact, rec.AuthorsF1, rec.PublishedDay = ptrTo(m.TitleExact), ptrTo(m.AuthorsF1), ptrTo(m.PublishedDay)
				rec.PublishedMin, rec.LanguageMatch = m.PublishedMin, ptrTo(m.Language)
			}
			recs[i].Systems[r.System] = rec
		}
	}
	return recs
}

func (s *Suite) trafRecords() []PageRecord {
	t := s.Traf
	if t == nil {
		return nil
	}
	recs := make([]PageRecord, len(t.Entries))
	for i, e := range t.Entries {
		recs[i] = PageRecord{Corpus: CorpusTraf, ID: e.ID, URL: e.URL, Key: keyIfOther(e.Key, e.URL), Site: t.Sites[i], Fold: t.Folds[i],
			Systems: map[string]SystemRecord{}}
		for _, r := range t.Runs {
			rec := outputRecord(r.Pages[i])
			sp := r.Snip[i]
			rec.Snippets, rec.MissedWith, rec.KeptWithout = &sp.Confusion, sp.MissedWith, sp.KeptWithout
			if r.Meta != nil {
				m := r.Meta[i]
				rec.TitleOK, rec.AuthorOK, rec.DateOK = scoredPtr(m.TitleScored, m.TitleOK), scoredPtr(m.AuthorScored, m.AuthorOK),
					scoredPtr(m.DateScored, m.DateOK)
			}
			recs[i].Systems[r.Name] = rec
		}
	}
	return recs
}

func (s *Suite) dateRecords() []PageRecord {
	d := s.Date
	if d == nil {
		return nil
	}
	recs := make([]PageRecord, len(d.Entries))
	for i, e := range d.Entries {
		recs[i] = PageRecord{Corpus: CorpusDate, ID: e.ID, URL: e.URL, Key: keyIfOther(e.Key, e.URL), Site: d.Sites[i], Fold: d.Folds[i],
			Systems: map[string]SystemRecord{}}
		for _, r := range d.Runs {
			rec := outputRecord(r.Pages[i])
			rec.Date = r.Days[i]
			rec.DateOutcome = dateOutcome(r.Counts[i])
			recs[i].Systems[r.Name] = rec
		}
	}
	return recs
}

// keyIfOther returns the entry key when it says more than the URL.
func keyIfOther(key, url string) string {
	if key == url || strings.TrimSpace(key) == "" {
		return ""
	}
	return key
}

func ptrTo[T any](v T) *T { return &v }

func scoredPtr(scored, ok bool) *bool {
	if !scored {
		return nil
	}
	return &ok
}
