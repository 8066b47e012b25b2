package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/services/sink/story"
)

// Targets of the stories evaluation (issue 15): precision and recall of same-story
// pairs.
const (
	storiesMinPrecision = 0.98
	storiesMinRecall    = 0.95
)

// fitHalf is the half of the sites the threshold is chosen on; the other half reports.
const fitHalf = 0

// TestStories evaluates story detection on the set BuildStorySet makes from the AEB
// pages: the threshold is chosen on the pairs of half of the sites (FitThreshold) and
// must be story.Threshold's band; the sink's story step (a SQLite store) then assigns
// stories to every article, and same-story pairs are scored on the other half of the
// sites, and on the whole set, against the targets. It logs the figures the README
// quotes (from the full run; -short builds the set from every third page, to keep CI
// quick, and asserts the same targets).
func TestStories(t *testing.T) {
	pages, err := LoadCorpus(*dataDir)
	if errors.Is(err, ErrNoData) {
		t.Skipf("no benchmark data: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		var third []Page
		for i := 0; i < len(pages); i += 3 {
			third = append(third, pages[i])
		}
		pages = third
	}
	items, err := BuildStorySet(pages)
	if err != nil {
		t.Fatal(err)
	}
	sk := Sketches(items)
	sim := func(i, j int) float64 { return story.Similarity(&sk[i], &sk[j]) }
	inHalf := func(h int) func(int) bool { return func(i int) bool { return items[i].Half == h } }
	all := func(int) bool { return true }

	fit := FitThreshold(items, inHalf(fitHalf), sim, storiesMinPrecision, storiesMinRecall)
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nset: %d articles from %d AEB pages (%d in the fit half, %d in the report half)\n",
		len(items), countKind(items, KindOriginal), countHalf(items, fitHalf), countHalf(items, 1-fitHalf))
	fmt.Fprintf(&sb, "fit half: pairwise P >= %.2f and R >= %.2f for thresholds %.2f..%.2f (ok %v); middle %.2f; sink threshold %.2f\n",
		storiesMinPrecision, storiesMinRecall, fit.Lo, fit.Hi, fit.OK, fit.Chosen, story.Threshold)
	if !fit.OK || story.Threshold < fit.Lo || story.Threshold > fit.Hi {
		t.Errorf("story.Threshold %.2f is outside the fit half's band %.2f..%.2f (ok %v)", story.Threshold, fit.Lo, fit.Hi, fit.OK)
	}

	pairwise := func(i, j int) bool { return sim(i, j) >= story.Threshold }
	ids, err := AssignStories(context.Background(), items, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clustered := func(i, j int) bool { return ids[i] == ids[j] }
	type row struct {
		name string
		keep func(int) bool
	}
	rows := []row{{"report half", inHalf(1 - fitHalf)}, {"fit half", inHalf(fitHalf)}, {"whole set", all}}
	fmt.Fprintf(&sb, "%-12s  %-44s  %s\n", "pairs of", "pairwise similarity >= threshold", "stories assigned by the sink")
	scores := map[string]PairScore{}
	for _, r := range rows {
		p, c := ScorePairs(items, r.keep, pairwise), ScorePairs(items, r.keep, clustered)
		scores[r.name] = c
		fmt.Fprintf(&sb, "%-12s  %-44s  %s\n", r.name, p, c)
	}

	// Recall by kind of copy, and the hard negatives, on the report half.
	report := inHalf(1 - fitHalf)
	kinds := []string{KindOriginal, KindAggregator, KindTrimmed, KindEdited, KindMirror}
	for _, k := range kinds {
		pairs, missed := 0, 0
		for i := range items {
			for j := i + 1; j < len(items); j++ {
				if report(i) && report(j) && items[i].Story == items[j].Story && (items[i].Kind == k || items[j].Kind == k) {
					pairs++
					if !clustered(i, j) {
						missed++
					}
				}
			}
		}
		fmt.Fprintf(&sb, "  pairs with a%s %-10s: recall %.4f (%d of %d missed)\n", article(k), k,
			1-float64(missed)/float64(max(pairs, 1)), missed, pairs)
	}
	topic := TopicNeighbours(items)
	negatives := []struct {
		name string
		is   func(i, j int) bool
	}{
		{"same site", func(i, j int) bool { return items[i].Site == items[j].Site }}, // a copy's site is its chrome's
		{"same topic", func(i, j int) bool {
			return topic[items[i].Story] == items[j].Story || topic[items[j].Story] == items[i].Story
		}},
	}
	for _, n := range negatives {
		total, fp, maxSim := 0, 0, 0.0
		for i := range items {
			for j := i + 1; j < len(items); j++ {
				if !report(i) || !report(j) || items[i].Story == items[j].Story || !n.is(i, j) {
					continue
				}
				total++
				if clustered(i, j) {
					fp++
				}
				maxSim = max(maxSim, sim(i, j))
			}
		}
		fmt.Fprintf(&sb, "  negatives of the %-10s: %5d pairs, %d in one story, highest similarity %.3f\n", n.name, total, fp, maxSim)
	}
	near, keyed := 0, 0
	for i := range items {
		for j := i + 1; j < len(items); j++ {
			if report(i) && report(j) && items[i].Story == items[j].Story && sim(i, j) >= story.Threshold {
				near++
				if slices.ContainsFunc(sk[i].Keys, func(k int64) bool { return slices.Contains(sk[j].Keys, k) }) {
					keyed++
				}
			}
		}
	}
	fmt.Fprintf(&sb, "  candidate keys: %d of the %d same-story pairs at or above the threshold share a key\n", keyed, near)
	t.Log(sb.String())

	for _, name := range []string{"report half", "whole set"} {
		if s := scores[name]; s.Precision() < storiesMinPrecision || s.Recall() < storiesMinRecall {
			t.Errorf("%s: %v, targets P >= %.2f R >= %.2f", name, s, storiesMinPrecision, storiesMinRecall)
		}
	}
}

func article(word string) string {
	if strings.ContainsRune("aeiou", rune(word[0])) {
		return "n"
	}
	return ""
}

func countKind(items []StoryItem, kind string) int {
	return len(slices.DeleteFunc(slices.Clone(items), func(it StoryItem) bool { return it.Kind != kind }))
}

func countHalf(items []StoryItem, half int) int {
	return len(slices.DeleteFunc(slices.Clone(items), func(it StoryItem) bool { return it.Half != half }))
}
