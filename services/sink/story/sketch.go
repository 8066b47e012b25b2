// Package story tells which articles are copies of one story: the same text lightly
// edited (paragraphs cut or added, another headline, another site's chrome), on other
// sites or under other URLs of one site.
//
// Similarity: the body text is lower-cased and split into tokens (runs of letters,
// digits and combining marks; each Chinese or Japanese character is a token of its
// own). The shingles of a body are its runs of ShingleWords consecutive tokens. The
// similarity of two bodies is the resemblance (Jaccard index) of their shingle sets,
// |A ∩ B| / |A ∪ B|, estimated from bottom-k sketches (the SketchSize smallest shingle
// hashes; exact when the union has at most SketchSize shingles). Two articles are
// copies of one story when it is at least Threshold. Titles are not compared: a new
// headline is one of the edits a copy makes.
//
// Candidates: comparing an article with every stored one would not scale, so each
// sketch also carries NumKeys locality-sensitive keys: MinHash in its one-permutation
// (bottom-k) form, with bands of one hash, the keys being the NumKeys smallest shingle
// hashes. When some of the NumKeys smallest shingles of A ∪ B are in A ∩ B, they are
// among the smallest of A and of B too, so two bodies of resemblance J share a key
// with probability at least about 1-(1-J)^NumKeys: 0.986 at J = Threshold, 0.9998 at
// J = 0.5, 0.46 at J = 0.05. The store looks up an article's keys (NumKeys index
// lookups, whatever the number of stored articles) and compares it with the articles
// found.
package story

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Parameters of the similarity. The threshold is the one the stories evaluation in
// bench chooses on half of the AEB sites (the middle of the band of thresholds where
// same-story pairs reach precision 0.98 and recall 0.95; see the README).
const (
	// ShingleWords is the number of consecutive tokens in a shingle.
	ShingleWords = 5
	// SketchSize is how many of the smallest shingle hashes a sketch keeps.
	SketchSize = 128
	// NumKeys is the number of candidate keys of a sketch.
	NumKeys = 12
	// Threshold is the least resemblance of two copies of one story.
	Threshold = 0.3
	// MinShingles is the fewest shingles a body needs to be matched: shorter bodies
	// (a caption, a line of boilerplate) say too little to tell stories apart, and
	// their article is a story of its own.
	MinShingles = 16
)

// Sketch is what the store keeps of a body to compare it: its size, its bottom-k
// shingle hashes and its candidate keys.
type Sketch struct {
	// Shingles is the number of distinct shingles of the body.
	Shingles int
	// Mins are the smallest 32-bit shingle hashes, ascending, at most SketchSize.
	Mins []uint32
	// Keys are the NumKeys candidate keys (the smallest 64-bit shingle hashes, as
	// signed integers for the databases), ascending as unsigned; none when the body has
	// fewer than MinShingles shingles.
	Keys []int64
}

// Make sketches a body text.
func Make(body string) Sketch {
	hashes := shingleHashes(body)
	slices.Sort(hashes)
	hashes = slices.Compact(hashes)
	s := Sketch{Shingles: len(hashes)}
	// The sketch orders shingles by the top 32 bits of their hash; hashes sorted by
	// their 64 bits are sorted by their top bits too, and two shingles whose top bits
	// collide count once.
	s.Mins = make([]uint32, 0, min(len(hashes), SketchSize))
	for _, h := range hashes {
		m := uint32(h >> 32)
		if n := len(s.Mins); n > 0 && s.Mins[n-1] == m {
			continue
		}
		if len(s.Mins) == SketchSize {
			break
		}
		s.Mins = append(s.Mins, m)
	}
	if len(hashes) >= MinShingles {
		s.Keys = make([]int64, 0, NumKeys)
		for _, h := range hashes[:min(NumKeys, len(hashes))] {
			s.Keys = append(s.Keys, int64(h))
		}
	}
	return s
}

