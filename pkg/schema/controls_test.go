package schema

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// An article carrying a C0 control character other than tab and newline, in any string
// field, does not validate; StripControls removes them and keeps tabs and newlines.
func TestArticleControlCharacters(t *testing.T) {
	golden := func(t *testing.T) *Article {
		a, err := DecodeArticle(readGolden(t, "article.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	fields := map[string]func(a *Article){
		"section":            func(a *Article) { a.Section = "Local\x00" },
		"tags":               func(a *Article) { a.Tags = append(a.Tags, "storm\x00damage") },
		"body_text":          func(a *Article) { a.BodyText += "\x1b[31m" },
		"title":              func(a *Article) { a.Title = "Harbour\rreopens" },
		"lead_image.caption": func(a *Article) { a.LeadImage = &Image{URL: "https://x.example/i.jpg", Caption: "a\x07b"} },
		"live_posts.text":    func(a *Article) { a.LivePosts = []LivePost{{Text: "update\x00"}} },
	}
	for name, spoil := range fields {
		t.Run(name, func(t *testing.T) {
			a := golden(t)
			spoil(a)
			err := a.Validate()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), name) {
				t.Fatalf("Validate = %v, want ErrInvalid naming %s", err, name)
			}
			a.StripControls()
			if err := a.Validate(); err != nil {
				t.Fatalf("after StripControls: %v", err)
			}
		})
	}
	a := golden(t)
	a.BodyText, a.Section = "one\ttwo\nthree\x00four", "Lo\x01cal"
	a.StripControls()
	if a.BodyText != "one\ttwo\nthreefour" || a.Section != "Local" {
		t.Errorf("stripped: %q, %q", a.BodyText, a.Section)
	}
	if err := a.Validate(); err != nil {
		t.Error(err)
	}
}

// Validate checks every string member of an Article, however deep (the walk is by
// reflection, so a field added later is covered): a NUL in any of them is refused.
func TestValidateCoversEveryString(t *testing.T) {
	a, err := DecodeArticle(readGolden(t, "article.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	a.LivePosts = []LivePost{{Headline: "h", Text: "t"}}
	a.Lineage.CleanerVersion = "v0.1.0"
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		case reflect.Slice:
			if v.Len() == 0 {
				t.Errorf("%s is empty in the test article: give it an element", path)
			}
			for i := 0; i < v.Len(); i++ {
				walk(path+"[]", v.Index(i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
				if name != "" && name != "-" && v.Type().Field(i).IsExported() {
					walk(path+"."+name, v.Field(i))
				}
			}
		case reflect.String:
			if path == "article.schema" {
				return // checked against the schema name on decoding
			}
			was := v.String()
			v.SetString(was + "\x00")
			if err := a.Validate(); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s holding U+0000: Validate = %v, want ErrInvalid", path, err)
			}
			v.SetString(was)
		}
	}
	walk("article", reflect.ValueOf(a))
}
