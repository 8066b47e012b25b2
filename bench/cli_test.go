package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCorpus makes a two-page benchmark directory in the AEB layout.
func writeCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "html"), 0o755); err != nil {
		t.Fatal(err)
	}
	body := "The first paragraph of the story is long enough to be chosen as content. It has two sentences."
	pages := map[string]string{
		"aaaa1111": "<html><body><nav><a href='/'>Home</a></nav><article><h1>Story</h1><p>" + body + "</p></article></body></html>",
		"bbbb2222": "<html><body><p>Nothing like the truth here, only other words entirely.</p></body></html>",
	}
	truth := map[string]map[string]string{}
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
		truth[id] = map[string]string{"articleBody": body, "url": "https://news.example/" + id}
	}
	gt, err := json.Marshal(truth)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ground-truth.json"), gt, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMainTableWorstAndDump(t *testing.T) {
	dir := writeCorpus(t)
	var out bytes.Buffer
	if err := Main([]string{"-data", dir, "-systems", "newsjet,floor", "-rounds", "1", "-worst", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"worst 1 pages of newsjet:\n  bbbb2222 F1 0.000",
		"\nnewsjet           2 ", "0.500  0.500  0.500  0.500    0\n", "\nfloor             2 ", "newsjet/floor       speed"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	out.Reset()
	if err := Main([]string{"-data", dir, "-dump", "aaaa", "-cleaned"}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "=== P 1.000 R 1.000 F1 1.000") || !strings.Contains(s, `"schema":"newsjet.cleaned_page.v2"`) {
		t.Errorf("dump output:\n%s", s)
	}
}

func TestMainErrors(t *testing.T) {
	var out bytes.Buffer
	if err := Main([]string{"-data", t.TempDir()}, &out); !errors.Is(err, ErrNoData) {
		t.Errorf("missing data: %v, want ErrNoData", err)
	}
	dir := writeCorpus(t)
	if err := Main([]string{"-data", dir, "-systems", "nope"}, &out); !errors.Is(err, errUsage) {
		t.Errorf("unknown system: %v, want usage error", err)
	}
	if err := Main([]string{"-data", dir, "-dump", "zzzz"}, &out); !errors.Is(err, errNoPage) {
		t.Errorf("unknown page: %v, want errNoPage", err)
	}
}
