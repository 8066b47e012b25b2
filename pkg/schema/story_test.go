package schema

import (
	"errors"
	"testing"
)

// TestGoldenStoryUpdateV1 decodes the v1 golden story update. The file is never edited:
// a change that breaks it breaks subscribers in the field.
func TestGoldenStoryUpdateV1(t *testing.T) {
	m, err := DecodeStoryUpdate(readGolden(t, "story_update.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != StoryJoined || m.Copies != 3 || m.Similarity != 0.874 || m.Origin.Status != StoryOriginDeclared ||
		m.Origin.ArticleID != m.MatchedArticleID || m.PublishedAt == nil {
		t.Errorf("decoded %+v", m)
	}
	if _, off := m.PublishedAt.Zone(); off != 3600 {
		t.Errorf("published_at offset %d, want +01:00 kept", off)
	}
}

func TestStoryUpdateValidate(t *testing.T) {
	valid := func() *StoryUpdate {
		return &StoryUpdate{ID: "u", StoryID: "s", Kind: StoryCreated, ArticleID: "a", ContentHash: "h",
			Similarity: 1, Copies: 1, Origin: StoryOrigin{Status: StoryOriginEarliest, ArticleID: "a"}}
	}
	if _, err := Encode(valid()); err != nil {
		t.Fatalf("valid update: %v", err)
	}
	broken := map[string]func(*StoryUpdate){
		"no story id":     func(m *StoryUpdate) { m.StoryID = "" },
		"unknown kind":    func(m *StoryUpdate) { m.Kind = "merged" },
		"similarity > 1":  func(m *StoryUpdate) { m.Similarity = 1.5 },
		"no copies":       func(m *StoryUpdate) { m.Copies = 0 },
		"unknown origin":  func(m *StoryUpdate) { m.Origin.Status = "guessed" },
		"no content hash": func(m *StoryUpdate) { m.ContentHash = "" },
	}
	for name, breakIt := range broken {
		m := valid()
		breakIt(m)
		if _, err := Encode(m); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Encode = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := DecodeStoryUpdate([]byte(`{"schema":"newsjet.story_update.v2"}`)); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("v2: %v, want ErrUnknownVersion", err)
	}
	if _, err := DecodeStoryUpdate(readGolden(t, "article.v1.json")); !errors.Is(err, ErrWrongType) {
		t.Errorf("an article: %v, want ErrWrongType", err)
	}
	if got := StoriesSubject("https://www.digest-hub.example/x"); got != "news.stories.digest-hub_example" {
		t.Errorf("StoriesSubject = %q", got)
	}
	if StoryUpdateID("s", "a", "h") == StoryUpdateID("s", "a", "h2") {
		t.Error("update ids ignore the content hash")
	}
}
