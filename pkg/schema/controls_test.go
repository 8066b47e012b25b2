package schema

import (
	"errors"
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