// Similarity estimates the resemblance of the bodies of a and b from their sketches:
// of the SketchSize smallest hashes of the union of the two sketches (which are the
// smallest of the union of the two bodies), the fraction present in both. Each of
// those hashes is at most the last hash of a full sketch, so whether it is in a body
// is known exactly. The estimate is exact when the union has at most SketchSize
// shingles, and 0 when either body has no shingle.
func Similarity(a, b *Sketch) float64 {
	am, bm := a.Mins, b.Mins
	if len(am) == 0 || len(bm) == 0 {
		return 0
	}
	union, both := 0, 0
	for i, j := 0, 0; union < SketchSize && (i < len(am) || j < len(bm)); union++ {
		switch {
		case j == len(bm) || (i < len(am) && am[i] < bm[j]):
			i++
		case i == len(am) || bm[j] < am[i]:
			j++
		default:
			i, j, both = i+1, j+1, both+1
		}
	}
	return float64(both) / float64(union)
}

// shingleHashes returns the 64-bit hash of every shingle of body, in text order,
// repeats included. A body of fewer than ShingleWords tokens (but at least one) has one
// shingle: all its tokens.
func shingleHashes(body string) []uint64 {
	var tokens []uint64
	forEachToken(body, func(tok uint64) { tokens = append(tokens, tok) })
	if len(tokens) == 0 {
		return nil
	}
	w := min(ShingleWords, len(tokens))
	out := make([]uint64, 0, len(tokens)-w+1)
	for i := 0; i+w <= len(tokens); i++ {
		h := uint64(w)
		for _, t := range tokens[i : i+w] {
			h = (h ^ t) * fnvPrime
		}
		out = append(out, mix(h))
	}
	return out
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// forEachToken calls fn with the FNV-1a hash of each token of s, lower-cased: a run of
// letters, digits and combining marks, or a single Han, Hiragana or Katakana character
// (those scripts do not separate words by spaces).
func forEachToken(s string, fn func(uint64)) {
	h, in := uint64(fnvOffset), false
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf { // ASCII: the same hashes as below, faster
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				h, in = (h^uint64(c))*fnvPrime, true
			case 'A' <= c && c <= 'Z':
				h, in = (h^uint64(c+'a'-'A'))*fnvPrime, true
			default:
				if in {
					fn(h)
				}
				h, in = fnvOffset, false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case isIdeographic(r):
			if in {
				fn(h)
			}
			h = fnvOffset
			n := utf8.EncodeRune(buf[:], r)
			for _, c := range buf[:n] {
				h = (h ^ uint64(c)) * fnvPrime
			}
			fn(h)
			h, in = fnvOffset, false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (in && unicode.In(r, unicode.Mn, unicode.Mc)):
			n := utf8.EncodeRune(buf[:], unicode.ToLower(r))
			for _, c := range buf[:n] {
				h = (h ^ uint64(c)) * fnvPrime
			}
			in = true
		default:
			if in {
				fn(h)
			}
			h, in = fnvOffset, false
		}
	}
	if in {
		fn(h)
	}
}

func isIdeographic(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// mix is the SplitMix64 finaliser: it spreads the bits of a shingle's FNV hash so that
// the smallest hashes are a uniform sample of the shingles.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// ErrBadSketch: stored sketch bytes do not decode.
var ErrBadSketch = errors.New("story: bad sketch encoding")

// MarshalBinary encodes the sketch for the store: the shingle count then the hashes,
// 4 bytes each, big-endian. Keys are stored apart (they are what the store indexes).
func (s *Sketch) MarshalBinary() ([]byte, error) {
	b := make([]byte, 4+4*len(s.Mins))
	binary.BigEndian.PutUint32(b, uint32(s.Shingles))
	for i, m := range s.Mins {
		binary.BigEndian.PutUint32(b[4+4*i:], m)
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's encoding; Keys are left empty. It returns
// ErrBadSketch for bytes that are not a sketch.
func (s *Sketch) UnmarshalBinary(b []byte) error {
	if len(b) < 4 || len(b)%4 != 0 || (len(b)-4)/4 > SketchSize {
		return fmt.Errorf("%w: %d bytes", ErrBadSketch, len(b))
	}
	s.Shingles = int(binary.BigEndian.Uint32(b))
	s.Mins = make([]uint32, (len(b)-4)/4)
	for i := range s.Mins {
		s.Mins[i] = binary.BigEndian.Uint32(b[4+4*i:])
		if i > 0 && s.Mins[i] <= s.Mins[i-1] {
			return fmt.Errorf("%w: hashes not ascending", ErrBadSketch)
		}
	}
	s.Keys = nil
	return nil
}
