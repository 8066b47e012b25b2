package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/story"
)

// PairScore counts same-story pairs: TP pairs predicted and true, FP predicted only,
// FN true only.
type PairScore struct{ TP, FP, FN int }

// Precision is TP/(TP+FP), 1 when nothing is predicted.
func (s PairScore) Precision() float64 {
	if s.TP+s.FP == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FP)
}

// Recall is TP/(TP+FN), 1 when there is no true pair.
func (s PairScore) Recall() float64 {
	if s.TP+s.FN == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FN)
}

func (s PairScore) String() string {
	return fmt.Sprintf("P %.4f R %.4f (TP %d FP %d FN %d)", s.Precision(), s.Recall(), s.TP, s.FP, s.FN)
}

// ScorePairs scores a predicate over every pair of the items keep selects: same(i, j)
// predicts that items i and j are copies of one story; the truth is their Story.
func ScorePairs(items []StoryItem, keep func(i int) bool, same func(i, j int) bool) PairScore {
	var s PairScore
	for i := range items {
		if !keep(i) {
			continue
		}
		for j := i + 1; j < len(items); j++ {
			if !keep(j) {
				continue
			}
			truth, pred := items[i].Story == items[j].Story, same(i, j)
			switch {
			case truth && pred:
				s.TP++
			case pred:
				s.FP++
			case truth:
				s.FN++
			}
		}
	}
	return s
}

// ThresholdFit is the outcome of choosing a similarity threshold on labelled pairs.
type ThresholdFit struct {
	// Lo and Hi bound the widest run of grid thresholds (steps of 0.01) at which the
	// pairs score at least the targets; OK is false when none does.
	Lo, Hi float64
	OK     bool
	// Chosen is the middle of [Lo, Hi], rounded to a multiple of 0.05.
	Chosen float64
}

// FitThreshold chooses a threshold from sims(i, j), the similarity of items i and j,
// over the pairs of the items keep selects: the middle of the widest run of
// thresholds at which pairwise precision and recall reach minP and minR.
func FitThreshold(items []StoryItem, keep func(i int) bool, sims func(i, j int) float64, minP, minR float64) ThresholdFit {
	type pair struct {
		sim  float64
		same bool
	}
	var pairs []pair
	for i := range items {
		if !keep(i) {
			continue
		}
		for j := i + 1; j < len(items); j++ {
			if keep(j) {
				pairs = append(pairs, pair{sims(i, j), items[i].Story == items[j].Story})
			}
		}
	}
	var fit ThresholdFit
	bestLen, runStart := -1, -1
	for step := 1; step <= 100; step++ {
		t := float64(step) / 100
		var s PairScore
		for _, p := range pairs {
			switch pred := p.sim >= t-1e-9; {
			case p.same && pred:
				s.TP++
			case pred:
				s.FP++
			case p.same:
				s.FN++
			}
		}
		feasible := s.Precision() >= minP && s.Recall() >= minR && step < 100
		if feasible && runStart < 0 {
			runStart = step
		}
		if !feasible && runStart >= 0 {
			if n := step - runStart; n > bestLen {
				bestLen, fit.Lo, fit.Hi = n, float64(runStart)/100, float64(step-1)/100
			}
			runStart = -1
		}
	}
	if bestLen > 0 {
		fit.OK = true
		fit.Chosen = math.Round((fit.Lo+fit.Hi)/2*20) / 20
	}
	return fit
}

// AssignStories stores every item's article in a new SQLite store in dir, with stories
// on, as a sink would receive them: in a shuffled order (the same on every run), in
// batches of one to eight. It returns each item's story id.
func AssignStories(ctx context.Context, items []StoryItem, dir string) ([]string, error) {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "stories.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	order := rand.New(rand.NewPCG(2019, 11)).Perm(len(items))
	r := rand.New(rand.NewPCG(7, 1))
	for i := 0; i < len(order); {
		n := min(1+r.IntN(8), len(order)-i)
		batch := make([]*schema.Article, n)
		for j := range batch {
			batch[j] = items[order[i+j]].Article
		}
		res, err := st.PutBatch(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("storing: %w", err)
		}
		for _, p := range res {
			if p.StoryErr != nil {
				return nil, fmt.Errorf("story of %s: %w", p.ID, p.StoryErr)
			}
		}
		i += n
	}
	out := make([]string, len(items))
	for i, it := range items {
		rec, err := st.Get(ctx, it.Article.ID)
		if err != nil {
			return nil, err
		}
		if rec.StoryID == "" {
			return nil, fmt.Errorf("article %s has no story", it.Article.ID)
		}
		out[i] = rec.StoryID
	}
	return out, nil
}

// Sketches sketches every item's body as the sink does.
func Sketches(items []StoryItem) []story.Sketch {
	out := make([]story.Sketch, len(items))
	for i, it := range items {
		out[i] = story.Make(it.Article.BodyText)
	}
	return out
}

// TopicNeighbours returns, for each story, the other story whose original is
// closest in vocabulary (cosine of the counts of words of four letters or more): the
// set's same-topic negatives.
func TopicNeighbours(items []StoryItem) map[string]string {
	vecs := map[string]map[string]float64{}
	for _, it := range items {
		if it.Kind != KindOriginal {
			continue
		}
		v := map[string]float64{}
		for _, w := range Tokens(strings.ToLower(it.Article.BodyText)) {
			if len([]rune(w)) >= 4 {
				v[w]++
			}
		}
		vecs[it.Story] = v
	}
	norm := func(v map[string]float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x * x
		}
		return math.Sqrt(s)
	}
	ids := make([]string, 0, len(vecs))
	for id := range vecs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := map[string]string{}
	for _, a := range ids {
		best, bestCos := "", -1.0
		for _, b := range ids {
			if a == b {
				continue
			}
			dot := 0.0
			for w, x := range vecs[a] {
				dot += x * vecs[b][w]
			}
			if c := dot / (norm(vecs[a])*norm(vecs[b]) + 1e-12); c > bestCos {
				best, bestCos = b, c
			}
		}
		out[a] = best
	}
	return out
}
