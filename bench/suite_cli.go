package bench

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// SuiteMain runs the dev-suite command with args (without the program name),
// writing the figures to w and progress lines to log.
//
//	-aeb DIR, -trafilatura DIR, -htmldate DIR
//	                   corpus directories (default DefaultCorpusDir of each; "" skips
//	                   one; a directory without its truth file is skipped with a message)
//	-systems LIST      systems run on aeb and trafilatura-dev
//	-date-systems LIST systems run on htmldate-dev
//	-k N               cross-validation folds (default 5)
//	-worst N           the N worst pages per corpus of the -worst-of system (default 15)
//	-out FILE          write per-page results as JSON lines (see PageRecord)
func SuiteMain(args []string, w, log io.Writer) error {
	fs := flag.NewFlagSet("devbench", flag.ContinueOnError)
	fs.SetOutput(w)
	aeb := fs.String("aeb", DefaultCorpusDir(CorpusAEB), "AEB directory (ground-truth.json, metadata-truth.json, html/)")
	traf := fs.String("trafilatura", DefaultCorpusDir(CorpusTraf), "trafilatura-dev directory (truth.json, html/)")
	dates := fs.String("htmldate", DefaultCorpusDir(CorpusDate), "htmldate-dev directory (truth.json, html/)")
	systems := fs.String("systems", "newsjet,trafilatura,trafilatura-fallback,readeck,floor", "systems run on aeb and trafilatura-dev")
	dateSystems := fs.String("date-systems", "newsjet,trafilatura,trafilatura-fallback,readeck,htmldate-fast,htmldate-extensive",
		"systems run on htmldate-dev")
	k := fs.Int("k", 5, "cross-validation folds")
	worst := fs.Int("worst", 15, "print the N worst pages per corpus of the -worst-of system")
	worstOf := fs.String("worst-of", "newsjet", "system whose worst pages are printed")
	out := fs.String("out", "", "write per-page results to this file as JSON lines")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *k < 2 {
		return fmt.Errorf("%w: -k must be at least 2", errUsage)
	}
	syss, err := systemList(*systems)
	if err != nil {
		return err
	}
	dsyss, err := systemList(*dateSystems)
	if err != nil {
		return err
	}
	s, err := RunSuite(SuiteConfig{AEBDir: *aeb, TrafDir: *traf, DateDir: *dates, Systems: syss, DateSystems: dsyss, K: *k, Log: log})
	if err != nil {
		return err
	}
	s.Print(w, *worst, *worstOf)
	s.PrintCV(w, s.CrossValidateSuite(DefaultFamilies(syss, dsyss)))
	if *out != "" {
		return writeRecords(*out, s)
	}
	return nil
}

func systemList(list string) ([]System, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	return SystemsByName(strings.Split(list, ","))
}

func writeRecords(path string, s *Suite) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if err := s.WriteJSONL(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	return nil
}
