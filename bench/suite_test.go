package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeDevCorpus writes truth.json and html/<id>.html.gz in the trafilatura-dev
// and htmldate-dev layout.
func writeDevCorpus(t *testing.T, truth map[string]any, pages map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "html"), 0o755); err != nil {
		t.Fatal(err)
	}
	for id, html := range pages {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write([]byte(html)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "html", id+".html.gz"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(truth)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const storyPara = "The council approved the new harbour bridge on Tuesday after a long debate. Work starts in spring and should take two years."

// trafCorpus: a story page whose navigation is boilerplate, and a page with
// neither snippet, which (like the pseudo-id entries) has no URL.
func trafCorpus(t *testing.T) string {
	return writeDevCorpus(t, map[string]any{
		"story": map[string]any{"url": "https://news.example.com/bridge", "key": "https://news.example.com/bridge",
			"with": []string{"approved the new  harbour bridge"}, "without": []string{"Home Sports"},
			"title": "Bridge approved", "author": []string{"Jane Roe", "John Doe"}, "date": "2021-03-04"},
		"other": map[string]any{"url": nil, "key": "hard::other.html", "with": []string{"never on the page"}, "without": []string{"absent too"},
			"title": nil, "author": "", "date": nil},
	}, map[string]string{
		"story": `<html><head><title>Bridge approved</title><meta property="article:published_time" content="2021-03-04T23:30:00-05:00"></head><body>
<nav><a href="/">Home Sports</a></nav><article><h1>Bridge approved</h1><p class="byline">By Jane Roe and John Doe</p><p>` + storyPara + `</p></article></body></html>`,
		"other": `<html><body><p>Something else entirely, with words of its own and nothing more to say.</p></body></html>`,
	})
}

// dateCorpus: a declared date equal to the reference (TP), the same page under a
// wrong reference (FP), and a page without a date whose reference is NaN (FN).
func dateCorpus(t *testing.T) string {
	dated := `<html><head><meta property="article:published_time" content="2021-03-04T10:00:00+02:00"></head><body><article><h1>Bridge</h1><p>` +
		storyPara + `</p></article></body></html>`
	return writeDevCorpus(t, map[string]any{
		"right": map[string]any{"url": "https://a.example.org/1", "key": "https://a.example.org/1", "date": "2021-03-04"},
		"wrong": map[string]any{"url": "https://b.example.net/1", "key": "https://b.example.net/1", "date": "2021-03-05"},
		"none":  map[string]any{"url": "https://c.example.de/1", "key": "https://c.example.de/1", "date": nil},
	}, map[string]string{
		"right": dated, "wrong": dated,
		"none": `<html><body><article><p>` + storyPara + `</p></article></body></html>`,
	})
}

func TestSuiteMainAllCorpora(t *testing.T) {
	aeb, traf, dates := writeCorpus(t), trafCorpus(t), dateCorpus(t)
	label := `{"aaaa1111": {"title": "Story", "authors": [], "published": null, "language": "en"}}`
	if err := os.WriteFile(filepath.Join(aeb, "metadata-truth.json"), []byte(label), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pages.jsonl")
	var w, log bytes.Buffer
	err := SuiteMain([]string{"-aeb", aeb, "-trafilatura", traf, "-htmldate", dates, "-systems", "newsjet,floor",
		"-date-systems", "newsjet,htmldate-fast", "-worst", "2", "-out", out}, &w, &log)
	if err != nil {
		t.Fatal(err)
	}
	s := w.String()
	for _, want := range []string{
		// AEB: newsjet finds the story on one page of two; the floor keeps the navigation.
		"newsjet                 0.500  0.500  0.500  0.500     0\n",
		// AEB metadata covers the one labelled page; the floor has no metadata row.
		"\nn                           1       1       1       0      1      0      1       0\nnewsjet                 1.000   1.000   1.000",
		// trafilatura-dev: newsjet TP + TN on the story, FN + TN on the other page;
		// the floor also keeps the navigation (FP).
		"newsjet                 0.667  1.000  0.500  0.750     1     0     1     2     0    0\n",
		"floor                   0.500  0.500  0.500  0.500     1     1     1     1     0    0\n",
		// Metadata: the page's own day (2021-03-04 at -05:00), the authors in order.
		"newsjet                    1.000 1/1     1.000 1/1     1.000 1/1\n",
		// htmldate-dev: TP, FP and, for the NaN reference without output, FN.
		"newsjet                 0.500  0.500  0.500  0.333     1     1     1    0\n",
		"htmldate-fast           0.500  0.500  0.500  0.333     1     1     1    0\n",
		"(aeb) worst 2 pages of newsjet:\n  bbbb2222 F1 0.000",
		"1 of 1 pages of newsjet on trafilatura-dev with a wrong snippet",
		"  other                              0/0/1/1 key:hard::other.html key=hard::other.html\n      missed: \"never on the page\"",
		"2 of 2 wrong entries of newsjet on htmldate-dev (1 FP, 1 FN; got / want):\n  wrong                              FP 2021-03-04 / 2021-03-05",
		"  none                               FN none       / none (NaN)",
		"trafilatura-dev  pages per fold", "(1 pages without URL, each grouped by its own key)",
		"body (objective: the mean of aeb F1, trafilatura-dev F)",
		"  newsjet                        0.500 0.500 0.667 0.667       =\n",
		"dates (objective: the mean of htmldate-dev F)",
		"  htmldate-fast                  0.500 0.500    0.333 0.333      =\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "\nfloor                   0.000") {
		t.Errorf("a metadata row for the floor:\n%s", s)
	}
	if strings.Contains(s, "  story ") {
		t.Errorf("a page without a wrong snippet is listed among the worst:\n%s", s)
	}
	if !strings.Contains(log.String(), "htmldate-dev: htmldate-fast done (3 pages") {
		t.Errorf("log:\n%s", log.String())
	}

	recs := readRecords(t, out)
	if len(recs) != 2+2+3 {
		t.Fatalf("%d records, want 7", len(recs))
	}
	byID := map[string]PageRecord{}
	for _, r := range recs {
		byID[r.Corpus+"/"+r.ID] = r
		if r.Fold != FoldOf(r.Site, 5) {
			t.Errorf("%s/%s: fold %d, site %s is in fold %d", r.Corpus, r.ID, r.Fold, r.Site, FoldOf(r.Site, 5))
		}
	}
	story := byID["trafilatura-dev/story"]
	nj := story.Systems["newsjet"]
	if story.Site != "example.com" || nj.Snippets == nil || *nj.Snippets != (Confusion{TP: 1, TN: 1}) || nj.Author != "Jane Roe; John Doe" ||
		nj.TitleOK == nil || !*nj.TitleOK || nj.DateOK == nil || !*nj.DateOK || !strings.HasPrefix(nj.Date, "2021-03-04T23:30:00") {
		t.Errorf("story record %+v, newsjet %+v", story, nj)
	}
	if fl := story.Systems["floor"]; len(fl.KeptWithout) != 1 || fl.TitleOK != nil {
		t.Errorf("floor record %+v", fl)
	}
	if other := byID["trafilatura-dev/other"]; other.Site != "key:hard::other.html" || other.Key != "hard::other.html" ||
		other.Systems["newsjet"].AuthorOK != nil {
		t.Errorf("other record %+v", other)
	}
	if r := byID["htmldate-dev/wrong"].Systems["htmldate-fast"]; r.Date != "2021-03-04" || r.DateOutcome != "FP" {
		t.Errorf("htmldate record %+v", r)
	}
	if r := byID["aeb/bbbb2222"].Systems["newsjet"]; r.F1 == nil || *r.F1 != 0 || r.TextLen == 0 {
		t.Errorf("aeb record %+v", r)
	}
}

func readRecords(t *testing.T, path string) []PageRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []PageRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r PageRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestSuiteMainSkipsAbsentCorpora(t *testing.T) {
	var w, log bytes.Buffer
	empty := t.TempDir()
	if err := SuiteMain([]string{"-aeb", empty, "-trafilatura", empty, "-htmldate", "", "-systems", "floor", "-date-systems", ""}, &w, &log); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"aeb: skipped, no data in " + empty, "trafilatura-dev: skipped, no data in " + empty} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if strings.Contains(w.String(), "== aeb") || strings.Contains(w.String(), "family") {
		t.Errorf("figures printed without data:\n%s", w.String())
	}
	if err := SuiteMain([]string{"-systems", "nope"}, &w, &log); !errors.Is(err, errUsage) {
		t.Errorf("unknown system: %v, want usage error", err)
	}
	if err := SuiteMain([]string{"-k", "1", "-aeb", ""}, &w, &log); !errors.Is(err, errUsage) {
		t.Errorf("k=1: %v, want usage error", err)
	}
}
