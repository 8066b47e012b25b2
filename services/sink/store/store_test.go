package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

func TestParseText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []store.Term
		err  bool
	}{
		{in: "", want: nil},
		{in: "  Rain  ", want: []store.Term{{Words: []string{"rain"}}}},
		{in: `"budget vote" -delay`, want: []store.Term{{Words: []string{"budget", "vote"}}, {Words: []string{"delay"}, Negated: true}}},
		{in: `-"old text" new`, want: []store.Term{{Words: []string{"old", "text"}, Negated: true}, {Words: []string{"new"}}}},
		{in: `"unclosed phrase`, want: []store.Term{{Words: []string{"unclosed", "phrase"}}}},
		{in: `covid-19 AND (x)`, want: []store.Term{{Words: []string{"covid", "19"}}, {Words: []string{"and"}}, {Words: []string{"x"}}}},
		{in: `Wähler "NOT" *`, want: []store.Term{{Words: []string{"wähler"}}, {Words: []string{"not"}}}},
		{in: "-only", err: true},
	} {
		got, err := store.ParseText(tc.in)
		if tc.err {
			if !errors.Is(err, store.ErrInvalidQuery) {
				t.Errorf("ParseText(%q) err = %v, want ErrInvalidQuery", tc.in, err)
			}
			continue
		}
		if err != nil || !slices.EqualFunc(got, tc.want, func(a, b store.Term) bool {
			return a.Negated == b.Negated && slices.Equal(a.Words, b.Words)
		}) {
			t.Errorf("ParseText(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.FixedZone("X", 3600))
	f, err := store.Query{Cursor: store.Cursor(at, "abc")}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if !f.After || f.AfterID != "abc" || !f.AfterAt.Equal(store.Micro(at)) {
		t.Errorf("cursor decoded to %+v", f)
	}
}

func TestSiteOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.Example.com:8443/a": "example.com",
		"WWW.example.org":                "example.org",
		"news.example.net/path":          "news.example.net",
		"example.com:80":                 "example.com",
		"":                               "",
	} {
		if got := store.SiteOf(in); got != want {
			t.Errorf("SiteOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecideOrdersEditsInBatch(t *testing.T) {
	a1 := storetest.NewArticle("https://example.com/x", "One", "First.", storetest.Base)
	a2 := storetest.NewArticle(a1.URL, "Two", "Second.", storetest.Base.Add(time.Hour))
	rows, err := store.PrepareBatch([]*schema.Article{a2, a1, a2})
	if err != nil {
		t.Fatal(err)
	}
	heads := map[string]store.Head{a1.ID: {Versions: 3, Current: 3, CurrentFetchedAt: storetest.Base.Add(-time.Hour)}}
	d := store.Decide(rows, heads, map[store.VersionKey]int{})
	got := []int{d.Results[0].Version, d.Results[1].Version, d.Results[2].Version}
	if !slices.Equal(got, []int{4, 5, 4}) || d.Results[2].Outcome != store.Unchanged {
		t.Fatalf("versions %v, results %+v", got, d.Results)
	}
	if len(d.Changes) != 1 || d.Changes[0].Head.Versions != 5 || d.Changes[0].Head.Current != 4 || d.Changes[0].Current != rows[0] {
		t.Errorf("change = %+v", d.Changes)
	}
	if !d.Results[0].Current || d.Results[1].Current {
		t.Errorf("current flags: %+v", d.Results)
	}
}

func TestHasCJK(t *testing.T) {
	for s, want := range map[string]bool{
		"灯台": true, "とうだい": true, "トウダイ": true, "ﾄｳﾀﾞｲ": true, "서울시는": true, "新桥": true, "𠀋": true,
		"iphone15発売": true, "々": true,
		"": false, "lighthouse": false, "ремонт": false, "Wähler": false, "、。": false, "ไทย": false,
	} {
		if got := store.HasCJK(s); got != want {
			t.Errorf("HasCJK(%q) = %v, want %v", s, got, want)
		}
	}
	terms, err := store.ParseText(`港の新しい灯台が完成、式典 ferry "old 灯台"`)
	if err != nil {
		t.Fatal(err)
	}
	var cjk []bool
	for _, tm := range terms {
		cjk = append(cjk, tm.CJK())
	}
	if want := []bool{true, false, true}; !slices.Equal(cjk, want) {
		t.Errorf("terms %v: CJK %v, want %v", terms, cjk, want)
	}
}

func TestSetStoriesJoinsOncePerArticle(t *testing.T) {
	a := storetest.NewArticle("https://example.com/x", "One", "First.", storetest.Base)
	rows, err := store.PrepareBatch([]*schema.Article{a, a})
	if err != nil {
		t.Fatal(err)
	}
	d := store.Decide(rows, map[string]store.Head{}, map[store.VersionKey]int{})
	if !d.Results[0].Current || !d.Results[1].Current || d.Results[1].Outcome != store.Unchanged {
		t.Fatalf("results %+v: want both current, the second unchanged", d.Results)
	}
	d.SetStories(map[string]*store.StoryResult{a.ID: {ID: "s1", Joined: true, Created: true, Copies: 1}}, nil)
	first, again := d.Results[0].Story, d.Results[1].Story
	if first == nil || !first.Joined || !first.Created {
		t.Errorf("first put's story = %+v, want joined and created", first)
	}
	if again == nil || again.ID != "s1" || again.Joined || again.Created || again.Copies != 1 {
		t.Errorf("second put's story = %+v, want s1 neither joined nor created", again)
	}

	failed := store.Decide(rows, map[string]store.Head{}, map[store.VersionKey]int{})
	boom := errors.New("boom")
	failed.SetStories(nil, boom)
	for i, r := range failed.Results {
		if !errors.Is(r.StoryErr, boom) || r.Story != nil {
			t.Errorf("result %d after a failed step: %+v", i, r)
		}
	}
}
