package schema

import (
	"bytes"
	"testing"
)

// TestArticlePrecision: the optional precision fields are absent from the v1 golden
// article (a full time), survive a round trip when set, and are omitted when empty.
func TestArticlePrecision(t *testing.T) {
	m, err := DecodeArticle(readGolden(t, "article.v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.PublishedPrecision != "" || m.ModifiedPrecision != "" {
		t.Errorf("golden article precision = %q/%q, want both empty", m.PublishedPrecision, m.ModifiedPrecision)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("_precision")) {
		t.Errorf("empty precision encoded: %s", b)
	}
	m.PublishedPrecision, m.ModifiedPrecision = "day", "day"
	if b, err = Encode(m); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeArticle(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.PublishedPrecision != "day" || got.ModifiedPrecision != "day" {
		t.Errorf("round trip precision = %q/%q, want day/day", got.PublishedPrecision, got.ModifiedPrecision)
	}
}
