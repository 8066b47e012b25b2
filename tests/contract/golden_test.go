package contract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/newsjet/newsjet/pkg/schema"
)

const goldenDir = "../../pkg/schema/testdata"

func compile(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	doc, err := schema.JSONSchema(name)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := name + ".json"
	if err := c.AddResource(url, parsed); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func load(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// TestGoldenFilesValidate validates every golden message against the JSON Schema of the
// version it names, and checks that every version has at least one golden file.
func TestGoldenFilesValidate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files in %s (%v)", goldenDir, err)
	}
	covered := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name, err := schema.PeekSchema(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := compile(t, name).Validate(load(t, f)); err != nil {
			t.Errorf("%s does not validate against %s:\n%v", filepath.Base(f), name, err)
		}
		covered[name] = true
	}
	for _, name := range schema.SchemaNames() {
		if !covered[name] {
			t.Errorf("no golden file for %s", name)
		}
	}
}

// TestSchemasRejectBrokenMessages makes sure the documents constrain something: each
// case breaks one rule of a golden message.
func TestSchemasRejectBrokenMessages(t *testing.T) {
	cases := []struct {
		golden, name, from, to string
	}{
		{"fetch_request.v1.json", schema.FetchRequestV1, `"kind": "article"`, `"kind": "podcast"`},
		{"raw_page.v1.json", schema.RawPageV1, `"content_hash": "f3f8`, `"content_hash": "XYZ`},
		{"article.v1.json", schema.ArticleV1, `"word_count": 12`, `"word_count": -1`},
		{"article.v1.json", schema.ArticleV1, `"published_at": "2024-05-01T09:30:00+02:00"`, `"published_at": "1 May 2024"`},
		{"dead_letter.v1.json", schema.DeadLetterV1, `"stage": "cleaner",`, ``},
		{"cleaned_page.v2.json", schema.CleanedPageV2, `"depth": 1,`, `"depth": -1,`},
		{"cleaned_page.v2.json", schema.CleanedPageV2, `"region": "article", "before"`, `"region": "sidebar", "before"`},
		{"cleaned_page.v2.json", schema.CleanedPageV2, `"key": "og:title", `, ``},
		{"story_update.v1.json", schema.StoryUpdateV1, `"kind": "joined"`, `"kind": "merged"`},
		{"story_update.v1.json", schema.StoryUpdateV1, `"similarity": 0.874`, `"similarity": 1.5`},
		{"story_update.v1.json", schema.StoryUpdateV1, `"status": "declared"`, `"status": "guessed"`},
	}
	for _, c := range cases {
		t.Run(c.golden+" "+c.to, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(goldenDir, c.golden))
			if err != nil {
				t.Fatal(err)
			}
			broken := strings.Replace(string(b), c.from, c.to, 1)
			if broken == string(b) {
				t.Fatalf("case does not apply to %s", c.golden)
			}
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(broken))
			if err != nil {
				t.Fatal(err)
			}
			if err := compile(t, c.name).Validate(v); err == nil {
				t.Errorf("broken %s validated", c.golden)
			}
		})
	}
}
