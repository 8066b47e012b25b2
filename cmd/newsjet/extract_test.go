package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/pkg/schema"
)

func TestExtractOneLinePerFileInOrder(t *testing.T) {
	ctx := context.Background()
	gz := writeFile(t, "harbour.html.gz", gzipped(t, readTestdata(t, "harbour.html")))
	junk := junkFile(t)
	missing := filepath.Join(t.TempDir(), "missing.html")
	files := []string{"testdata/bridge-cp1251.html", junk, gz, missing, "testdata/harbour.html"}
	code, out, errOut := runCLI(ctx, t, append([]string{"extract", "--jobs", "3"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := decodeLines[extracted](t, out)
	if len(lines) != len(files) {
		t.Fatalf("got %d lines for %d files:\n%s", len(lines), len(files), out)
	}
	for i, l := range lines {
		if l.File != files[i] {
			t.Errorf("line %d is for %s, want %s", i, l.File, files[i])
		}
	}
	for i, want := range map[int]string{0: bridgeTitle, 2: harbourTitle, 4: harbourTitle} {
		a := lines[i].Article
		if a == nil || a.Title != want || lines[i].Error != "" {
			t.Errorf("line %d: %+v, want title %q", i, lines[i], want)
		}
	}
	if lines[2].Article != nil && lines[4].Article != nil && lines[2].Article.ContentHash != lines[4].Article.ContentHash {
		t.Error("the gzip copy extracts differently from the plain file")
	}
	for i, want := range map[int]string{1: "not an HTML document", 3: "no such file"} {
		if lines[i].Article != nil || !strings.Contains(lines[i].Error, want) {
			t.Errorf("line %d: %+v, want error containing %q", i, lines[i], want)
		}
	}
}

func TestExtractMatchesThePipeline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	code, out, errOut := runCLI(ctx, t, "extract", "testdata/harbour.html")
	if code != 0 {
		t.Fatalf("extract: exit %d: %s", code, errOut)
	}
	ex := decodeLines[extracted](t, out)
	code, out, errOut = runCLI(ctx, t, "run", "--once", "--log-level", "warn", "testdata/harbour.html")
	if code != 0 {
		t.Fatalf("run --once: exit %d: %s", code, errOut)
	}
	run := decodeLines[schema.Article](t, out)
	if len(ex) != 1 || ex[0].Article == nil || len(run) != 1 {
		t.Fatalf("extract %+v, run %+v", ex, run)
	}
	e, r := ex[0].Article, run[0]
	if e.ID != r.ID || e.ContentHash != r.ContentHash || e.BodyHTML != r.BodyHTML || e.Lineage.RawID != r.Lineage.RawID || e.Lineage.CleanedID != r.Lineage.CleanedID {
		t.Errorf("extract and the pipeline differ:\nextract %+v\nrun     %+v", e, r)
	}
}

func TestExtractURLAndUsage(t *testing.T) {
	ctx := context.Background()
	code, out, errOut := runCLI(ctx, t, "extract", "--url", "https://www.example.org/story", "testdata/harbour.html")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if l := decodeLines[extracted](t, out); len(l) != 1 || l[0].Article == nil || l[0].Article.URL != "https://www.example.org/story" {
		t.Errorf("got %s", out)
	}
	for _, args := range [][]string{{"extract"}, {"extract", "--url", "https://a.example/", "a.html", "b.html"}, {"extract", "--jobs", "0", "a.html"}} {
		if code, out, _ := runCLI(ctx, t, args...); code != 2 || out != "" {
			t.Errorf("%v: exit %d stdout %q, want 2 and nothing", args, code, out)
		}
	}
}
