package schema

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/segmentio/encoding/json"
)

// TestJSONSchemaMatchesTypes keeps the published JSON Schema documents and the Go types
// from drifting apart: every JSON member of a type is a property of its schema, and back,
// and so for the types a schema defines in $defs.
func TestJSONSchemaMatchesTypes(t *testing.T) {
	types := map[string]any{
		FetchRequestV1: FetchRequest{}, RawPageV1: RawPage{}, CleanedPageV1: cleanedPageV1{},
		CleanedPageV2: CleanedPage{}, ArticleV1: Article{}, DeadLetterV1: DeadLetter{}, StoryUpdateV1: StoryUpdate{},
	}
	defs := map[string]map[string]any{
		CleanedPageV2: {"head": PageHead{}, "meta": Meta{}, "link": Link{}, "headline": Headline{}, "candidate": Candidate{}},
	}
	for _, name := range SchemaNames() {
		doc, err := JSONSchema(name)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			ID   string                `json:"$id"`
			Defs map[string]objectType `json:"$defs"`
			objectType
		}
		if err := json.Unmarshal(doc, &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.HasSuffix(s.ID, "/"+name+".json") {
			t.Errorf("%s: $id %q", name, s.ID)
		}
		s.check(t, name, types[name])
		if len(s.Defs) != len(defs[name]) {
			t.Errorf("%s: $defs %d types, Go %d", name, len(s.Defs), len(defs[name]))
		}
		for def, v := range defs[name] {
			s.Defs[def].check(t, name+" $defs/"+def, v)
		}
	}
	if _, err := JSONSchema("newsjet.article.v0"); err == nil {
		t.Error("JSONSchema of an unknown version succeeded")
	}
}

// objectType is the part of a JSON Schema object type the test compares.
type objectType struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

// check reports a difference between o's properties and the JSON members of v's type.
func (o objectType) check(t *testing.T, name string, v any) {
	t.Helper()
	want := jsonMembers(reflect.TypeOf(v))
	var got []string
	for p := range o.Properties {
		got = append(got, p)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: schema properties %v\n Go members %v", name, got, want)
	}
	for _, r := range o.Required {
		if _, ok := o.Properties[r]; !ok {
			t.Errorf("%s: required %q is no property", name, r)
		}
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
