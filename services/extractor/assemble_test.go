package extractor_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
)

// cleanedPage cleans html, served from https://example.com/news/1, with the cleaner's
// own function.
func cleanedPage(t *testing.T, html string) *schema.CleanedPage {
	t.Helper()
	body := []byte(html)
	raw := &schema.RawPage{ID: "raw-1", URL: "https://example.com/news/1", Body: body, ContentHash: schema.ContentHash(body),
		FetchedAt: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	cp, err := cleaner.CleanPage(raw, body, "c-test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// A page whose JSON-LD carries NUL and other control characters (seen in
// articleSection and keywords) gives an article without them, which validates, and
// whose content hash is that of the stripped text.
func TestArticleStripsControlCharacters(t *testing.T) {
	html := `<html><head><title>Harbour reopens</title><script type="application/ld+json">` +
		`{"@type":"NewsArticle","headline":"Harbour reopens","articleSection":"Local\u0000","keywords":["storm\u0000","harbour\u001b"]}` +
		`</script></head><body><article><h1>Harbour reopens</h1><p>` + enParas[0] + "\x01</p><p>" + enParas[1] +
		`</p><p>` + enParas[2] + `</p></article></body></html>`
	cp := cleanedPage(t, html)
	// Lineage comes from the cleaned page, whoever published it.
	cp.CleanerVersion, cp.RequestID = "v1\x00", "req\x1b"
	a, err := extractor.Article(cp, "x-test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("the article does not validate: %v", err)
	}
	for _, s := range append([]string{a.Section, a.BodyText, a.BodyHTML, a.BodyMarkdown, a.Title, a.Lineage.CleanerVersion, a.Lineage.RequestID}, a.Tags...) {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' }) {
			t.Errorf("control character left in %q", s)
		}
	}
	if a.ContentHash != schema.ArticleContentHash(a.Title, a.BodyText) {
		t.Error("content hash is not that of the stripped title and body")
	}
}

// A cleaned page that yields no body is a permanent failure with reason no_content,
// never an empty article.
func TestNoContentIsPermanent(t *testing.T) {
	cp := cleanedPage(t, page("", enTitle, enParas...))
	cp.Content = `<figure><img src="https://example.com/harbour.jpg" alt=""><figcaption>The harbour at dawn.</figcaption></figure>`
	a, err := extractor.Article(cp, "x-test", time.Now())
	if reason, permanent := stage.ReasonOf(err); !permanent || reason != schema.ReasonNoContent || !errors.Is(err, extractor.ErrNoContent) {
		t.Fatalf("Article = %+v, %v; want a permanent no_content error", a, err)
	}
}
