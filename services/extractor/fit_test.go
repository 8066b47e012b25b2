package extractor

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

func longArticle(paragraphs int) *schema.Article {
	var text, markup []string
	for i := 0; i < paragraphs; i++ {
		p := fmt.Sprintf("Paragraph %d of a very long article, long enough to weigh something.", i)
		text = append(text, p)
		markup = append(markup, "<p>"+p+"</p>")
	}
	body := strings.Join(text, "\n\n")
	return &schema.Article{
		ID: "a", Title: "Long", BodyText: body, BodyHTML: strings.Join(markup, ""), BodyMarkdown: body,
		WordCount: 12 * paragraphs, ContentHash: schema.ArticleContentHash("Long", body), ExtractedAt: time.Now(),
		LivePosts: []schema.LivePost{{Text: strings.Repeat("update ", 2000)}, {Text: strings.Repeat("later ", 2000)}},
	}
}

func TestEncodeToFitCutsAtParagraphs(t *testing.T) {
	const maxPayload = 64 << 10
	a := longArticle(4000) // about 900 KB encoded
	hash, words := a.ContentHash, a.WordCount
	data, err := encodeToFit(a, maxPayload)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) > maxPayload-1024 {
		t.Fatalf("%d bytes over the budget", len(data))
	}
	back, err := schema.DecodeArticle(data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Truncated || back.BodyMarkdown != "" || back.BodyText == "" {
		t.Fatalf("truncated=%v markdown=%d text=%d", back.Truncated, len(back.BodyMarkdown), len(back.BodyText))
	}
	paras := strings.Split(back.BodyText, "\n\n")
	if last := paras[len(paras)-1]; !strings.HasSuffix(last, "something.") {
		t.Errorf("cut inside a paragraph: %q", last)
	}
	if got := strings.Count(back.BodyHTML, "<p>"); got != len(paras) {
		t.Errorf("body_html has %d paragraphs, body_text %d", got, len(paras))
	}
	if back.ContentHash != hash {
		t.Error("content hash changed: it describes the whole article")
	}
	// The word count and reading time are those of the text the article carries.
	if back.WordCount != 12*len(paras) || back.WordCount >= words || back.ReadingTimeMinutes != (back.WordCount+229)/230 {
		t.Errorf("%d words, %d min for %d kept paragraphs of 12 words (the whole had %d)",
			back.WordCount, back.ReadingTimeMinutes, len(paras), words)
	}
}

func TestEncodeToFitLeavesSmallArticlesAlone(t *testing.T) {
	a := longArticle(5)
	a.LivePosts = nil
	if _, err := encodeToFit(a, 64<<10); err != nil || a.Truncated || a.BodyMarkdown == "" {
		t.Fatalf("small article changed: truncated=%v err=%v", a.Truncated, err)
	}
}

func TestEncodeToFitGivesUp(t *testing.T) {
	a := longArticle(3)
	a.Title = strings.Repeat("T", 4000) // metadata alone is over the budget
	_, err := encodeToFit(a, 2048)
	if !errors.Is(err, stage.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}
