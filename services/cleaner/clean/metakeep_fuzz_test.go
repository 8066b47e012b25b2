package clean

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// FuzzCollectMeta checks that no document makes collectMeta panic, change the tree
// it reads or nest a candidate more than one depth below the one before it.
func FuzzCollectMeta(f *testing.F) {
	f.Add(metaPage)
	f.Add(`<h1 hidden>x</h1><div class="byline AUTHOR" style="display : none"><a href="/author/">y</a></div><h1>z`)
	f.Add(`<svg><title>t</title></svg><meta itemprop=datePublished content=1><p class=x>` + strings.Repeat("é", 500))
	f.Fuzz(func(t *testing.T, page string) {
		doc := htmlparse.Document(page)
		var before, after bytes.Buffer
		if err := html.Render(&before, doc); err != nil {
			return
		}
		m := collectMeta(doc, &defaultParams)
		prev := -1
		for _, c := range m.candidates {
			if c.Depth > prev+1 {
				t.Fatalf("candidate depth %d after %d", c.Depth, prev)
			}
			prev = c.Depth
		}
		if err := html.Render(&after, doc); err != nil {
			t.Fatal(err)
		}
		if before.String() != after.String() {
			t.Error("collectMeta changed the document")
		}
	})
}
