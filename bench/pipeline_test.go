package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/services/cleaner/clean"
	"github.com/newsjet/newsjet/services/extractor/extract"
)

// samplePages are the repository's own sample pages (written for it, not taken
// from the benchmark).
const samplePages = "../services/cleaner/clean/testdata/pages"

// TestPipelineAggregatorPage runs the whole path, raw bytes to Article, on the
// wire story republished in WordPress chrome: the body has every paragraph of
// the story, each its own paragraph, and none of the chrome.
func TestPipelineAggregatorPage(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(samplePages, "aggregator-wire.html"))
	if err != nil {
		t.Fatal(err)
	}
	const pageURL = "https://digest-hub.example/2026/03/harbour-cranes-idle/"
	cp, err := clean.Clean(raw, clean.Options{URL: pageURL, ContentType: "text/html; charset=UTF-8"})
	if err != nil {
		t.Fatal(err)
	}
	cp.URL = pageURL
	a, err := extract.Extract(cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	paras := strings.Split(a.BodyText, "\n\n")
	starts := []string{"ROTTERDAM (Wire)", "The stoppage began", "Port authorities estimated", "“We did not choose",
		"The terminal operators said", "Shipping lines warned"}
	if len(paras) != len(starts) {
		t.Fatalf("got %d paragraphs, want %d:\n%s", len(paras), len(starts), a.BodyText)
	}
	for i, s := range starts {
		if !strings.HasPrefix(paras[i], s) {
			t.Errorf("paragraph %d is %q, want it to start with %q", i, paras[i], s)
		}
	}
	for _, junk := range []string{"Recommended Stories", "list of 3 items", "end of list", "Share.", "Leave A Reply",
		"12 + 8 =", "Exit mobile version"} {
		if strings.Contains(a.BodyText, junk) || strings.Contains(a.BodyHTML, junk) || strings.Contains(a.BodyMarkdown, junk) {
			t.Errorf("body keeps %q", junk)
		}
	}
	if a.WordCount < 200 || a.ReadingTimeMinutes != 1 {
		t.Errorf("word count %d, reading time %d", a.WordCount, a.ReadingTimeMinutes)
	}
}

// TestPipelineLiveBlog: the posts of a live blog come out in page order.
func TestPipelineLiveBlog(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(samplePages, "live-blog.html"))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := clean.Clean(raw, clean.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := extract.Extract(cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	var heads []string
	for _, p := range a.LivePosts {
		heads = append(heads, p.Headline)
	}
	if got := strings.Join(heads, "|"); got != "Turnout up in the north|First seat declared|Polls have closed" {
		t.Errorf("live posts %q", got)
	}
	for _, s := range []string{"Officials in the northern districts", "The first result of the night", "Polling stations closed"} {
		if !strings.Contains(a.BodyText, s) {
			t.Errorf("body lacks post text %q", s)
		}
	}
}

// TestRunPipeline runs the sample pages through both paths of the pipeline
// benchmark: every raw page published becomes one article message (each round's
// delivery publishes its own), none is dead-lettered, both costs are measured (the
// figures themselves are for a quiet machine, not a test), and so are the bytes of
// every hop.
func TestRunPipeline(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplePages, "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample pages: %v", err)
	}
	var pages []Page
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, Page{ID: filepath.Base(f), URL: "https://news.example/" + filepath.Base(f), Raw: raw})
	}
	res, err := RunPipeline(t.Context(), pages, PipelineOptions{Rounds: 2, Workers: 2, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 2*len(pages) || res.Articles != res.Pages || res.DeadLetters != 0 || res.InProcess.Wall <= 0 || res.Pipeline.Wall <= 0 {
		t.Errorf("result %+v", res)
	}
	if h := res.Hops; h.Pages != len(pages) || h.Raw <= h.CleanedJSON || h.CleanedWire <= 0 || h.CleanedWire >= h.CleanedJSON || h.ArticleJSON <= 0 {
		t.Errorf("hops %+v: every page cleaned and extracted, the cleaned page compressed", h)
	}
	if res.InProcess.AllocBytes == 0 || res.Pipeline.Allocs == 0 {
		t.Errorf("allocations not counted: %+v %+v", res.InProcess, res.Pipeline)
	}
	var out strings.Builder
	res.Print(&out)
	if !strings.Contains(out.String(), "cleaned on the wire ") || !strings.Contains(out.String(), "pipeline/in-process throughput ") || !strings.Contains(out.String(), "pipeline/in-process cpu ") ||
		!strings.Contains(out.String(), "pipeline cpu by part") {
		t.Errorf("output:\n%s", out.String())
	}
}

// Pages published bare, as `nats pub` users do, take the same path: every page is
// cleaned and extracted, and the raw hop carries the page's bytes alone.
func TestRunPipelineBare(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplePages, "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample pages: %v", err)
	}
	var pages []Page
	size := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		size += len(raw)
		pages = append(pages, Page{ID: filepath.Base(f), URL: "https://news.example/" + filepath.Base(f), Raw: raw})
	}
	res, err := RunPipeline(t.Context(), pages, PipelineOptions{Rounds: 1, Workers: 2, Dir: t.TempDir(), Bare: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Articles != len(pages) || res.DeadLetters != 0 {
		t.Errorf("%d articles, %d dead letters from %d bare pages", res.Articles, res.DeadLetters, len(pages))
	}
	if h := res.Hops; h.Pages != len(pages) || h.Raw != size {
		t.Errorf("hops %+v: want %d pages, raw bytes %d (the pages themselves)", h, len(pages), size)
	}
}
