package cleaner

import (
	"bytes"
	"testing"

	"github.com/newsjet/newsjet/pkg/schema"
)

// TestCompressRoundTrip: pages compressed one after the other with the pooled
// writers decode to themselves, and shrink.
func TestCompressRoundTrip(t *testing.T) {
	for _, page := range []*schema.CleanedPage{bigPage(200), bigPage(3)} {
		data, err := schema.Encode(page)
		if err != nil {
			t.Fatal(err)
		}
		gz, err := compress(data)
		if err != nil {
			t.Fatal(err)
		}
		if !schema.Compressed(gz) || len(gz) >= len(data) {
			t.Errorf("%d bytes compressed to %d", len(data), len(gz))
		}
		back, err := schema.DecodeCleanedPage(gz)
		if err != nil {
			t.Fatal(err)
		}
		again, err := schema.Encode(back)
		if err != nil || !bytes.Equal(again, data) {
			t.Errorf("round trip changed the page (%v)", err)
		}
	}
}
