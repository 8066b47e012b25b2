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

// TestArticleSchemaControlCharacters checks from the outside that the article schema and
// the Go validation agree on control characters: a string holding a C0 control character
// other than tab and newline (a NUL in a tag, as JSON-LD keywords carried one) is refused
// by both, in any string field, nested ones included; tabs and newlines are accepted by
// both.
func TestArticleSchemaControlCharacters(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join(goldenDir, "article.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	articleSchema := compile(t, schema.ArticleV1)
	cases := []struct {
		name, from, to string
		valid          bool
	}{
		{"NUL in a tag", `"tags": ["harbour", "storm"]`, `"tags": ["harbour", "storm\u0000damage"]`, false},
		{"escape in the body", `"body_text": "The harbour`, `"body_text": "\u001b[31mThe harbour`, false},
		{"carriage return in the title", `"title": "Harbour reopens`, `"title": "Harbour\rreopens`, false},
		{"bell in an author", `"authors": ["Maria Lopes"`, `"authors": ["Maria\u0007Lopes"`, false},
		{"unit separator in the lead image caption", `"caption": "Boats`, `"caption": "\u001fBoats`, false},
		{"NUL in a live post", `"tags": [`, `"live_posts": [{"text": "update\u0000"}], "tags": [`, false},
		{"tab and newline in a tag", `"tags": ["harbour", "storm"]`, `"tags": ["harbour", "storm\tdamage\nrepairs"]`, true},
		{"tab in the lead image caption", `"caption": "Boats`, `"caption": "\tBoats`, true},
		{"newline in a live post", `"tags": [`, `"live_posts": [{"text": "first\nsecond"}], "tags": [`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := strings.Replace(string(golden), c.from, c.to, 1)
			if msg == string(golden) {
				t.Fatalf("case does not apply to article.v1.json")
			}
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := articleSchema.Validate(v)
			_, goErr := schema.DecodeArticle([]byte(msg))
			if (schemaErr == nil) != c.valid {
				t.Errorf("schema validation = %v, want valid %v", schemaErr, c.valid)
			}
			if (goErr == nil) != c.valid {
				t.Errorf("DecodeArticle = %v, want valid %v", goErr, c.valid)
			}
		})
	}
}
