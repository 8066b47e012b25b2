package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/pkg/schema"
)

// samplesDir holds the repository's sample pages (written for newsjet), each with the
// body text the cleaner is expected to keep in <name>.golden.
const samplesDir = "../../services/cleaner/clean/testdata/pages"

// The aggregator's republished wire story: every paragraph of the story, and none of
// the WordPress chrome around it.
var (
	aggregatorParagraphs = []string{
		"ROTTERDAM (Wire) — Container cranes stood still across the port on Wednesday",
		"The stoppage began at six in the morning and is due to last forty-eight hours.",
		"Port authorities estimated that about forty vessels would be delayed",
		"“We did not choose this lightly,” said Ilse Verhoeven",
		"The terminal operators said in a joint statement that their latest offer",
		"Shipping lines warned customers that goods bound for inland distribution centres",
	}
	aggregatorChrome = []string{
		"Recommended Stories", "list of 3 items", "end of list", "Share.", "Leave A Reply", "12 + 8 =",
		"Exit mobile version", "Rail freight volumes", "Math Captcha", "Post Comment", "Recent Posts",
	}
)

// TestRunOnceSamplePages runs every sample page through the whole pipeline.
func TestRunOnceSamplePages(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join(samplesDir, "*.html"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no sample pages in %s: %v", samplesDir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	code, out, errOut := runCLI(ctx, t, append([]string{"run", "--once", "--log-level", "warn"}, pages...)...)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	arts := decodeLines[schema.Article](t, out)
	if len(arts) != len(pages) {
		t.Fatalf("%d articles for %d pages:\n%s\nstderr:\n%s", len(arts), len(pages), out, errOut)
	}
	for i, page := range pages {
		a, name := arts[i], filepath.Base(page)
		if a.Title == "" || a.BodyText == "" || a.WordCount == 0 {
			t.Errorf("%s: title %q, %d words", name, a.Title, a.WordCount)
		}
		golden, err := os.ReadFile(strings.TrimSuffix(page, ".html") + ".golden")
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		for _, p := range strings.Split(strings.TrimSpace(string(golden)), "\n\n") {
			if !strings.Contains(a.BodyText, strings.TrimSpace(p)) {
				t.Errorf("%s: body lacks the paragraph %q", name, p)
			}
		}
		if name != "aggregator-wire.html" {
			continue
		}
		if a.Title != "Harbour cranes idle as port workers strike over pay" {
			t.Errorf("%s: title %q", name, a.Title)
		}
		for _, p := range aggregatorParagraphs {
			if !strings.Contains(a.BodyText, p) {
				t.Errorf("%s: body lacks the story's paragraph starting %q", name, p)
			}
		}
		for _, c := range aggregatorChrome {
			if strings.Contains(a.BodyText, c) || strings.Contains(a.BodyHTML, c) {
				t.Errorf("%s: body contains the chrome %q", name, c)
			}
		}
	}
}
