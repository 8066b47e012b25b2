package schema

import (
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/encoding/json"
)

// TestJSONSchemaMatchesTypes keeps the published JSON Schema documents and the Go types
// from drifting apart: every JSON member of a type is a property of its schema, and back,
// and so for the object types a schema defines in $defs (its other $defs are the shared
// value types of textDefs).
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
		if len(s.Defs) != len(defs[name])+len(textDefs[name]) {
			t.Errorf("%s: $defs %d types, Go %d object types and %d value types", name, len(s.Defs), len(defs[name]), len(textDefs[name]))
		}
		for _, def := range textDefs[name] {
			if _, ok := s.Defs[def]; !ok {
				t.Errorf("%s: no $defs/%s", name, def)
			}
		}
		for def, v := range defs[name] {
			s.Defs[def].check(t, name+" $defs/"+def, v)
		}
	}
	if _, err := JSONSchema("newsjet.article.v0"); err == nil {
		t.Error("JSONSchema of an unknown version succeeded")
	}
}

// textDefs names, per schema, its $defs that are not object types.
var textDefs = map[string][]string{ArticleV1: {"text"}}

// TestArticleSchemaText checks that the article schema says what Validate says about
// control characters: its $defs/text pattern accepts a one-character string exactly when
// Validate accepts that character, and every string member of Article, also inside its
// arrays and objects (times included: they are strings in JSON), refers to $defs/text.
func TestArticleSchemaText(t *testing.T) {
	doc, err := JSONSchema(ArticleV1)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(doc, &s); err != nil {
		t.Fatal(err)
	}
	text, _ := s["$defs"].(map[string]any)["text"].(map[string]any)
	pattern, _ := text["pattern"].(string)
	re, err := regexp.Compile(pattern)
	if err != nil || text["type"] != "string" {
		t.Fatalf("$defs/text = %v: want a string type with a pattern (%v)", text, err)
	}
	for r := rune(0); r < 0x80; r++ {
		if got, want := re.MatchString("a"+string(r)+"b"), !isControl(r); got != want {
			t.Errorf("$defs/text pattern matches U+%04X: %v, Validate accepts it: %v", r, got, want)
		}
	}
	checkText(t, "article", reflect.TypeOf(Article{}), s)
}

var timeType = reflect.TypeOf(time.Time{})

// checkText reports every string member of a value of type typ whose schema node does not
// refer to $defs/text (a const, such as the schema name, needs none).
func checkText(t *testing.T, path string, typ reflect.Type, node map[string]any) {
	t.Helper()
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch {
	case typ.Kind() == reflect.String || typ == timeType:
		if _, fixed := node["const"]; !fixed && node["$ref"] != "#/$defs/text" {
			t.Errorf("%s is a string whose schema does not refer to #/$defs/text: %v", path, node)
		}
	case typ.Kind() == reflect.Slice:
		items, _ := node["items"].(map[string]any)
		checkText(t, path+"[]", typ.Elem(), items)
	case typ.Kind() == reflect.Struct:
		props, _ := node["properties"].(map[string]any)
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			prop, _ := props[name].(map[string]any)
			checkText(t, path+"."+name, typ.Field(i).Type, prop)
		}
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
