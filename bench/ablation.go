package bench

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/clean"
	"github.com/newsjet/newsjet/services/extractor/extract"
)

// NewsjetSkipping is Newsjet with the cleaner's passes or rules named in skip
// disabled (clean.Params.Skip), named "newsjet-<skip>".
func NewsjetSkipping(skip ...string) System {
	par := clean.DefaultParams()
	par.Skip = skip
	name := "newsjet"
	for _, s := range skip {
		name += "-" + s
	}
	return System{Name: name, Extract: func(p *Page) (string, *schema.Article, error) {
		cp, err := clean.Clean(p.Raw, clean.Options{URL: p.URL, Params: &par})
		if err != nil {
			return "", nil, err
		}
		cp.URL = p.URL
		a, err := extract.Extract(cp, nil)
		if err != nil {
			return "", nil, err
		}
		return a.BodyText, a, nil
	}}
}

// Ablation is the corpus figures of newsjet with each cleaner pass disabled in
// turn, beside newsjet's own.
type Ablation struct {
	Passes []clean.PassInfo
	// Base and Without[i] hold the figures of newsjet and of newsjet without
	// Passes[i].
	Base    AblationFigures
	Without []AblationFigures
}

// AblationFigures are one system's main figures on the corpora present.
type AblationFigures struct {
	// AEB body F1, trafilatura-dev snippet F, htmldate-dev date F, and the body F1
	// (the AEB metric) of the held-out pages written for this repository
	// (testdata/heldout), which cover layouts the dev corpora lack.
	AEB, Traf, Date, Heldout float64
	Has                      [4]bool // which corpora were scored
}

// Earns returns, for pass i, how much newsjet loses on each corpus without it
// (positive: the pass earns that much) and whether it earns anything anywhere.
func (a *Ablation) Earns(i int) (deltas [4]float64, earns bool) {
	b, w := a.Base.values(), a.Without[i].values()
	for k := range deltas {
		if a.Base.Has[k] {
			deltas[k] = b[k] - w[k]
			earns = earns || deltas[k] > 0
		}
	}
	return deltas, earns
}

func (f AblationFigures) values() [4]float64 { return [4]float64{f.AEB, f.Traf, f.Date, f.Heldout} }

// RunAblation runs newsjet and newsjet without each of clean.SkippablePasses on
// the corpora of cfg (its Systems and DateSystems are ignored) and on the held-out
// pages in heldoutDir ("" skips them).
func RunAblation(cfg SuiteConfig, heldoutDir string) (*Ablation, error) {
	a := &Ablation{Passes: clean.SkippablePasses()}
	systems := []System{Newsjet()}
	for _, p := range a.Passes {
		systems = append(systems, NewsjetSkipping(p.Name))
	}
	cfg.Systems, cfg.DateSystems = systems, systems
	s, err := RunSuite(cfg)
	if err != nil {
		return nil, err
	}
	figures := make([]AblationFigures, len(systems))
	if s.AEB != nil {
		for i, r := range s.AEB.Runs {
			figures[i].AEB, figures[i].Has[0] = r.Score.F1, true
		}
	}
	if s.Traf != nil {
		for i, r := range s.Traf.Runs {
			figures[i].Traf, figures[i].Has[1] = r.Body.F(), true
		}
	}
	if s.Date != nil {
		for i, r := range s.Date.Runs {
			figures[i].Date, figures[i].Has[2] = r.Total.F(), true
		}
	}
	if heldoutDir != "" {
		pages, err := LoadHeldoutPages(heldoutDir)
		if err != nil {
			return nil, err
		}
		for i, sys := range systems {
			figures[i].Heldout, figures[i].Has[3] = score(sys, pages).Score.F1, true
		}
	}
	a.Base, a.Without = figures[0], figures[1:]
	return a, nil
}

// LoadHeldoutPages reads the held-out pages of dir: <name>.html, its expected body
// (<name>.expected.txt) as Truth and the url of <name>.meta.json.
func LoadHeldoutPages(dir string) ([]Page, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no held-out pages in %s", ErrNoData, dir)
	}
	sort.Strings(files)
	pages := make([]Page, 0, len(files))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		truth, err := os.ReadFile(filepath.Join(dir, name+".expected.txt"))
		if err != nil {
			return nil, err
		}
		var meta struct {
			URL string `json:"url"`
		}
		if err := readJSON(filepath.Join(dir, name+".meta.json"), &meta); err != nil {
			return nil, err
		}
		pages = append(pages, Page{ID: name, URL: meta.URL, Raw: raw, Truth: string(truth)})
	}
	return pages, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Print writes one line per pass: the figures without it and what it earns on
// each corpus; a pass that earns nothing on any corpus is marked.
func (a *Ablation) Print(w io.Writer) {
	fmt.Fprintf(w, "%-16s %9s %9s %9s %9s   %s\n", "without", "aeb F1", "traf F", "date F", "held F1", "earns (aeb, traf, date, held-out)")
	row := func(name string, f AblationFigures, tail string) {
		cell := func(k int, v float64) string {
			if !f.Has[k] {
				return "-"
			}
			return fmt.Sprintf("%.4f", v)
		}
		fmt.Fprintf(w, "%-16s %9s %9s %9s %9s   %s\n", name, cell(0, f.AEB), cell(1, f.Traf), cell(2, f.Date), cell(3, f.Heldout), tail)
	}
	row("(nothing)", a.Base, "")
	for i, p := range a.Passes {
		d, earns := a.Earns(i)
		tail := fmt.Sprintf("%+.4f %+.4f %+.4f %+.4f", d[0], d[1], d[2], d[3])
		if !earns {
			tail += "  earns nothing"
		}
		row(p.Name, a.Without[i], tail)
	}
}

// AblationMain runs the ablation command with args (without the program name),
// writing the table to w and progress lines to log.
//
//	-aeb DIR, -trafilatura DIR, -htmldate DIR
//	                   corpus directories (default DefaultCorpusDir of each; "" skips one)
//	-heldout DIR       held-out pages (default testdata/heldout; "" skips them)
func AblationMain(args []string, w, log io.Writer) error {
	fs := flag.NewFlagSet("ablation", flag.ContinueOnError)
	fs.SetOutput(w)
	aeb := fs.String("aeb", DefaultCorpusDir(CorpusAEB), "AEB directory")
	traf := fs.String("trafilatura", DefaultCorpusDir(CorpusTraf), "trafilatura-dev directory")
	dates := fs.String("htmldate", DefaultCorpusDir(CorpusDate), "htmldate-dev directory")
	heldout := fs.String("heldout", "testdata/heldout", "held-out pages directory (\"\" skips them)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	a, err := RunAblation(SuiteConfig{AEBDir: *aeb, TrafDir: *traf, DateDir: *dates, K: 2, Log: log}, *heldout)
	if err != nil {
		return err
	}
	a.Print(w)
	return nil
}
