package schema

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/segmentio/encoding/json"
)

// TestJSONSchemaMatchesTypes keeps the published JSON Schema documents and the Go types
// from drifting apart: every JSON member of a type is a property of its schema, and back.
func TestJSONSchemaMatchesTypes(t *testing.T) {
	types := map[string]any{
		FetchRequestV1: FetchRequest{}, RawPageV1: RawPage{}, CleanedPageV1: CleanedPage{},
		ArticleV1: Article{}, DeadLetterV1: DeadLetter{}, StoryUpdateV1: StoryUpdate{},
	}
	for _, name := range SchemaNames() {
		doc, err := JSONSchema(name)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			ID         string                     `json:"$id"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(doc, &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasSuffix(s.ID, "/"+name+".json") {
			t.Errorf("%s: $id %q", name, s.ID)
		}
		want := jsonMembers(reflect.TypeOf(types[name]))
		var got []string
		for p := range s.Properties {
			got = append(got, p)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: schema properties %v\n Go members %v", name, got, want)
		}
		for _, r := range s.Required {
			if _, ok := s.Properties[r]; !ok {
				t.Errorf("%s: required %q is no property", name, r)
			}
		}
	}
	if _, err := JSONSchema("newsjet.article.v0"); err == nil {
		t.Error("JSONSchema of an unknown version succeeded")
	}
}

func jsonMembers(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	sort.Strings(names)
	return names
}
