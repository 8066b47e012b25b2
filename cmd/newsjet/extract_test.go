package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

func TestExtractOneLinePerFileInOrder(t *testing.T) {
	ctx := context.Background()
	gz := writeFile(t, "harbour.html.gz", gzipped(t, readTestdata(t, "harbour.html")))
	junk := junkFile(t)
	missing := filepath.Join(t.TempDir(), "missing.html")
	files := []string{"testdata/bridge-cp1251.html", junk, gz, missing, "testdata/harbour.html"}
	code, out, errOut := runCLI(ctx, t, append([]string{"extract", "--jobs", "3"}, files...)...)
	if code != exitInputsFailed {
		t.Fatalf("exit %d, want 3 (two files failed); stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"newsjet extract: " + junk + ": ", "newsjet extract: " + missing + ": ", "some inputs failed: 2 of 5 files"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
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

func TestExtractInputForms(t *testing.T) {
	ctx := context.Background()
	// The windows-1251 page without its charset declaration: only --content-type tells.
	declared := readTestdata(t, "bridge-cp1251.html")
	undeclared := bytes.Replace(declared, []byte(`<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">`), nil, 1)
	if bytes.Equal(declared, undeclared) {
		t.Fatal("the test page lost its charset declaration")
	}
	bare := writeFile(t, "bridge.html", undeclared)
	code, out, errOut := runCLI(ctx, t, "extract", "--content-type", "text/html; charset=windows-1251", bare)
	if l := decodeLines[extracted](t, out); code != 0 || len(l) != 1 || l[0].Article == nil || l[0].Article.Title != bridgeTitle {
		t.Errorf("--content-type: exit %d, %s%s", code, out, errOut)
	}
	// Without it, the charset is detected from the bytes.
	code, out, errOut = runCLI(ctx, t, "extract", bare)
	if l := decodeLines[extracted](t, out); code != 0 || len(l) != 1 || l[0].Article == nil || l[0].Article.Title != bridgeTitle {
		t.Errorf("undeclared charset: exit %d, %s%s", code, out, errOut)
	}

	// A page without URL or canonical link is named by nothing local: no path.
	code, out, errOut = runCLI(ctx, t, "extract", writeFile(t, "plain.html", []byte(testPage)))
	if l := decodeLines[extracted](t, out); code != 0 || len(l) != 1 || l[0].Article == nil || l[0].Article.URL != "" ||
		l[0].Article.CanonicalURL != "" || l[0].Article.ID != schema.ID("article", "raw", l[0].Article.Lineage.RawID) {
		t.Errorf("page without URL: exit %d, %s%s", code, out, errOut)
	}

	// A RawPage JSON file: its URL and bytes are the page's.
	body := readTestdata(t, "harbour.html")
	raw := &schema.RawPage{URL: "https://coastline.example/a", Body: body, BodySize: int64(len(body)),
		ContentHash: schema.ContentHash(body), ID: "some-id", FetchedAt: time.Now()}
	data, err := schema.Encode(raw)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(ctx, t, "extract", writeFile(t, "raw.json", data))
	if l := decodeLines[extracted](t, out); code != 0 || len(l) != 1 || l[0].Article == nil ||
		l[0].Article.Title != harbourTitle || l[0].Article.URL != raw.URL || l[0].Article.Lineage.RawID != schema.RawPageID(raw.URL, raw.ContentHash) {
		t.Errorf("RawPage JSON: exit %d, %s%s", code, out, errOut)
	}

	// Standard input, and a URL of a scheme newsjet does not fetch.
	code, out, errOut = runCLIStdin(ctx, t, body, "extract", "-", "ftp://example.com/page.html")
	l := decodeLines[extracted](t, out)
	if code != exitInputsFailed || len(l) != 2 || l[0].Article == nil || l[0].Article.Title != harbourTitle ||
		!strings.Contains(l[1].Error, "unsupported URL scheme") {
		t.Errorf("stdin and ftp: exit %d, %s%s", code, out, errOut)
	}
}
