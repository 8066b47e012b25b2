package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The dev corpora, by their directory names under shared/bench.
const (
	CorpusAEB  = "aeb"
	CorpusTraf = "trafilatura-dev"
	CorpusDate = "htmldate-dev"
)

// SuiteConfig says which corpora and systems a suite run covers.
type SuiteConfig struct {
	// AEBDir, TrafDir and DateDir are the corpus directories; "" skips a corpus.
	AEBDir, TrafDir, DateDir string
	// Systems run on the AEB and trafilatura-dev pages (body and metadata);
	// DateSystems on the htmldate-dev pages (dates).
	Systems, DateSystems []System
	// K is the number of cross-validation folds.
	K int
	// Log gets one line per corpus loaded or skipped and per system run.
	Log io.Writer
}

// Suite holds every system's outputs and scores on the dev corpora present.
type Suite struct {
	K    int
	AEB  *AEBSet  // nil when the corpus is absent
	Traf *TrafSet // nil when the corpus is absent
	Date *DateSet // nil when the corpus is absent
}

// Grouping is the site and fold of each page of a corpus.
type Grouping struct {
	Sites []string
	Folds []int
}

func groupPages(k int, n int, urlKey func(i int) (string, string)) Grouping {
	g := Grouping{Sites: make([]string, n), Folds: make([]int, n)}
	for i := range n {
		g.Sites[i] = SiteOf(urlKey(i))
		g.Folds[i] = FoldOf(g.Sites[i], k)
	}
	return g
}

// AEBSet is the AEB corpus with its runs.
type AEBSet struct {
	Pages []Page
	Grouping
	// Meta is metadata-truth.json keyed by page id; nil when the file is absent.
	Meta map[string]MetaTruth
	Runs []AEBRun
}

// AEBRun is one system on the AEB pages: the benchmark's body scores and, when
// the system gives metadata and labels exist, METADATA.md's.
type AEBRun struct {
	SystemResult
	// Meta[i] is page i's metadata score, nil for a page without a label; Meta is
	// nil when the system gives no metadata.
	Meta       []*MetaPageScore
	MetaScores MetaScores
}

// TrafSet is the trafilatura-dev corpus with its runs.
type TrafSet struct {
	Entries []TrafEntry
	Grouping
	Runs []TrafRun
}

// TrafRun is one system on the trafilatura-dev pages.
type TrafRun struct {
	Name  string
	Pages []PageResult
	Snip  []SnippetPage
	// Meta is nil when the system gives no metadata.
	Meta          []TrafMetaPage
	Body          Confusion
	MetaScores    TrafMetaScores
	Errors, Empty int
}

// DateSet is the htmldate-dev corpus with its runs.
type DateSet struct {
	Entries []DateEntry
	Grouping
	Runs []DateRun
}

// DateRun is one system on the htmldate-dev pages.
type DateRun struct {
	Name   string
	Pages  []PageResult
	Days   []string // the day scored per page, "" for none
	Counts []Confusion
	Total  Confusion
	Errors int
}

// RunSuite loads the corpora cfg names (a missing corpus is skipped with a line
// on cfg.Log) and runs the systems once over each, one page at a time.
func RunSuite(cfg SuiteConfig) (*Suite, error) {
	s := &Suite{K: cfg.K}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Log, format+"\n", args...) }
	skip := func(name, dir string, err error) (bool, error) {
		if errors.Is(err, ErrNoData) {
			logf("%s: skipped, no data in %s", name, dir)
			return true, nil
		}
		return false, err
	}
	if cfg.AEBDir != "" {
		pages, err := LoadCorpus(cfg.AEBDir)
		if skipped, err := skip(CorpusAEB, cfg.AEBDir, err); err != nil {
			return nil, err
		} else if !skipped {
			if s.AEB, err = runAEB(cfg, pages, logf); err != nil {
				return nil, err
			}
		}
	}
	if cfg.TrafDir != "" {
		entries, err := LoadTrafCorpus(cfg.TrafDir)
		if skipped, err := skip(CorpusTraf, cfg.TrafDir, err); err != nil {
			return nil, err
		} else if !skipped {
			s.Traf = runTraf(cfg, entries, logf)
		}
	}
	if cfg.DateDir != "" {
		entries, err := LoadDateCorpus(cfg.DateDir)
		if skipped, err := skip(CorpusDate, cfg.DateDir, err); err != nil {
			return nil, err
		} else if !skipped {
			s.Date = runDates(cfg, entries, logf)
		}
	}
	return s, nil
}

