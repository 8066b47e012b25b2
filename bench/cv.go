package bench

import (
	"crypto/sha256"
	"encoding/binary"
	nurl "net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// SiteOf returns the site a page belongs to for grouping: the registrable domain
// (eTLD+1 by the public suffix list) of its URL's host, lower-cased, or the host
// itself when it has none (an IP address, a single label). A page without a
// usable URL is its own group, "key:" + its corpus key, so that it shares a fold
// only with entries of other corpora annotated under the same key.
func SiteOf(pageURL, key string) string {
	u, err := nurl.Parse(pageURL)
	if err != nil || u.Hostname() == "" {
		return "key:" + key
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// FoldOf assigns a site to one of k folds by the first 8 bytes of sha256(site):
// the same site always lands in the same fold, in every corpus and run.
func FoldOf(site string, k int) int {
	h := sha256.Sum256([]byte(site))
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(k))
}

// A Metric is one corpus figure that cross-validation selects on or reports, for
// a list of candidate configurations scored on the same pages.
type Metric struct {
	Name string
	// Folds[i] is the fold of page i.
	Folds []int
	// Score returns the figure over the pages picks selects: picks[i] is the
	// candidate whose output page i contributes, or -1 to leave page i out.
	Score func(picks []int) float64
}

// CVResult is the outcome of a site-grouped cross-validation.
type CVResult struct {
	// Chosen[f] is the candidate chosen on all folds but f.
	Chosen []int
	// Held[m] is metric m pooled over the held-out folds: every page scored with
	// the candidate chosen without its fold.
	Held []float64
	// FullChoice is the candidate chosen on all pages, and Full[m] its figures:
	// what one reports without holding anything out.
	FullChoice int
	Full       []float64
}

// CrossValidate runs k-fold selection over candidates 0..n-1. For each fold f
// the candidate with the highest objective (the mean of the metrics listed in
// objective) on the other folds' pages is chosen, the first one on ties, and
// scores fold f. With one candidate Held equals Full: there is nothing to choose.
// A fold without training pages keeps candidate 0.
func CrossValidate(metrics []Metric, n, k int, objective []int) CVResult {
	res := CVResult{Chosen: make([]int, k)}
	held := make([][]int, len(metrics))
	for m := range metrics {
		held[m] = fill(len(metrics[m].Folds), -1)
	}
	for f := range k {
		res.Chosen[f] = choose(metrics, n, objective, func(fold int) bool { return fold != f })
		for m, mt := range metrics {
			for i, fold := range mt.Folds {
				if fold == f {
					held[m][i] = res.Chosen[f]
				}
			}
		}
	}
	res.FullChoice = choose(metrics, n, objective, func(int) bool { return true })
	for m, mt := range metrics {
		res.Held = append(res.Held, mt.Score(held[m]))
		res.Full = append(res.Full, mt.Score(fill(len(mt.Folds), res.FullChoice)))
	}
	return res
}

// choose returns the candidate with the best objective on the pages whose fold
// passes train; candidate 0 when no page does.
func choose(metrics []Metric, n int, objective []int, train func(fold int) bool) int {
	best, bestScore := 0, 0.0
	for c := range n {
		sum, seen := 0.0, false
		for _, m := range objective {
			picks := make([]int, len(metrics[m].Folds))
			for i, fold := range metrics[m].Folds {
				picks[i] = -1
				if train(fold) {
					picks[i], seen = c, true
				}
			}
			sum += metrics[m].Score(picks)
		}
		if !seen {
			return 0
		}
		if score := sum / float64(len(objective)); c == 0 || score > bestScore {
			best, bestScore = c, score
		}
	}
	return best
}

func fill(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}
