package extractor_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/extractor"
)

func cleanedPage(html string) *schema.CleanedPage {
	return &schema.CleanedPage{ID: "cleaned-1", RawID: "raw-1", URL: "https://example.com/news/1", HTML: html,
		FetchedAt: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), CleanerVersion: "c-test"}
}

// A page whose JSON-LD carries NUL and other control characters (seen in
// articleSection and keywords) gives an article without them, which validates, and
// whose content hash is that of the stripped text.
func TestArticleStripsControlCharacters(t *testing.T) {
	html := `<html><head><title>Harbour reopens</title><script type="application/ld+json">` +
		`{"@type":"NewsArticle","headline":"Harbour reopens","articleSection":"Local\u0000","keywords":["storm\u0000","harbour\u001b"]}` +
		`</script></head><body><article data-newsjet="content"><h1>Harbour reopens</h1><p>` + enParas[0] + "\x01</p><p>" + enParas[1] +
		`</p></article></body></html>`
	a, err := extractor.Article(cleanedPage(html), "x-test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatalf("the article does not validate: %v", err)
	}
	for _, s := range append([]string{a.Section, a.BodyText, a.BodyHTML, a.BodyMarkdown, a.Title}, a.Tags...) {
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
	html := `<html><head><title>Gallery: harbour</title><meta property="og:title" content="Gallery: harbour"></head>` +
		`<body><div data-newsjet="meta"><h1>Gallery: harbour</h1></div><article data-newsjet="content"></article></body></html>`
	a, err := extractor.Article(cleanedPage(html), "x-test", time.Now())
	if reason, permanent := stage.ReasonOf(err); !permanent || reason != schema.ReasonNoContent || !errors.Is(err, extractor.ErrNoContent) {
		t.Fatalf("Article = %+v, %v; want a permanent no_content error", a, err)
	}
}
