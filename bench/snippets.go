package bench

import (
	"math"
	"strings"
)

// isPySpace reports whether r is in the set Python's re pattern \s matches in a
// str: U+0009–U+000D, U+001C–U+001F, U+0020, U+0085, U+00A0, U+1680,
// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F and U+3000 (29 code points).
// Zero-width space U+200B, U+FEFF and the soft hyphen U+00AD are not in it.
func isPySpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0d, r >= 0x1c && r <= 0x20:
		return true
	case r < 0x85:
		return false
	case r == 0x85, r == 0xa0, r == 0x1680, r >= 0x2000 && r <= 0x200a,
		r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

// PyNorm is trafilatura's evaluation normalisation: every maximal run of Python
// \s characters becomes one space, then leading and trailing spaces go. Nothing
// else changes (case, Unicode form, quotes and dashes are kept).
func PyNorm(s string) string {
	return strings.Join(strings.FieldsFunc(s, isPySpace), " ")
}

// Confusion holds snippet or date counts summed over pages (a micro-average).
type Confusion struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	FN int `json:"fn"`
	TN int `json:"tn"`
}

// Add returns the sum of c and o.
func (c Confusion) Add(o Confusion) Confusion {
	return Confusion{c.TP + o.TP, c.FP + o.FP, c.FN + o.FN, c.TN + o.TN}
}

// Precision is TP/(TP+FP), 0 when that is 0/0.
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 0 when that is 0/0.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// Accuracy is (TP+TN)/(TP+FP+FN+TN), 0 over no counts.
func (c Confusion) Accuracy() float64 { return ratio(c.TP+c.TN, c.TP+c.FP+c.FN+c.TN) }

// F is 2TP/(2TP+FP+FN), the harmonic mean of precision and recall; 0 when that is 0/0.
func (c Confusion) F() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Round3 rounds x to 3 decimals half to even on x·1000, as the published tables
// do (pandas/numpy round(3)).
func Round3(x float64) float64 { return math.RoundToEven(x*1000) / 1000 }

// SnippetPage is one page's snippet outcome: its counts and which snippets
// failed (indices into the page's with and without lists).
type SnippetPage struct {
	Confusion
	MissedWith  []int // with snippets not found (FN)
	KeptWithout []int // without snippets found (FP)
}

// ScoreSnippets scores one page the way trafilatura's evaluation does: a with
// snippet is a TP when its normalised form is a substring of the normalised
// text, else an FN; a without snippet is an FP when found, else a TN. An empty
// text (no output, the empty string or an error: pass "") finds nothing, so
// every with snippet is an FN and every without snippet a TN. Each snippet counts
// once, however often it occurs.
func ScoreSnippets(text string, with, without []string) SnippetPage {
	t := PyNorm(text)
	var s SnippetPage
	for i, w := range with {
		if t != "" && strings.Contains(t, PyNorm(w)) {
			s.TP++
		} else {
			s.FN++
			s.MissedWith = append(s.MissedWith, i)
		}
	}
	for i, w := range without {
		if t != "" && strings.Contains(t, PyNorm(w)) {
			s.FP++
			s.KeptWithout = append(s.KeptWithout, i)
		} else {
			s.TN++
		}
	}
	return s
}
