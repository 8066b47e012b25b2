package bench

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

func ptr(s string) *string { return &s }

func TestScoreMetaPageTitle(t *testing.T) {
	gold := MetaTruth{Title: "It’s “done” – finally…", Language: "en"}
	cases := []struct {
		name  string
		pred  string
		exact bool
		f1    float64
	}{
		{"folded quotes and dashes", `It's "done" - finally...`, true, 1},
		{"extra spaces and nbsp", "  It’s\u00a0“done”   – finally…", true, 1},
		{"case differs", "it’s “done” – finally…", false, 1},
		{"site suffix", "It’s “done” – finally… | Site", false, 2 * (4.0 / 5) * 1 / (4.0/5 + 1)},
		{"empty", "", false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := ScoreMetaPage(MetaPrediction{Title: c.pred, Language: "en"}, gold)
			if s.TitleExact != c.exact {
				t.Errorf("exact = %v, want %v", s.TitleExact, c.exact)
			}
			if math.Abs(s.TitleF1-c.f1) > 1e-9 {
				t.Errorf("F1 = %v, want %v", s.TitleF1, c.f1)
			}
		})
	}
}

func TestScoreMetaPageAuthors(t *testing.T) {
	cases := []struct {
		name       string
		pred, gold []string
		want       float64
	}{
		{"both empty", nil, []string{}, 1},
		{"org returned as author", []string{"Reuters"}, []string{}, 0},
		{"missed author", nil, []string{"Jane Roe"}, 0},
		{"by prefix, case and punctuation", []string{"By JANE ROE", "John  O'Neil"}, []string{"Jane Roe", "John O Neil"}, 1},
		{"one of two", []string{"Jane Roe"}, []string{"Jane Roe", "John Doe"}, 2 * 1 * 0.5 / 1.5},
		{"duplicates count once", []string{"Jane Roe", "jane roe"}, []string{"Jane Roe"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := ScoreMetaPage(MetaPrediction{Authors: c.pred}, MetaTruth{Authors: c.gold})
			if math.Abs(s.AuthorsF1-c.want) > 1e-9 {
				t.Errorf("F1 = %v, want %v", s.AuthorsF1, c.want)
			}
		})
	}
}

func TestScoreMetaPageDates(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name       string
		pred, gold string
		day        bool
		minute     *bool
	}{
		{"same instant other offset", "2019-11-19T08:03:00-05:00", "2019-11-19T13:03:00+00:00", true, &yes},
		{"UTC day differs from local day", "2019-11-19T23:30:00-05:00", "2019-11-20T04:30:00+00:00", true, &yes},
		{"local day matches but UTC day does not", "2019-11-19T23:30:00Z", "2019-11-19T23:30:00-05:00", false, &no},
		{"seconds ignored", "2019-11-19T13:03:59Z", "2019-11-19T13:03:00+00:00", true, &yes},
		{"wrong minute", "2019-11-19T13:04:00Z", "2019-11-19T13:03:00+00:00", true, &no},
		{"naive prediction read as UTC", "2019-11-19T13:03:00", "2019-11-19T13:03:00+00:00", true, &yes},
		{"date-only label, local date", "2019-11-19T23:30:00-05:00", "2019-11-19", true, nil},
		{"date-only label, UTC date", "2019-11-20T01:30:00+02:00", "2019-11-19", true, nil},
		{"date-only prediction vs UTC date of timed label", "2019-11-19", "2019-11-20T00:30:00+01:00", true, nil},
		{"date-only prediction vs other day", "2019-11-19", "2019-11-20T02:00:00+01:00", false, nil},
		{"date-only mismatch", "2019-11-18", "2019-11-19", false, nil},
		{"null label, null prediction", "", "", true, nil},
		{"null label, a prediction", "2019-11-19", "", false, nil},
		{"label, no prediction", "", "2019-11-19", false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gold := MetaTruth{}
			if c.gold != "" {
				gold.Published = ptr(c.gold)
			}
			s := ScoreMetaPage(MetaPrediction{Published: c.pred}, gold)
			if s.PublishedDay != c.day {
				t.Errorf("day = %v, want %v", s.PublishedDay, c.day)
			}
			switch {
			case c.minute == nil && s.PublishedMin != nil:
				t.Errorf("minute = %v, want not scored", *s.PublishedMin)
			case c.minute != nil && s.PublishedMin == nil:
				t.Errorf("minute not scored, want %v", *c.minute)
			case c.minute != nil && *s.PublishedMin != *c.minute:
				t.Errorf("minute = %v, want %v", *s.PublishedMin, *c.minute)
			}
		})
	}
}

func TestScoreMetaPageLanguage(t *testing.T) {
	for pred, want := range map[string]bool{"en": true, "en-US": true, "EN_gb": true, "de": false, "": false} {
		if got := ScoreMetaPage(MetaPrediction{Language: pred}, MetaTruth{Language: "en"}).Language; got != want {
			t.Errorf("language %q: got %v, want %v", pred, got, want)
		}
	}
}

func TestScoreMetadataAggregates(t *testing.T) {
	truth := map[string]MetaTruth{
		"a": {Title: "One", Authors: []string{"Jane Roe"}, Published: ptr("2019-11-19T13:03:00+00:00"), Modified: ptr("2019-11-20"), Language: "en"},
		"b": {Title: "Two", Authors: []string{}, Published: ptr("2019-11-19"), Language: "de"},
	}
	pub := time.Date(2019, 11, 19, 8, 3, 0, 0, time.FixedZone("", -5*3600))
	preds := map[string]MetaPrediction{
		"a": PredictionOf(&schema.Article{Title: "One", Authors: []string{"Jane Roe"}, PublishedAt: &pub, Language: "en"}),
		// b has no prediction at all.
	}
	s := ScoreMetadata(truth, preds)
	check := func(name string, m Mean, want float64, n int) {
		t.Helper()
		if math.Abs(m.Value()-want) > 1e-9 || m.N != n {
			t.Errorf("%s = %.3f (n=%d), want %.3f (n=%d)", name, m.Value(), m.N, want, n)
		}
	}
	check("title exact", s.TitleExact, 0.5, 2)
	check("authors (b: both empty)", s.AuthorsF1, 1, 2)
	check("authors person pages", s.AuthorsPersonF1, 1, 1)
	check("published day", s.PublishedDay, 0.5, 2)
	check("published minute", s.PublishedMinute, 1, 1)
	check("language", s.Language, 0.5, 2)
	check("modified day", s.ModifiedDay, 0, 1)

	var b bytes.Buffer
	s.Print(&b)
	if !strings.Contains(b.String(), "title exact") || !strings.Contains(b.String(), "0.500  (n=2)") {
		t.Errorf("Print output lacks figures:\n%s", b.String())
	}
}

func TestPredictionOfNil(t *testing.T) {
	if p := PredictionOf(nil); p.Title != "" || p.Published != "" || p.Authors != nil {
		t.Errorf("PredictionOf(nil) = %+v, want empty", p)
	}
}

func TestTrafAuthorStringOfAnArticle(t *testing.T) {
	for _, c := range []struct {
		a    schema.Article
		want string
	}{
		{schema.Article{Authors: []string{"Jane Roe", "John Doe"}, Organization: "Reuters"}, "Jane Roe; John Doe"},
		{schema.Article{Authors: []string{}, Organization: "Redaktion"}, "Redaktion"},
		{schema.Article{Authors: []string{}}, ""},
	} {
		if got := trafMetaOf(PageResult{Article: &c.a}).Author; got != c.want {
			t.Errorf("author string of %+v = %q, want %q", c.a, got, c.want)
		}
	}
}
