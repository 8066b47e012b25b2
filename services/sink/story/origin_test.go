package story

import (
	"reflect"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

func TestDeclarations(t *testing.T) {
	story := "The harbour reopened on Wednesday after six weeks of repairs.\n\nFishing boats were the first to return."
	cases := []struct {
		name                string
		url, canonical, org string
		body                string
		want                []Declaration
	}{
		{name: "none", body: story},
		{name: "cross-site canonical", url: "https://digest.example/a", canonical: "https://www.harbour-news.example/story",
			body: story, want: []Declaration{{DeclaredCanonical, "harbour-news.example", "harbour-news.example"}}},
		{name: "canonical on the same site", url: "https://www.harbour-news.example/amp/story",
			canonical: "https://harbour-news.example/story", body: story},
		{name: "wire organisation", org: "The Associated Press", body: story,
			want: []Declaration{{DeclaredWire, "Associated Press", "apnews.com"}}},
		{name: "dateline", body: "ROTTERDAM (Reuters) - The harbour reopened on Wednesday.\n\nMore.",
			want: []Declaration{{DeclaredWire, "Reuters", "reuters.com"}}},
		{name: "dateline with a dash and AP", body: "WASHINGTON (AP) — Lawmakers met.\n\nMore.",
			want: []Declaration{{DeclaredWire, "Associated Press", "apnews.com"}}},
		{name: "wire copyright", body: story + "\n\nCopyright 2019 The Associated Press. All rights reserved.",
			want: []Declaration{{DeclaredWire, "Associated Press", "apnews.com"}}},
		{name: "own copyright", body: story + "\n\nCopyright 2019 Harbour News. All rights reserved."},
		{name: "originally appeared", body: story + "\n\nThis article originally appeared on The Conversation.",
			want: []Declaration{{DeclaredLine, "The Conversation", ""}}},
		{name: "republished under a licence", body: "This article is republished from The Conversation under a Creative Commons license.\n\n" + story,
			want: []Declaration{{DeclaredLine, "The Conversation", ""}}},
		{name: "appeared first on a host", body: story + "\n\nThe post Harbour reopens appeared first on harbour-news.example.",
			want: []Declaration{{DeclaredLine, "harbour-news.example", "harbour-news.example"}}},
		{name: "first published by a wire", body: story + "\n\nFirst published by Reuters.",
			want: []Declaration{{DeclaredLine, "Reuters", "reuters.com"}}},
		{name: "reprinted", body: story + "\n\nReprinted with permission from ProPublica, a nonprofit newsroom.",
			want: []Declaration{{DeclaredLine, "ProPublica", ""}}},
		{name: "a date is no source", body: story + "\n\nFirst published on Tue 19 Nov 2019 11.00 GMT"},
		{name: "in print is no source", body: story + "\n\nThis story originally appeared in print."},
		{name: "a sentence of the story is no declaration",
			body: "The virus first appeared in Wuhan, officials said.\n\n" + story},
		{name: "a line in the middle is not read",
			body: "One.\n\nTwo.\n\nThis article originally appeared on The Conversation.\n\nFour.\n\nFive.\n\nSix.\n\nSeven."},
		{name: "one source declared twice counts once", org: "Reuters",
			body: "LONDON (Reuters) - Markets fell.\n\nMore.",
			want: []Declaration{{DeclaredWire, "Reuters", "reuters.com"}}},
		{name: "posted by an author is no declaration", body: "Posted by admin\n\n" + story},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &schema.Article{URL: tc.url, CanonicalURL: tc.canonical, Organization: tc.org, BodyText: tc.body}
			if got := Declarations(a); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Declarations = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	at := func(s string) *time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &ts
	}
	ap := Declaration{DeclaredWire, "Associated Press", "apnews.com"}
	reuters := Declaration{DeclaredWire, "Reuters", "reuters.com"}
	conv := Declaration{DeclaredLine, "The Conversation", ""}
	cases := []struct {
		name    string
		members []Member
		want    Origin
	}{
		{"one copy is its own origin, even undated",
			[]Member{{ArticleID: "a", Site: "x.example"}},
			Origin{Status: OriginEarliest, ArticleID: "a"}},
		{"earliest published",
			[]Member{
				{ArticleID: "b", Site: "b.example", Published: at("2019-11-01T10:00:00Z")},
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T09:00:00Z")},
				{ArticleID: "c", Site: "c.example"},
			},
			Origin{Status: OriginEarliest, ArticleID: "a"}},
		{"offsets compare as instants",
			[]Member{
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T10:00:00+02:00")},
				{ArticleID: "b", Site: "b.example", Published: at("2019-11-01T09:00:00Z")},
			},
			Origin{Status: OriginEarliest, ArticleID: "a"}},
		{"same instant on two sites is a conflict",
			[]Member{
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T09:00:00Z")},
				{ArticleID: "b", Site: "b.example", Published: at("2019-11-01T09:00:00Z")},
			},
			Origin{Status: OriginConflict, Candidates: []string{"a", "b"}}},
		{"same instant on one site is that site's first copy",
			[]Member{
				{ArticleID: "b", Site: "a.example", Published: at("2019-11-01T09:00:00Z")},
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T09:00:00Z")},
				{ArticleID: "c", Site: "c.example", Published: at("2019-11-01T11:00:00Z")},
			},
			Origin{Status: OriginEarliest, ArticleID: "a"}},
		{"a day-only date on the earliest day is not decided",
			[]Member{
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T09:30:00Z")},
				{ArticleID: "b", Site: "b.example", Published: at("2019-11-01T12:00:00Z"), DayOnly: true},
			},
			Origin{Status: OriginConflict, Candidates: []string{"b", "a"}}},
		{"a day-only date on an earlier day is earliest",
			[]Member{
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-02T00:00:00Z")},
				{ArticleID: "b", Site: "b.example", Published: at("2019-11-01T12:00:00Z"), DayOnly: true},
			},
			Origin{Status: OriginEarliest, ArticleID: "b"}},
		{"nothing dated",
			[]Member{{ArticleID: "a", Site: "a.example"}, {ArticleID: "b", Site: "b.example"}},
			Origin{Status: OriginUnknown}},
		{"a wire credit beats the earliest time; the wire's own copy is the origin",
			[]Member{
				{ArticleID: "early", Site: "paper.example", Published: at("2019-11-01T08:00:00Z"), Declared: []Declaration{ap}},
				{ArticleID: "wire", Site: "apnews.com", Published: at("2019-11-01T09:00:00Z"), Declared: []Declaration{ap}},
				{ArticleID: "late", Site: "other.example", Published: at("2019-11-01T10:00:00Z")},
			},
			Origin{Status: OriginDeclared, ArticleID: "wire", Source: "Associated Press"}},
		{"the declared source's copy is undated",
			[]Member{
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T08:00:00Z"), Declared: []Declaration{ap}},
				{ArticleID: "wire", Site: "apnews.com", Declared: []Declaration{ap}},
			},
			Origin{Status: OriginDeclared, ArticleID: "wire", Source: "Associated Press"}},
		{"a declared source that is not stored",
			[]Member{
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T08:00:00Z"), Declared: []Declaration{reuters}},
				{ArticleID: "b", Site: "b.example", Published: at("2019-11-01T09:00:00Z")},
			},
			Origin{Status: OriginDeclared, Source: "Reuters"}},
		{"a name declared is matched to a copy's site name",
			[]Member{
				{ArticleID: "a", Site: "aggregator.example", Published: at("2019-11-01T08:00:00Z"), Declared: []Declaration{conv}},
				{ArticleID: "b", Site: "theconversation.com", SiteName: "The Conversation", Published: at("2019-11-01T09:00:00Z"),
					Declared: []Declaration{{DeclaredCanonical, "theconversation.com", "theconversation.com"}}},
			},
			Origin{Status: OriginDeclared, ArticleID: "b", Source: "The Conversation"}},
		{"conflicting declarations are marked, not guessed",
			[]Member{
				{ArticleID: "a", Site: "a.example", Published: at("2019-11-01T08:00:00Z"), Declared: []Declaration{ap}},
				{ArticleID: "b", Site: "reuters.com", Published: at("2019-11-01T07:00:00Z"), Declared: []Declaration{reuters}},
			},
			Origin{Status: OriginConflict, Source: "Associated Press, Reuters", Candidates: []string{"Associated Press", "Reuters"}}},
		{"no members", nil, Origin{Status: OriginUnknown}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Resolve(tc.members); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Resolve = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
