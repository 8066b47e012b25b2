package story

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// words returns the words w<from> ... w<to-1>, a text whose shingles are all distinct.
func words(from, to int) string {
	ws := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		ws = append(ws, fmt.Sprintf("w%d", i))
	}
	return strings.Join(ws, " ")
}

// resemblance is the true resemblance of words(0, n) and words(off, off+n): windows of
// ShingleWords tokens, n-ShingleWords+1 per text, overlapping on n-off words.
func resemblance(n, off int) float64 {
	per := n - ShingleWords + 1
	shared := max(0, n-off-ShingleWords+1)
	return float64(shared) / float64(2*per-shared)
}

func TestSimilarityExactOnSmallSets(t *testing.T) {
	// 60 words: 56 shingles each, a union of at most 112 < SketchSize.
	for _, off := range []int{0, 10, 30, 50, 60} {
		a, b := Make(words(0, 60)), Make(words(off, off+60))
		got, want := Similarity(&a, &b), resemblance(60, off)
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("offset %d: similarity %.6f, want exactly %.6f", off, got, want)
		}
		if Similarity(&b, &a) != got {
			t.Errorf("offset %d: not symmetric", off)
		}
	}
}

func TestSimilarityEstimatesLargeSets(t *testing.T) {
	// Sketches are full (SketchSize of some 2000 shingles): the estimate's standard
	// deviation is about sqrt(J(1-J)/SketchSize) < 0.045; allow three of them.
	for _, off := range []int{200, 800, 1000, 1400} {
		a, b := Make(words(0, 2000)), Make(words(off, off+2000))
		got, want := Similarity(&a, &b), resemblance(2000, off)
		if math.Abs(got-want) > 0.13 {
			t.Errorf("offset %d: similarity %.3f, true resemblance %.3f", off, got, want)
		}
	}
}

func TestTokensIgnoreCaseAndPunctuation(t *testing.T) {
	a := Make("The harbour reopened on Wednesday, after six weeks of repairs; fishing boats returned first.")
	b := Make("the HARBOUR reopened on wednesday after six weeks of repairs — fishing boats returned first")
	if s := Similarity(&a, &b); s != 1 {
		t.Errorf("similarity %.3f, want 1: case and punctuation are not tokens", s)
	}
	// Combining marks stay inside their word: "नमस्ते" is one token, not three.
	if h := shingleHashes("नमस्ते"); len(h) != 1 {
		t.Errorf("%d shingles of one Devanagari word", len(h))
	}
	// Every Han or kana character is a token.
	if h := shingleHashes("港の新しい灯台が完成"); len(h) != 10-ShingleWords+1 {
		t.Errorf("%d shingles of 10 ideographic characters, want %d", len(h), 10-ShingleWords+1)
	}
}

func TestSketchShortAndEmpty(t *testing.T) {
	empty := Make(" .,; ")
	if empty.Shingles != 0 || len(empty.Keys) != 0 || len(empty.Mins) != 0 {
		t.Errorf("empty body sketch = %+v", empty)
	}
	short := Make("Watch the video above.")
	if short.Shingles != 1 || len(short.Keys) != 0 {
		t.Errorf("short body: %d shingles, %d keys", short.Shingles, len(short.Keys))
	}
	if s := Similarity(&empty, &short); s != 0 {
		t.Errorf("similarity with an empty body = %v", s)
	}
	long := Make(words(0, MinShingles+ShingleWords-1))
	if len(long.Keys) != NumKeys {
		t.Errorf("a body of %d shingles: %d keys", long.Shingles, len(long.Keys))
	}
}

func TestSketchKeepsSmallestHashes(t *testing.T) {
	s := Make(words(0, 1000))
	if len(s.Mins) != SketchSize || !slices.IsSorted(s.Mins) || s.Shingles != 1000-ShingleWords+1 {
		t.Fatalf("sketch of %d shingles with %d mins (sorted %v)", s.Shingles, len(s.Mins), slices.IsSorted(s.Mins))
	}
	all := shingleHashes(words(0, 1000))
	slices.Sort(all)
	if s.Mins[0] != uint32(all[0]>>32) || s.Keys[0] != int64(all[0]) {
		t.Error("the sketch does not start with the smallest shingle hash")
	}
}

// TestKeysFindCopies checks the candidate keys against their promise: bodies at the
// threshold's resemblance share a key almost always, unrelated bodies never.
func TestKeysFindCopies(t *testing.T) {
	shares := func(a, b Sketch) bool {
		for _, k := range a.Keys {
			if slices.Contains(b.Keys, k) {
				return true
			}
		}
		return false
	}
	const n, pairs = 400, 200
	off := 215 // resemblance(400, 215) is about Threshold
	if r := resemblance(n, off); math.Abs(r-Threshold) > 0.02 {
		t.Fatalf("test pair resemblance %.3f, want about %.2f", r, Threshold)
	}
	found, unrelated := 0, 0
	for i := range pairs {
		base := i * 10000
		a, b := Make(words(base, base+n)), Make(words(base+off, base+off+n))
		if shares(a, b) {
			found++
		}
		if shares(a, Make(words(base+5000, base+5000+n))) {
			unrelated++
		}
	}
	if found < pairs*97/100 {
		t.Errorf("%d of %d pairs at resemblance %.2f share a key, want at least 97%%", found, pairs, Threshold)
	}
	if unrelated != 0 {
		t.Errorf("%d unrelated pairs share a key", unrelated)
	}
}

func TestSketchBinary(t *testing.T) {
	s := Make(words(0, 500))
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Sketch
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if got.Shingles != s.Shingles || !slices.Equal(got.Mins, s.Mins) || got.Keys != nil {
		t.Errorf("round trip = %d shingles, %d mins", got.Shingles, len(got.Mins))
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, {0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 3}, make([]byte, 4+4*(SketchSize+1))} {
		if err := new(Sketch).UnmarshalBinary(bad); !errors.Is(err, ErrBadSketch) {
			t.Errorf("UnmarshalBinary(% x...) = %v, want ErrBadSketch", bad[:min(len(bad), 8)], err)
		}
	}
}

// TestTokenHashesFastPath: the ASCII fast path hashes tokens as the rune path does.
func TestTokenHashesFastPath(t *testing.T) {
	reference := func(s string) []uint64 {
		var out []uint64
		h, in := uint64(fnvOffset), false
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				for _, c := range []byte(string(unicode.ToLower(r))) {
					h = (h ^ uint64(c)) * fnvPrime
				}
				in = true
				continue
			}
			if in {
				out = append(out, h)
			}
			h, in = fnvOffset, false
		}
		if in {
			out = append(out, h)
		}
		return out
	}
	text := "The HARBOUR reopened: Straße 42, ÉCOLE café, naïve résumé — 3.14% of Ürümqi's boats!"
	var got []uint64
	forEachToken(text, func(h uint64) { got = append(got, h) })
	if want := reference(text); !slices.Equal(got, want) {
		t.Errorf("tokens %v\nwant %v", got, want)
	}
}
