package cleaner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
)

// TestDeeplyNestedPageKeepsItsStory: a page of 100,000 nested elements, published bare
// under the default 1 MiB max payload, gives a cleaned page holding its story, not
// cut (it used to be cut to fit and lose every word).
func TestDeeplyNestedPageKeepsItsStory(t *testing.T) {
	story := strings.Repeat("The harbour reopened on Wednesday after six weeks of repairs. ", 40)
	raw := "<html><head><title>Deep</title></head><body>" + strings.Repeat("<div>", 100000) +
		"<h1>Deep story</h1><p>" + story + "</p>" + strings.Repeat("</div>", 100000) + "</body></html>"
	m := &stage.Msg{Subject: "news.raw.example_com", Header: map[string][]string{schema.HeaderURL: {"https://example.com/deep"}},
		Data: []byte(raw), Received: time.Now()}
	outs, err := cleaner.Handler("test", nil, 1<<20)(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := schema.DecodeCleanedPage(outs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Truncated || !strings.Contains(cp.Content, strings.TrimSpace(story)) {
		t.Errorf("truncated=%v, %d bytes; the story is not in the cleaned page", cp.Truncated, len(cp.Content))
	}
}
