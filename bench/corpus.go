// Package bench measures newsjet's extraction (body and metadata) on the dev
// corpora, the Article Extraction Benchmark (AEB), trafilatura-dev and
// htmldate-dev, each scored as its authors score it, against go-trafilatura,
// readeck go-readability and go-htmldate on the same pages, in one process, with
// site-grouped cross-validated figures beside the full-corpus ones.
package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// ErrNoData is returned when the benchmark data directory is missing.
var ErrNoData = errors.New("bench: benchmark data not found")

// Page is one benchmark page: its raw bytes and its true article body.
type Page struct {
	ID    string
	URL   string
	Raw   []byte
	Truth string
}

// LoadCorpus reads ground-truth.json and html/<id>.html.gz from dir, sorted by id.
// It returns ErrNoData when dir has no ground-truth.json.
func LoadCorpus(dir string) ([]Page, error) {
	gt, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoData, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading ground truth: %w", err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(gt, &truth); err != nil {
		return nil, fmt.Errorf("decoding ground truth: %w", err)
	}
	pages := make([]Page, 0, len(truth))
	for id, t := range truth {
		raw, err := readGzip(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, err
		}
		pages = append(pages, Page{ID: id, URL: t.URL, Raw: raw, Truth: t.ArticleBody})
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].ID < pages[j].ID })
	return pages, nil
}

func readGzip(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading page: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", path, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", path, err)
	}
	return raw, nil
}
