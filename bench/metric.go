package bench

import (
	"slices"
	"strings"
	"unicode"
)

// Tokens splits text into the benchmark's tokens: maximal runs of Unicode letters,
// numbers and '_' (Python's \w), case preserved.
func Tokens(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

// shingleN is the shingle size of the benchmark metric.
const shingleN = 4

// Shingles returns the multiset of 4-token shingles of tokens: a list of 1 to 3
// tokens is one shingle, an empty list has none.
func Shingles(tokens []string) map[string]int {
	m := make(map[string]int)
	if len(tokens) == 0 {
		return m
	}
	if len(tokens) < shingleN {
		m[strings.Join(tokens, "\x00")]++
		return m
	}
	for i := 0; i+shingleN <= len(tokens); i++ {
		m[strings.Join(tokens[i:i+shingleN], "\x00")]++
	}
	return m
}

// PageScore is the shingle match of one page's predicted text against its truth.
type PageScore struct {
	TP, FP, FN int
	// Exact reports whether the token lists are equal.
	Exact bool
}

// Precision is TP/(TP+FP), 1 when both are zero.
func (s PageScore) Precision() float64 {
	if s.TP+s.FP == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FP)
}

// Recall is TP/(TP+FN), 1 when both are zero.
func (s PageScore) Recall() float64 {
	if s.TP+s.FN == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FN)
}

// F1 is the harmonic mean of the page's precision and recall.
func (s PageScore) F1() float64 {
	return harmonic(s.Precision(), s.Recall())
}

// ScorePage compares a predicted text with the true one.
func ScorePage(truth, pred string) PageScore {
	tt, pt := Tokens(truth), Tokens(pred)
	ts, ps := Shingles(tt), Shingles(pt)
	var s PageScore
	for k, tc := range ts {
		pc := ps[k]
		s.TP += min(tc, pc)
		if tc > pc {
			s.FN += tc - pc
		}
	}
	for k, pc := range ps {
		if tc := ts[k]; pc > tc {
			s.FP += pc - tc
		}
	}
	s.Exact = slices.Equal(tt, pt)
	return s
}

// CorpusScore aggregates page scores the benchmark's way.
type CorpusScore struct {
	Precision, Recall, F1, Accuracy float64
	Pages                           int
}

// Aggregate computes corpus precision (mean over pages with TP+FP > 0), corpus
// recall (mean over pages with TP+FN > 0), F1 as the harmonic mean of those two
// means, and accuracy as the share of pages whose token lists match exactly.
func Aggregate(scores []PageScore) CorpusScore {
	var c CorpusScore
	var np, nr, exact int
	for _, s := range scores {
		if s.TP+s.FP > 0 {
			c.Precision += s.Precision()
			np++
		}
		if s.TP+s.FN > 0 {
			c.Recall += s.Recall()
			nr++
		}
		if s.Exact {
			exact++
		}
	}
	if np > 0 {
		c.Precision /= float64(np)
	}
	if nr > 0 {
		c.Recall /= float64(nr)
	}
	c.F1 = harmonic(c.Precision, c.Recall)
	c.Pages = len(scores)
	if len(scores) > 0 {
		c.Accuracy = float64(exact) / float64(len(scores))
	}
	return c
}

func harmonic(a, b float64) float64 {
	if a+b == 0 {
		return 0
	}
	return 2 * a * b / (a + b)
}