func runAEB(cfg SuiteConfig, pages []Page, logf func(string, ...any)) (*AEBSet, error) {
	set := &AEBSet{Pages: pages}
	set.Grouping = groupPages(cfg.K, len(pages), func(i int) (string, string) { return pages[i].URL, pages[i].ID })
	if path := filepath.Join(cfg.AEBDir, "metadata-truth.json"); fileExists(path) {
		meta, err := LoadMetaTruth(path)
		if err != nil {
			return nil, err
		}
		set.Meta = meta
	}
	for _, sys := range cfg.Systems {
		start := time.Now()
		run := AEBRun{SystemResult: score(sys, pages)}
		if set.Meta != nil && hasArticle(run.Pages) {
			run.Meta = make([]*MetaPageScore, len(pages))
			for i, pr := range run.Pages {
				if gold, ok := set.Meta[trimPageExt(pr.Page.ID)]; ok {
					ps := ScoreMetaPage(PredictionOf(pr.Article), gold)
					run.Meta[i] = &ps
					run.MetaScores.add(ps)
				}
			}
		}
		logf("%s: %s done (%d pages, %s)", CorpusAEB, sys.Name, len(pages), time.Since(start).Round(time.Second))
		set.Runs = append(set.Runs, run)
	}
	return set, nil
}

func runTraf(cfg SuiteConfig, entries []TrafEntry, logf func(string, ...any)) *TrafSet {
	set := &TrafSet{Entries: entries}
	set.Grouping = groupPages(cfg.K, len(entries), func(i int) (string, string) { return entries[i].URL, entries[i].Key })
	pages := make([]Page, len(entries))
	for i, e := range entries {
		pages[i] = Page{ID: e.ID, Raw: e.Raw}
	}
	for _, sys := range cfg.Systems {
		start := time.Now()
		run := TrafRun{Name: sys.Name, Pages: extractAll(sys, pages), Snip: make([]SnippetPage, len(pages))}
		withMeta := hasArticle(run.Pages)
		if withMeta {
			run.Meta = make([]TrafMetaPage, len(pages))
		}
		for i, pr := range run.Pages {
			switch {
			case pr.Err != nil:
				run.Errors++
			case strings.TrimSpace(pr.Text) == "":
				run.Empty++
			}
			text := pr.Text
			if pr.Err != nil {
				text = ""
			}
			run.Snip[i] = ScoreSnippets(text, entries[i].With, entries[i].Without)
			run.Body = run.Body.Add(run.Snip[i].Confusion)
			if withMeta {
				run.Meta[i] = ScoreTrafMeta(trafMetaOf(pr), entries[i])
				run.MetaScores.Add(run.Meta[i])
			}
		}
		logf("%s: %s done (%d pages, %s)", CorpusTraf, sys.Name, len(pages), time.Since(start).Round(time.Second))
		set.Runs = append(set.Runs, run)
	}
	return set
}

func runDates(cfg SuiteConfig, entries []DateEntry, logf func(string, ...any)) *DateSet {
	set := &DateSet{Entries: entries}
	set.Grouping = groupPages(cfg.K, len(entries), func(i int) (string, string) { return entries[i].URL, entries[i].Key })
	pages := make([]Page, len(entries))
	for i, e := range entries {
		pages[i] = Page{ID: e.ID, Raw: e.Raw}
	}
	for _, sys := range cfg.DateSystems {
		start := time.Now()
		run := DateRun{Name: sys.Name, Pages: extractAll(sys, pages), Days: make([]string, len(pages)), Counts: make([]Confusion, len(pages))}
		for i, pr := range run.Pages {
			if pr.Err != nil {
				run.Errors++
			}
			run.Days[i] = DayOf(trafMetaOf(pr).Date)
			run.Counts[i] = ScoreDate(run.Days[i], entries[i].Date)
			run.Total = run.Total.Add(run.Counts[i])
		}
		logf("%s: %s done (%d pages, %s)", CorpusDate, sys.Name, len(pages), time.Since(start).Round(time.Second))
		set.Runs = append(set.Runs, run)
	}
	return set
}

// extractAll runs sys once over pages and keeps its outputs, unscored.
func extractAll(sys System, pages []Page) []PageResult {
	out := make([]PageResult, len(pages))
	for i := range pages {
		text, art, err := sys.Extract(&pages[i])
		out[i] = PageResult{Page: &pages[i], Text: text, Article: art, Err: err}
	}
	return out
}

// hasArticle reports whether the system gave metadata on any page.
func hasArticle(prs []PageResult) bool {
	for _, pr := range prs {
		if pr.Article != nil {
			return true
		}
	}
	return false
}

// trafMetaOf puts a page's metadata in trafilatura's terms: authors joined with
// "; " and the publication time as written in its own offset (RFC 3339, so its
// first 10 characters are the system's own calendar day). An error gives none.
func trafMetaOf(pr PageResult) TrafMeta {
	a := pr.Article
	if pr.Err != nil || a == nil {
		return TrafMeta{}
	}
	m := TrafMeta{Title: a.Title, Author: strings.Join(a.Authors, "; ")}
	if a.PublishedAt != nil {
		m.Date = a.PublishedAt.Format(time.RFC3339)
	}
	return m
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
