package contract

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	segjson "github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
)

var update = flag.Bool("update", false, "rewrite the contract golden files in testdata/pages")

// samplePages are the repository's sample pages, written for it.
const samplePages = "../../services/cleaner/clean/testdata/pages"

// goldenTime stands for every clock reading, so the golden messages are stable.
var goldenTime = time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC)

// TestContractGolden runs each sample page through the contract the stages
// exchange: the raw page as the cleaner gets it, the cleaned page it publishes
// (testdata/pages/<name>.cleaned.json, newsjet.cleaned_page.v2) and the article the
// extractor makes of that message (<name>.article.json). Each message must equal
// its golden file and validate against its JSON Schema; go test -run
// TestContractGolden -update rewrites the files after a deliberate change.
func TestContractGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplePages, "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample pages in %s (%v)", samplePages, err)
	}
	cleanedSchema, articleSchema := compile(t, schema.CleanedPageV2), compile(t, schema.ArticleV1)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			url := "https://news.example/" + name
			raw := &schema.RawPage{Schema: schema.RawPageV1, URL: url, Body: body, BodySize: int64(len(body)),
				ContentHash: schema.ContentHash(body), FetchedAt: goldenTime}
			raw.ID = schema.RawPageID(url, raw.ContentHash)
			cp, err := cleaner.CleanPage(raw, body, "golden", goldenTime)
			if err != nil {
				t.Fatal(err)
			}
			cleaned, err := schema.Encode(cp)
			if err != nil {
				t.Fatal(err)
			}
			read, err := schema.DecodeCleanedPage(cleaned)
			if err != nil {
				t.Fatal(err)
			}
			a, err := extractor.Article(read, "golden", goldenTime)
			if err != nil {
				t.Fatal(err)
			}
			article, err := schema.Encode(a)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []struct {
				file string
				data []byte
				s    *jsonschema.Schema
			}{{name + ".cleaned.json", cleaned, cleanedSchema}, {name + ".article.json", article, articleSchema}} {
				checkGolden(t, m.file, m.data)
				v, err := jsonschema.UnmarshalJSON(bytes.NewReader(m.data))
				if err != nil {
					t.Fatal(err)
				}
				if err := m.s.Validate(v); err != nil {
					t.Errorf("%s does not validate against its JSON Schema: %v", m.file, err)
				}
			}
			if a.Lineage.CleanedID != cp.ID || a.Lineage.CleanerVersion != "golden" || a.Lineage.RawID != raw.ID {
				t.Errorf("lineage %+v", a.Lineage)
			}
		})
	}
}

// checkGolden compares a message with testdata/pages/<file>, indented for reading,
// or rewrites the file under -update.
func checkGolden(t *testing.T, file string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := segjson.Indent(&buf, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", "pages", file)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestContractGolden -update writes it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s changed (go test -run TestContractGolden -update rewrites it):\n%s", file, firstDiff(buf.String(), string(want)))
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + "\n got: " + g[i] + "\nwant: " + w[i]
		}
	}
	return "lengths differ"
}
