package cleaner

import (
	"errors"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

func bigPage(paragraphs int) *schema.CleanedPage {
	var b strings.Builder
	for i := 0; i < paragraphs; i++ {
		b.WriteString("<p>A paragraph of a very long page, with enough words to weigh something.</p>")
	}
	return &schema.CleanedPage{ID: "c", RawID: "r", Head: schema.PageHead{Title: "Long"}, Content: b.String()}
}

func TestEncodeToFitCutsAtATag(t *testing.T) {
	const maxPayload = 64 << 10
	page := bigPage(5000) // about 400 KB
	data, err := encodeToFit(page, maxPayload)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) > maxPayload-1024 || !page.Truncated {
		t.Fatalf("%d bytes, truncated=%v", len(data), page.Truncated)
	}
	back, err := schema.DecodeCleanedPage(data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Truncated || !strings.HasSuffix(back.Content, "</p>") || back.Head.Title != "Long" {
		t.Errorf("content not cut between tags: ...%s", back.Content[len(back.Content)-60:])
	}
}

func TestEncodeToFitLeavesSmallPagesAlone(t *testing.T) {
	page := bigPage(3)
	content := page.Content
	if _, err := encodeToFit(page, 64<<10); err != nil || page.Truncated || page.Content != content {
		t.Fatalf("small page changed: truncated=%v err=%v", page.Truncated, err)
	}
	if _, err := encodeToFit(bigPage(5000), 0); err != nil {
		t.Fatalf("no limit: %v", err)
	}
}

func TestEncodeToFitGivesUp(t *testing.T) {
	_, err := encodeToFit(bigPage(10), 1500)
	if !errors.Is(err, stage.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if reason, permanent := stage.ReasonOf(err); !permanent || reason != stage.ReasonTooLarge {
		t.Errorf("reason %q permanent %v", reason, permanent)
	}
}

// A document whose content is one huge text (a page nested beyond the parser's depth
// limit, flattened) is cut inside that text at a word, not before it: the story stays.
func TestEncodeToFitCutsInsideALongText(t *testing.T) {
	const maxPayload = 64 << 10
	words := strings.Repeat("harbour ", 40000)
	page := &schema.CleanedPage{ID: "c", RawID: "r", Head: schema.PageHead{Title: "Long"}, Content: "<div>" + words + "</div>"}
	data, err := encodeToFit(page, maxPayload)
	if err != nil {
		t.Fatal(err)
	}
	back, err := schema.DecodeCleanedPage(data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Truncated || !strings.HasSuffix(back.Content, " harbour") {
		t.Errorf("not cut after a word: ...%s", back.Content[max(0, len(back.Content)-60):])
	}
	if n := strings.Count(back.Content, "harbour"); n < 7000 {
		t.Errorf("%d words kept of 40000 in %d bytes", n, len(data))
	}
}
