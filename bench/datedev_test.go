package bench

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

func TestScoreDate(t *testing.T) {
	cases := []struct {
		name, result, ref string
		want              Confusion
	}{
		{"right day", "2020-06-28", "2020-06-28", Confusion{TP: 1}},
		{"wrong day is an FP only", "2020-06-29", "2020-06-28", Confusion{FP: 1}},
		{"no output is an FN", "", "2020-06-28", Confusion{FN: 1}},
		{"NaN reference, no output: FN without TN", "", "", Confusion{FN: 1}},
		{"NaN reference, any date: FP", "2020-06-28", "", Confusion{FP: 1}},
	}
	for _, c := range cases {
		if got := ScoreDate(c.result, c.ref); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	// The day scored is the system's own: a local time late on the 28th is the 28th.
	if got := ScoreDate(DayOf("2020-06-28T23:16:15-05:00"), "2020-06-28"); got != (Confusion{TP: 1}) {
		t.Errorf("offset kept: %+v", got)
	}
	if got := ScoreDate(DayOf("2020-06-29T00:16:15+03:00"), "2020-06-28"); got != (Confusion{FP: 1}) {
		t.Errorf("METRIC.md example: %+v, want FP", got)
	}
}

// TestDateCorpusScores sums a hand-made set the way comparison.py does:
// 5 TP, 2 FP (one for a NaN reference), 3 FN (one for a NaN reference).
func TestDateCorpusScores(t *testing.T) {
	entries := []struct{ result, ref string }{
		{"2020-01-01", "2020-01-01"}, {"2020-01-02", "2020-01-02"}, {"2020-01-03", "2020-01-03"},
		{"2020-01-04", "2020-01-04"}, {"2020-01-05", "2020-01-05"},
		{"2020-01-07", "2020-01-06"}, {"2020-01-08", ""},
		{"", "2020-01-09"}, {"", "2020-01-10"}, {"", ""},
	}
	var sum Confusion
	for _, e := range entries {
		sum = sum.Add(ScoreDate(e.result, e.ref))
	}
	if sum != (Confusion{TP: 5, FP: 2, FN: 3}) {
		t.Fatalf("counts %+v", sum)
	}
	for name, got := range map[string]string{"P": f3(sum.Precision()), "R": f3(sum.Recall()), "acc": f3(sum.Accuracy()), "F": f3(sum.F())} {
		want := map[string]string{"P": "0.714", "R": "0.625", "acc": "0.500", "F": "0.667"}[name]
		if got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}

func TestLoadDocument(t *testing.T) {
	utf := []byte("<html><body><p>Veröffentlicht am 3. März 2021</p></body></html>")
	if got := LoadDocument(utf); !bytes.Equal(got, utf) {
		t.Errorf("valid UTF-8 changed: %q", got)
	}
	text := strings.Repeat("Die Gemeinde veröffentlichte am 3. März 2021 ihre Pläne für die Straße, über die lange gestritten wurde. ", 8)
	latin, err := charmap.ISO8859_1.NewEncoder().String("<html><head><title>Pläne</title></head><body><p>" + text + "</p></body></html>")
	if err != nil {
		t.Fatal(err)
	}
	if utf8.ValidString(latin) {
		t.Fatal("test input is valid UTF-8")
	}
	got := LoadDocument([]byte(latin))
	if !utf8.Valid(got) || !bytes.Contains(got, []byte("3. März 2021")) || !bytes.Contains(got, []byte("Straße")) {
		t.Errorf("latin-1 page decoded to %q", got[:min(len(got), 120)])
	}
}
