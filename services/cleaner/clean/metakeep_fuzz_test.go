package clean

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzCollectMeta checks that no document makes collectMeta panic or change the
// tree it reads.
func FuzzCollectMeta(f *testing.F) {
	f.Add(metaPage)
	f.Add(`<h1 hidden>x</h1><div class="byline AUTHOR" style="display : none"><a href="/author/">y</a></div><h1>z`)
	f.Add(`<svg><title>t</title></svg><meta itemprop=datePublished content=1><p class=x>` + strings.Repeat("é", 500))
	f.Fuzz(func(t *testing.T, page string) {
		doc, err := html.Parse(strings.NewReader(page))
		if err != nil {
			return
		}
		var before, after bytes.Buffer
		if err := html.Render(&before, doc); err != nil {
			return
		}
		head, body := collectMeta(doc)
		for _, n := range append(head, body...) {
			if err := html.Render(&after, n); err != nil {
				t.Fatalf("rendering a kept node: %v", err)
			}
		}
		after.Reset()
		if err := html.Render(&after, doc); err != nil {
			t.Fatal(err)
		}
		if before.String() != after.String() {
			t.Error("collectMeta changed the document")
		}
	})
}
