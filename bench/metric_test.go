package bench

import (
	"math"
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,.; ", nil},
		{"Hello, world!", []string{"Hello", "world"}},
		{"snake_case and 42nd", []string{"snake_case", "and", "42nd"}},
		{"end.Next", []string{"end", "Next"}},
		{"Привет мир", []string{"Привет", "мир"}},
		{"日本語のテキスト。次", []string{"日本語のテキスト", "次"}},
		{"don’t stop", []string{"don", "t", "stop"}},
		{"½ price", []string{"½", "price"}},
	}
	for _, c := range cases {
		if got := Tokens(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestShingles(t *testing.T) {
	if got := Shingles(nil); len(got) != 0 {
		t.Errorf("empty text has shingles %v", got)
	}
	if got := Shingles([]string{"a", "b"}); len(got) != 1 || got["a\x00b"] != 1 {
		t.Errorf("short text shingles %v", got)
	}
	got := Shingles(Tokens("a b c d a b c d"))
	want := map[string]int{"a\x00b\x00c\x00d": 2, "b\x00c\x00d\x00a": 1, "c\x00d\x00a\x00b": 1, "d\x00a\x00b\x00c": 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Shingles = %v, want %v", got, want)
	}
}

func TestScorePage(t *testing.T) {
	cases := []struct {
		name        string
		truth, pred string
		tp, fp, fn  int
		exact       bool
	}{
		{"identical", "one two three four five", "one two three four five", 2, 0, 0, true},
		{"punctuation ignored", "One, two. Three four!", "One two three four", 0, 1, 1, false},
		{"extra junk", "a b c d e", "a b c d e f", 2, 1, 0, false},
		{"missing half", "a b c d e f g", "a b c d", 1, 0, 3, false},
		{"dot separates tokens", "end. Next one here", "end.Next one here", 1, 0, 0, true},
		{"glued paragraphs", "end. Next one here", "endNext one here", 0, 1, 1, false},
		{"empty prediction", "a b c d", "", 0, 0, 1, false},
		{"both empty", "", "", 0, 0, 0, true},
		{"short texts", "a b", "a b", 1, 0, 0, true},
		{"repeated shingles clipped", "x y z w", "x y z w x y z w", 1, 4, 0, false},
	}
	for _, c := range cases {
		s := ScorePage(c.truth, c.pred)
		if s.TP != c.tp || s.FP != c.fp || s.FN != c.fn || s.Exact != c.exact {
			t.Errorf("%s: got %+v, want tp=%d fp=%d fn=%d exact=%v", c.name, s, c.tp, c.fp, c.fn, c.exact)
		}
	}
}

func TestPageScoreRatios(t *testing.T) {
	s := PageScore{TP: 3, FP: 1, FN: 2}
	if !near(s.Precision(), 0.75) || !near(s.Recall(), 0.6) || !near(s.F1(), 2*0.75*0.6/1.35) {
		t.Errorf("ratios of %+v: P %v R %v F1 %v", s, s.Precision(), s.Recall(), s.F1())
	}
	if z := (PageScore{}); z.Precision() != 1 || z.Recall() != 1 {
		t.Errorf("zero score should be 1/1, got %v/%v", z.Precision(), z.Recall())
	}
}

func TestAggregate(t *testing.T) {
	scores := []PageScore{
		{TP: 1, FP: 1, FN: 0, Exact: false}, // P .5, R 1
		{TP: 3, FP: 0, FN: 1, Exact: false}, // P 1, R .75
		{TP: 0, FP: 0, FN: 4},               // empty output: recall 0 only
		{TP: 2, FP: 0, FN: 0, Exact: true},  // P 1, R 1
		{TP: 0, FP: 0, FN: 0, Exact: true},  // nothing to score
	}
	c := Aggregate(scores)
	wantP := (0.5 + 1 + 1) / 3
	wantR := (1 + 0.75 + 0 + 1) / 4
	if !near(c.Precision, wantP) || !near(c.Recall, wantR) {
		t.Fatalf("P %v R %v, want %v %v", c.Precision, c.Recall, wantP, wantR)
	}
	if !near(c.F1, 2*wantP*wantR/(wantP+wantR)) {
		t.Errorf("F1 %v is not the harmonic mean of the means", c.F1)
	}
	if !near(c.Accuracy, 0.4) || c.Pages != 5 {
		t.Errorf("accuracy %v pages %d", c.Accuracy, c.Pages)
	}
	if z := Aggregate(nil); z.F1 != 0 || z.Accuracy != 0 {
		t.Errorf("empty aggregate %+v", z)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
