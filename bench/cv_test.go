package bench

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSiteOf(t *testing.T) {
	cases := []struct{ url, key, want string }{
		{"https://www.bbc.co.uk/news/world-1", "k", "bbc.co.uk"},
		{"https://wien.orf.at/stories/3017954/", "k", "orf.at"},
		{"HTTPS://WWW.Example.COM./a?b=c", "k", "example.com"},
		{"https://economictimes.indiatimes.com/tech", "k", "indiatimes.com"},
		{"https://web.archive.org/web/2020/https://www.przepisy.pl/x", "k", "archive.org"},
		{"http://192.168.0.1:8080/x", "k", "192.168.0.1"},
		{"http://localhost/x", "k", "localhost"},
		{"", "hard::zeit.de.zugverkehr.html", "key:hard::zeit.de.zugverkehr.html"},
		{"not a url", "recall::x", "key:recall::x"},
	}
	for _, c := range cases {
		if got := SiteOf(c.url, c.key); got != c.want {
			t.Errorf("SiteOf(%q, %q) = %q, want %q", c.url, c.key, got, c.want)
		}
	}
}

// TestFoldAssignment: every page of a site, in any corpus, is in the site's one
// fold; the assignment does not change between calls or runs (pinned values);
// every fold is used.
func TestFoldAssignment(t *testing.T) {
	aeb := []string{"https://www.a.com/1", "https://news.a.com/2", "https://b.org/1", "https://c.de/x", "https://d.co.uk/y"}
	traf := []string{"https://a.com/3", "https://c.de/z", "", "https://e.fr/", "https://f.it/", "https://g.es/", "https://h.pl/"}
	group := func(urls []string) Grouping {
		return groupPages(5, len(urls), func(i int) (string, string) { return urls[i], "page" + string(rune('0'+i)) })
	}
	ga, gt := group(aeb), group(traf)
	foldOf := map[string]int{}
	for _, g := range []Grouping{ga, gt, group(aeb)} {
		for i, site := range g.Sites {
			if f, ok := foldOf[site]; ok && f != g.Folds[i] {
				t.Errorf("site %s in folds %d and %d", site, f, g.Folds[i])
			}
			foldOf[site] = g.Folds[i]
			if g.Folds[i] < 0 || g.Folds[i] >= 5 {
				t.Errorf("fold %d out of range", g.Folds[i])
			}
		}
	}
	if ga.Sites[0] != "a.com" || ga.Sites[1] != "a.com" || gt.Sites[0] != "a.com" || gt.Sites[2] != "key:page2" {
		t.Errorf("sites %v %v", ga.Sites, gt.Sites)
	}
	// Pinned from Python: int.from_bytes(sha256(site).digest()[:8], "big") % 5.
	pinned := map[string]int{"a.com": 1, "example.com": 4, "zeit.de": 0, "bbc.co.uk": 1, "key:hard::x": 3}
	for site, want := range pinned {
		if got := FoldOf(site, 5); got != want {
			t.Errorf("FoldOf(%q) = %d, want %d (the assignment changed)", site, got, want)
		}
	}
	used := map[int]bool{}
	for i := range 100 {
		used[FoldOf("site"+string(rune('a'+i%26))+string(rune('a'+i/26)), 5)] = true
	}
	if len(used) != 5 {
		t.Errorf("100 sites use folds %v", used)
	}
}

