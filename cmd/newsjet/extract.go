package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
)

// extracted is one line of `newsjet extract`: the article of a file, or why there is none.
type extracted struct {
	File    string          `json:"file"`
	Article *schema.Article `json:"article,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// cmdExtract cleans and extracts HTML files without a broker, through the very functions
// the cleaner and extractor stages run, and prints one JSON line per file in argument
// order. A file that cannot be read, cleaned or extracted gets a line with its error,
// is named on stderr too, and makes the command return ErrInputsFailed (exit 3) once
// every file was handled.
func (a *app) cmdExtract(ctx context.Context, args []string) error {
	fs := a.flagSet("extract", "FILE... (- for standard input)")
	pageURL := fs.String("url", "", "page URL of the file (only with one file); default none: the page is named by its canonical link, else by its content")
	contentType := contentTypeFlag(fs)
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "files processed at once")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	files := fs.Args()
	switch {
	case len(files) == 0:
		return fmt.Errorf("%w: give at least one file", ErrUsage)
	case *pageURL != "" && len(files) != 1:
		return fmt.Errorf("%w: --url names the page of exactly one file", ErrUsage)
	case *jobs < 1:
		return fmt.Errorf("%w: --jobs must be at least 1", ErrUsage)
	}
	src := pageSource{URL: *pageURL, ContentType: *contentType, Stdin: a.stdin}
	results := make([]chan extracted, len(files))
	for i := range results {
		results[i] = make(chan extracted, 1)
	}
	work := make(chan int)
	for range min(*jobs, len(files)) {
		go func() {
			for i := range work {
				results[i] <- extractFile(files[i], src)
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range files {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	failed := 0
	for i := range files {
		select {
		case r := <-results[i]:
			if err := a.stdout.write(r); err != nil {
				return err
			}
			if r.Error != "" {
				failed++
				fmt.Fprintf(a.stderr, "newsjet extract: %s: %s\n", r.File, r.Error)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d files", ErrInputsFailed, failed, len(files))
	}
	return nil
}

// extractFile runs one file through the cleaner's and the extractor's own functions
// (cleaner.CleanPage, extractor.Article), as the pipeline would after it was published
// as a raw page.
func extractFile(path string, src pageSource) extracted {
	out := extracted{File: path}
	art, err := pageArticle(path, src)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Article = art
	return out
}

func pageArticle(path string, src pageSource) (*schema.Article, error) {
	now := time.Now()
	page, body, err := readPageFile(path, src, now)
	if err != nil {
		return nil, err
	}
	cp, err := cleaner.CleanPage(page, body, stage.Version, now)
	if err != nil {
		return nil, err
	}
	return extractor.Article(cp, stage.Version, now)
}
