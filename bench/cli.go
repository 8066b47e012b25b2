package bench

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/clean"
)

// DefaultDataDir is the AEB benchmark directory, DefaultCorpusDir("aeb").
func DefaultDataDir() string { return DefaultCorpusDir(CorpusAEB) }

// DefaultCorpusDir is the directory of the named dev corpus: ../shared/bench/<name>
// relative to the repository root (the directory holding go.work above the
// working directory), or that path relative to the working directory when no
// go.work is found.
func DefaultCorpusDir(name string) string {
	rel := filepath.Join("..", "shared", "bench", name)
	dir, err := os.Getwd()
	if err != nil {
		return rel
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return filepath.Join(d, rel)
		}
		if filepath.Dir(d) == d {
			return rel
		}
	}
}

// Main runs the bench command with args (without the program name), writing to w.
//
//	-data DIR        benchmark directory (default DefaultDataDir())
//	-systems LIST    comma-separated systems (default newsjet,trafilatura,readeck,floor)
//	-rounds N        timed rounds over the corpus, systems taking turns (default 3)
//	-worst N         print newsjet's N worst pages with precision and recall
//	-dump ID         print newsjet's text (and -cleaned: the cleaned page's JSON) for the
//	                 page whose id starts with ID, with its score, then exit
func Main(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("aebbench", flag.ContinueOnError)
	fs.SetOutput(w)
	data := fs.String("data", DefaultDataDir(), "benchmark directory holding ground-truth.json and html/")
	systems := fs.String("systems", "newsjet,trafilatura,readeck,floor", "comma-separated systems to run")
	rounds := fs.Int("rounds", 3, "timed rounds over the corpus, systems taking turns")
	worst := fs.Int("worst", 0, "print newsjet's N worst pages")
	dump := fs.String("dump", "", "print newsjet's output for the page whose id starts with this prefix")
	cleaned := fs.Bool("cleaned", false, "with -dump: also print the cleaned page (its message JSON)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	pages, err := LoadCorpus(*data)
	if err != nil {
		return err
	}
	if *dump != "" {
		return dumpPage(w, pages, *dump, *cleaned)
	}
	syss, err := SystemsByName(strings.Split(*systems, ","))
	if err != nil {
		return err
	}
	results := Run(syss, pages, *rounds)
	for _, res := range results {
		if res.System != "newsjet" {
			continue
		}
		if *worst > 0 {
			PrintWorst(w, res, *worst)
		}
		if err := RunReports(w, *data, res); err != nil {
			return err
		}
	}
	PrintTable(w, results)
	return nil
}

var errNoPage = errors.New("bench: no page with that id prefix")

func dumpPage(w io.Writer, pages []Page, prefix string, cleaned bool) error {
	for i := range pages {
		p := &pages[i]
		if !strings.HasPrefix(p.ID, prefix) {
			continue
		}
		if cleaned {
			cp, err := clean.Clean(p.Raw, clean.Options{URL: p.URL})
			if err != nil {
				return fmt.Errorf("cleaning %s: %w", p.ID, err)
			}
			cp.ID, cp.RawID, cp.URL = p.ID, p.ID, p.URL
			b, err := schema.Encode(cp)
			if err != nil {
				return fmt.Errorf("encoding the cleaned page of %s: %w", p.ID, err)
			}
			fmt.Fprintf(w, "=== cleaned (%s)\n%s\n", cp.Charset, b)
		}
		text, _, err := Newsjet().Extract(p)
		if err != nil {
			return fmt.Errorf("extracting %s: %w", p.ID, err)
		}
		s := ScorePage(p.Truth, text)
		fmt.Fprintf(w, "=== %s %s\n=== P %.3f R %.3f F1 %.3f\n=== predicted\n%s\n=== truth\n%s\n",
			p.ID, p.URL, s.Precision(), s.Recall(), s.F1(), text, p.Truth)
		return nil
	}
	return fmt.Errorf("%w: %s", errNoPage, prefix)
}