// TestCrossValidateToy: five folds of one page each; candidate A is good on
// folds 0-2 and poor on 3-4, B is middling everywhere. Left out of fold 0, 1 or
// 2, A averages 0.5 against B's 0.6, so B is chosen; left out of fold 3 or 4, A
// averages 0.7 and is chosen, and scores its poor 0.1 there. Pooled: 0.4,
// against 0.6 for B chosen on all pages: the selection's optimism shows.
func TestCrossValidateToy(t *testing.T) {
	folds := []int{0, 1, 2, 3, 4}
	vals := func(rows ...[]float64) [][]pageValue {
		out := make([][]pageValue, len(rows))
		for c, r := range rows {
			for _, v := range r {
				out[c] = append(out[c], pageValue{v, true})
			}
		}
		return out
	}
	objective := meanMetric("objective", folds, vals([]float64{0.9, 0.9, 0.9, 0.1, 0.1}, []float64{0.6, 0.6, 0.6, 0.6, 0.6}))
	reported := meanMetric("reported", folds, vals([]float64{1, 0, 0, 0, 0}, []float64{0, 1, 1, 1, 1}))
	res := CrossValidate([]Metric{objective, reported}, 2, 5, []int{0})
	if !slices.Equal(res.Chosen, []int{1, 1, 1, 0, 0}) || res.FullChoice != 1 {
		t.Errorf("chosen %v, full %d; want [1 1 1 0 0], 1", res.Chosen, res.FullChoice)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("objective cv", res.Held[0], 0.4)
	near("objective full", res.Full[0], 0.6)
	// The reported metric uses the same choices: B on pages 0-2 (0, 1, 1), A on 3-4 (0, 0).
	near("reported cv", res.Held[1], 0.4)
	near("reported full", res.Full[1], 0.8)

	one := CrossValidate([]Metric{meanMetric("one", folds, vals([]float64{0.9, 0.9, 0.9, 0.1, 0.1}))}, 1, 5, []int{0})
	if one.Held[0] != one.Full[0] || !slices.Equal(one.Chosen, []int{0, 0, 0, 0, 0}) {
		t.Errorf("one candidate: cv %v full %v chosen %v; want cv = full", one.Held[0], one.Full[0], one.Chosen)
	}

	tie := CrossValidate([]Metric{meanMetric("tie", folds, vals([]float64{0.5, 0.5, 0.5, 0.5, 0.5}, []float64{0.5, 0.5, 0.5, 0.5, 0.5}))}, 2, 5, []int{0})
	if !slices.Equal(tie.Chosen, []int{0, 0, 0, 0, 0}) || tie.FullChoice != 0 {
		t.Errorf("ties choose %v / %d, want the first candidate", tie.Chosen, tie.FullChoice)
	}
}

// TestCrossValidateObjectiveMean: the choice maximises the mean of two corpora's
// figures, here a confusion F on one corpus and a mean on another with other folds.
func TestCrossValidateObjectiveMean(t *testing.T) {
	counts := [][]Confusion{{{TP: 1}, {TP: 1}}, {{FN: 1}, {FN: 1}}} // A perfect, B nothing
	f := confusionMetric("F", []int{0, 1}, counts, Confusion.F)
	m := meanMetric("mean", []int{0, 1}, [][]pageValue{{{0, true}, {0, true}}, {{0.8, true}, {0.8, true}}})
	// Mean objective: A = (1 + 0)/2 = 0.5, B = (0 + 0.8)/2 = 0.4: A everywhere.
	res := CrossValidate([]Metric{f, m}, 2, 2, []int{0, 1})
	if !slices.Equal(res.Chosen, []int{0, 0}) || res.FullChoice != 0 || res.Held[0] != 1 || res.Held[1] != 0 {
		t.Errorf("%+v", res)
	}
	// Choosing on the second figure alone picks B.
	if res := CrossValidate([]Metric{f, m}, 2, 2, []int{1}); !slices.Equal(res.Chosen, []int{1, 1}) || res.Held[0] != 0 {
		t.Errorf("%+v", res)
	}
}

func TestDefaultFamilies(t *testing.T) {
	fams := DefaultFamilies([]System{Newsjet(), Trafilatura(), TrafilaturaFallback()}, []System{Newsjet(), HtmldateFast()})
	var names []string
	for _, f := range fams {
		names = append(names, f.Name)
	}
	want := []string{"newsjet", "trafilatura", "trafilatura-fallback", "htmldate-fast", "trafilatura (choose per fold)"}
	if !slices.Equal(names, want) {
		t.Errorf("families %q, want %q", names, want)
	}

	// Grid points are no family of their own: they join newsjet's grid family.
	grid := NewsjetGrid()
	fams = DefaultFamilies(append([]System{Newsjet()}, grid...), []System{Newsjet(), grid[0]})
	if len(fams) != 2 || fams[0].Name != "newsjet" || fams[1].Name != "newsjet (grid)" || len(fams[1].Members) != 1+len(grid) ||
		fams[1].Members[0] != "newsjet" || fams[1].Members[1] != grid[0].Name {
		t.Errorf("families %+v", fams)
	}
}

func TestNewsjetGrid(t *testing.T) {
	grid := NewsjetGrid()
	if len(grid) != 21 {
		t.Fatalf("%d grid points, want 21", len(grid))
	}
	seen := map[string]bool{}
	for _, s := range grid {
		if s.GridOf != "newsjet" || seen[s.Name] || !strings.HasPrefix(s.Name, "newsjet ") {
			t.Errorf("grid point %q (GridOf %q)", s.Name, s.GridOf)
		}
		seen[s.Name] = true
	}
	for _, want := range []string{"newsjet BareDateRest=40", "newsjet SecondOpinionShare=0.3", "newsjet -second-opinion", "newsjet -lead", "newsjet -wrappers", "newsjet -follow-lines", "newsjet -last-resort"} {
		if !seen[want] {
			t.Errorf("grid %v lacks %s", seen, want)
		}
	}
}
