package bench

import (
	"errors"
	"flag"
	"math"
	"slices"
	"testing"
)

var trafDir = flag.String("trafilatura", DefaultCorpusDir(CorpusTraf), "trafilatura-dev directory (skipped when absent)")

func TestPyNormWhitespaceSet(t *testing.T) {
	var got []rune
	for r := rune(0); r <= 0x10ffff; r++ {
		if isPySpace(r) {
			got = append(got, r)
		}
	}
	want := []rune{0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
		0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
		0x2028, 0x2029, 0x202f, 0x205f, 0x3000}
	if !slices.Equal(got, want) {
		t.Errorf("Python \\s set = %U\nwant %U", got, want)
	}
	cases := map[string]string{
		"  a\t\v\fb\r\n\u0085c\u00a0\u2003\u3000d  ": "a b c d",
		"\u001cx\u001fy\u2028z\u2029":                "x y z",
		"zero\u200bwidth \ufeffbom soft\u00adhyphen": "zero\u200bwidth \ufeffbom soft\u00adhyphen",
		"Case „Quotes“ – dash":                       "Case „Quotes“ – dash",
		"":                                           "",
		" \u00a0 ":                                   "",
	}
	for in, want := range cases {
		if got := PyNorm(in); got != want {
			t.Errorf("PyNorm(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScoreSnippets(t *testing.T) {
	cases := []struct {
		name          string
		text          string
		with, without []string
		want          Confusion
		missed, kept  []int
	}{
		{"METRIC.md example: runs collapse", "… Die  Bundesregierung\nhat …", []string{"Die Bundesregierung hat"}, []string{"Impressum"},
			Confusion{TP: 1, TN: 1}, nil, nil},
		{"METRIC.md example: the soft hyphen stays", "Die Bundes\u00adregierung hat", []string{"Die Bundesregierung hat"}, []string{"x"},
			Confusion{FN: 1, TN: 1}, []int{0}, nil},
		{"snippet whitespace is normalised too", "one two three", []string{" one\n\ttwo "}, nil, Confusion{TP: 1}, nil, nil},
		{"case-sensitive, no quote or dash folding", `He said "yes" - then left`, []string{"he said", "„yes“", "– then"}, nil,
			Confusion{FN: 3}, []int{0, 1, 2}, nil},
		{"boilerplate found is an FP", "Story text. Share this article", []string{"Story text."}, []string{"Share this", "Cookies"},
			Confusion{TP: 1, FP: 1, TN: 1}, nil, []int{0}},
		{"repeats count once", "abc abc abc", []string{"abc"}, []string{"abc abc"}, Confusion{TP: 1, FP: 1}, nil, []int{0}},
		{"empty output is a full miss", "", []string{"a", "b"}, []string{"c"}, Confusion{FN: 2, TN: 1}, []int{0, 1}, nil},
		{"whitespace-only output is a full miss", " \n\u00a0", []string{"a"}, []string{"c", "d"}, Confusion{FN: 1, TN: 2}, []int{0}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ScoreSnippets(c.text, c.with, c.without)
			if got.Confusion != c.want || !slices.Equal(got.MissedWith, c.missed) || !slices.Equal(got.KeptWithout, c.kept) {
				t.Errorf("got %+v missed %v kept %v, want %+v missed %v kept %v", got.Confusion, got.MissedWith, got.KeptWithout,
					c.want, c.missed, c.kept)
			}
		})
	}
}

func TestConfusionFigures(t *testing.T) {
	c := Confusion{TP: 6, FP: 2, FN: 4, TN: 8}
	for name, pair := range map[string][2]float64{
		"P": {c.Precision(), 6.0 / 8}, "R": {c.Recall(), 6.0 / 10}, "acc": {c.Accuracy(), 14.0 / 20}, "F": {c.F(), 12.0 / 18},
	} {
		if math.Abs(pair[0]-pair[1]) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
	}
	var zero Confusion
	if zero.Precision() != 0 || zero.Recall() != 0 || zero.Accuracy() != 0 || zero.F() != 0 {
		t.Errorf("zero counts give %v %v %v %v, want all 0", zero.Precision(), zero.Recall(), zero.Accuracy(), zero.F())
	}
	if got := c.Add(Confusion{1, 1, 1, 1}); got != (Confusion{7, 3, 5, 9}) {
		t.Errorf("Add = %+v", got)
	}
	// F is the harmonic mean of P and R.
	if h := harmonic(c.Precision(), c.Recall()); math.Abs(h-c.F()) > 1e-12 {
		t.Errorf("F %v != harmonic mean %v", c.F(), h)
	}
}

func TestRound3HalfToEven(t *testing.T) {
	for in, want := range map[float64]string{
		0.0625:             "0.062", // 62.5 -> 62
		0.1875:             "0.188", // 187.5 -> 188
		1484.0 / 2960:      "0.501",
		2 * 1301.0 / 2853:  "0.912",
		0.99951:            "1.000",
		float64(0) / 1.0:   "0.000",
		1.0 - 1e-17:        "1.000",
		0.9124999999999999: "0.912",
	} {
		if got := f3(in); got != want {
			t.Errorf("f3(%v) = %s, want %s", in, got, want)
		}
	}
}

func TestScoreTrafMeta(t *testing.T) {
	gold := TrafEntry{Title: "Ein  Titel\u00a0– „hier“", Author: "Anna Muster; Bob Beispiel", Date: "2019-10-20"}
	cases := []struct {
		name string
		sys  TrafMeta
		want TrafMetaPage
	}{
		{"all right, whitespace in title normalised", TrafMeta{" Ein Titel – „hier“\n", "Anna Muster; Bob Beispiel", "2019-10-20T01:00:00+02:00"},
			TrafMetaPage{true, true, true, true, true, true}},
		{"title case differs, author order differs, other day", TrafMeta{"ein Titel – „hier“", "Bob Beispiel; Anna Muster", "2019-10-19T23:00:00Z"},
			TrafMetaPage{true, false, true, false, true, false}},
		{"quotes not folded, author separator differs, date not ISO", TrafMeta{`Ein Titel - "hier"`, "Anna Muster, Bob Beispiel", "20.10.2019"},
			TrafMetaPage{true, false, true, false, true, false}},
		{"no output", TrafMeta{}, TrafMetaPage{true, false, true, false, true, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ScoreTrafMeta(c.sys, gold); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
	if got := ScoreTrafMeta(TrafMeta{Title: "x", Author: "y", Date: "2020-01-01"}, TrafEntry{}); got != (TrafMetaPage{}) {
		t.Errorf("page without gold metadata is scored: %+v", got)
	}
	var s TrafMetaScores
	s.Add(TrafMetaPage{true, true, true, false, false, false})
	s.Add(TrafMetaPage{true, false, false, false, true, true})
	if s.Title != (Tally{1, 2}) || s.Author != (Tally{0, 1}) || s.Date != (Tally{1, 1}) || s.Title.Value() != 0.5 {
		t.Errorf("tallies %+v", s)
	}
}

func TestGoldAuthor(t *testing.T) {
	for raw, want := range map[string]string{
		`null`: "", `""`: "", `"Jane Roe"`: "Jane Roe", `["Jane Roe", "John Doe"]`: "Jane Roe; John Doe", `[]`: "",
	} {
		got, err := goldAuthor([]byte(raw))
		if err != nil || got != want {
			t.Errorf("goldAuthor(%s) = %q, %v; want %q", raw, got, err, want)
		}
	}
	if _, err := goldAuthor([]byte(`{"name": "x"}`)); err == nil {
		t.Error("an object author gives no error")
	}
}

func TestDayOf(t *testing.T) {
	for in, want := range map[string]string{
		"2019-10-20T01:00:00+02:00": "2019-10-20", "2019-10-20": "2019-10-20", "2019-1-20": "", "20.10.2019": "", "": "",
		"2022-01.26": "",
	} {
		if got := DayOf(in); got != want {
			t.Errorf("DayOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTrafEmptyOutputCheckValue is METRIC.md's check: the empty output for every
// page of this half gives TP = FP = 0 and accuracy 1484/2960 = 0.501.
func TestTrafEmptyOutputCheckValue(t *testing.T) {
	entries, err := LoadTrafCorpus(*trafDir)
	if errors.Is(err, ErrNoData) {
		t.Skipf("no trafilatura-dev data: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var sum Confusion
	for _, e := range entries {
		sum = sum.Add(ScoreSnippets("", e.With, e.Without).Confusion)
	}
	if sum != (Confusion{FN: 1476, TN: 1484}) || f3(sum.Accuracy()) != "0.501" || sum.F() != 0 || sum.Precision() != 0 || sum.Recall() != 0 {
		t.Errorf("empty output: %+v acc %s", sum, f3(sum.Accuracy()))
	}
	var s TrafMetaScores
	for _, e := range entries {
		s.Add(ScoreTrafMeta(TrafMeta{}, e))
	}
	if s.Title.N != 413 || s.Author.N != 265 || s.Date.N != 352 || s.Title.OK+s.Author.OK+s.Date.OK != 0 {
		t.Errorf("metadata totals %+v, want 413/265/352 scored, none correct", s)
	}
}
