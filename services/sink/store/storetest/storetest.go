// Package storetest is the contract every store.Store implementation must meet: one
// suite, run by each implementation's tests against a real database.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
)

// NewDB creates a fresh, empty database for one test and returns a function that opens
// a new Store on it each time it is called (the suite opens two to play two sink
// replicas). The suite closes the stores it opens.
type NewDB func(t *testing.T) (open func(t *testing.T) store.Store)

// Base is the fetch time of articles made by NewArticle when none is given.
var Base = time.Date(2026, 5, 1, 9, 30, 0, 0, time.FixedZone("CEST", 2*3600))

// NewArticle returns a valid article at url with the given title and body, fetched at
// fetched and extracted a second later. Its id and content hash follow the schema.
func NewArticle(url, title, body string, fetched time.Time) *schema.Article {
	canon, err := schema.NormalizeURL(url)
	if err != nil {
		canon = url
	}
	return &schema.Article{
		Schema:           schema.ArticleV1,
		ID:               schema.ArticleID(canon),
		URL:              url,
		CanonicalURL:     canon,
		SiteName:         "Test Site",
		Title:            title,
		Authors:          []string{},
		Language:         "en",
		BodyText:         body,
		BodyHTML:         "<p>" + body + "</p>",
		WordCount:        len(body) / 6,
		ContentHash:      schema.ArticleContentHash(title, body),
		FetchedAt:        fetched,
		ExtractedAt:      fetched.Add(time.Second),
		ExtractorVersion: "test",
		Lineage:          schema.Lineage{RawID: "raw-" + title, CleanedID: "cleaned-" + title},
	}
}

// UnindexableArticle returns a valid article with a body of 200,000 distinct words:
// PostgreSQL refuses to store it (its tsvector would exceed 1 MB, error 54000), SQLite
// stores it. It stands for any article the database refuses while the others of its
// batch are fine.
func UnindexableArticle(url string, fetched time.Time) *schema.Article {
	var b strings.Builder
	for i := range 200000 {
		w := []byte("aaaaaaaa")
		for j, n := len(w)-1, i; n > 0; j, n = j-1, n/26 {
			w[j] = byte('a' + n%26)
		}
		b.Write(w)
		b.WriteByte(' ')
	}
	return NewArticle(url, "Unindexable", b.String(), fetched)
}

// Run runs the whole contract against newDB.
func Run(t *testing.T, newDB NewDB) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) store.Store)
	}{
		{"DuplicateDelivery", testDuplicate},
		{"URLSpellings", testURLSpellings},
		{"NoURL", testNoURL},
		{"EditedArticle", testEdited},
		{"LateOldFetch", testLateOldFetch},
		{"RevertedEdit", testReverted},
		{"Batch", testBatch},
		{"RacingWriters", testRacing},
		{"RacingCreate", testRacingCreate},
		{"Search", testSearch},
		{"SearchLanguages", testSearchLanguages},
		{"Pagination", testPagination},
		{"MalformedRejected", testMalformed},
		{"BadQuery", testBadQuery},
		{"NotFound", testNotFound},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newDB(t)) })
	}
}

func openStore(t *testing.T, open func(t *testing.T) store.Store) store.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t *testing.T, s store.Store, a *schema.Article) store.PutResult {
	t.Helper()
	res, err := s.Put(context.Background(), a)
	if err != nil {
		t.Fatalf("Put(%s): %v", a.Title, err)
	}
	return res
}

func wantResult(t *testing.T, got store.PutResult, version int, outcome store.Outcome, current bool) {
	t.Helper()
	if got.Version != version || got.Outcome != outcome || got.Current != current {
		t.Fatalf("put result = version %d %s current=%v, want version %d %s current=%v",
			got.Version, got.Outcome, got.Current, version, outcome, current)
	}
}

func versions(t *testing.T, s store.Store, id string) []store.Version {
	t.Helper()
	vs, err := s.Versions(context.Background(), id)
	if err != nil {
		t.Fatalf("Versions(%s): %v", id, err)
	}
	return vs
}

func get(t *testing.T, s store.Store, id string) *store.Record {
	t.Helper()
	rec, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return rec
}

func testDuplicate(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	a := NewArticle("https://example.com/news/1", "Storm hits coast", "Winds of 120 km/h were measured.", Base)
	wantResult(t, put(t, s, a), 1, store.Created, true)
	wantResult(t, put(t, s, a), 1, store.Unchanged, true)
	refetched := NewArticle(a.URL, a.Title, a.BodyText, Base.Add(time.Hour))
	wantResult(t, put(t, s, refetched), 1, store.Unchanged, true)
	vs := versions(t, s, a.ID)
	if len(vs) != 1 || vs[0].Number != 1 || vs[0].ContentHash != a.ContentHash || !vs[0].Current {
		t.Fatalf("versions after duplicates = %+v, want one current version 1", vs)
	}
	if !vs[0].FetchedAt.Equal(Base) {
		t.Errorf("version fetched_at = %v, want the first delivery's %v", vs[0].FetchedAt, Base)
	}
	rec := get(t, s, a.ID)
	if rec.Version != 1 || rec.Versions != 1 || rec.Article.Title != a.Title || rec.Site != "example.com" {
		t.Fatalf("record = %+v", rec)
	}
	if rec.Article.PublishedAt != nil || !rec.Article.FetchedAt.Equal(Base) {
		t.Errorf("stored article times changed: %+v", rec.Article)
	}
	if _, off := rec.Article.FetchedAt.Zone(); off != 2*3600 {
		t.Errorf("stored fetched_at lost its offset: %v", rec.Article.FetchedAt)
	}
}

func testURLSpellings(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	a := NewArticle("https://www.example.org/a?b=2&a=1", "Title", "Body text here.", Base)
	wantResult(t, put(t, s, a), 1, store.Created, true)
	b := NewArticle("HTTPS://www.Example.org:443/a?a=1&utm_source=feed&b=2#top", "Title", "Body text here.", Base)
	if b.ID != a.ID {
		t.Fatalf("test setup: ids differ: %s %s", a.ID, b.ID)
	}
	wantResult(t, put(t, s, b), 1, store.Unchanged, true)
	if got := get(t, s, a.ID).Site; got != "example.org" {
		t.Errorf("site = %q, want example.org", got)
	}
}

// NewBareArticle returns a valid article from a page that had no URL at all: no URL,
// no canonical URL, the id derived from its raw page rawID.
func NewBareArticle(rawID, title, body string, fetched time.Time) *schema.Article {
	a := NewArticle("https://unused.example/", title, body, fetched)
	a.URL, a.CanonicalURL = "", ""
	a.Lineage.RawID = rawID
	a.ID = store.RawArticleID(rawID)
	return a
}

// testNoURL stores articles without any URL: identified by their raw page's id, no site,
// with the usual versions and idempotency.
func testNoURL(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	ctx := context.Background()
	a := NewBareArticle("raw-1", "Bridge reopens", "The old bridge reopened on Friday.", Base)
	b := NewBareArticle("raw-2", "Bridge reopens", "The old bridge reopened on Friday.", Base)
	wantResult(t, put(t, s, a), 1, store.Created, true)
	wantResult(t, put(t, s, a), 1, store.Unchanged, true)
	// Another raw page with the same text is another article: nothing ties them.
	wantResult(t, put(t, s, b), 1, store.Created, true)
	edited := NewBareArticle("raw-1", "Bridge reopens", "The old bridge reopened on Friday evening.", Base.Add(time.Hour))
	wantResult(t, put(t, s, edited), 2, store.Added, true)
	rec := get(t, s, a.ID)
	if rec.ID != a.ID || rec.Site != "" || rec.Version != 2 || rec.Versions != 2 || rec.Article.BodyText != edited.BodyText ||
		rec.Article.URL != "" || rec.Article.CanonicalURL != "" {
		t.Fatalf("record = %+v, article %+v", rec, rec.Article)
	}
	p, err := s.List(ctx, store.Query{Text: "evening"})
	if err != nil || !slices.Equal(ids(p), []string{a.ID}) {
		t.Errorf("search finds %v, %v; want %s", ids(p), err, a.ID)
	}
	if p, err := s.List(ctx, store.Query{Site: "example.com"}); err != nil || len(p.Articles) != 0 {
		t.Errorf("site filter finds %v, %v; want none", ids(p), err)
	}
}

func testEdited(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	v1 := NewArticle("https://example.com/edit", "Minister resigns", "The minister resigned on Monday.", Base)
	v2 := NewArticle(v1.URL, "Minister resigns after vote", "The minister resigned on Monday after a vote.", Base.Add(2*time.Hour))
	wantResult(t, put(t, s, v1), 1, store.Created, true)
	wantResult(t, put(t, s, v2), 2, store.Added, true)
	rec := get(t, s, v1.ID)
	if rec.Version != 2 || rec.Versions != 2 || rec.Article.Title != v2.Title || rec.Article.BodyText != v2.BodyText {
		t.Fatalf("current after edit = version %d of %d %q, want version 2 %q", rec.Version, rec.Versions, rec.Article.Title, v2.Title)
	}
	vs := versions(t, s, v1.ID)
	if len(vs) != 2 {
		t.Fatalf("got %d versions, want 2", len(vs))
	}
	for i, want := range []*schema.Article{v1, v2} {
		v := vs[i]
		if v.Number != i+1 || v.ContentHash != want.ContentHash || v.Article.Title != want.Title ||
			!v.FetchedAt.Equal(want.FetchedAt) || !v.ExtractedAt.Equal(want.ExtractedAt) || v.Current != (i == 1) {
			t.Errorf("version %d = %+v, want %q current=%v", i+1, v, want.Title, i == 1)
		}
		if v.StoredAt.IsZero() {
			t.Errorf("version %d has no stored_at", i+1)
		}
	}
	// The old content again is a redelivery: nothing changes and current stays.
	wantResult(t, put(t, s, v1), 1, store.Unchanged, false)
	if rec := get(t, s, v1.ID); rec.Version != 2 || rec.Versions != 2 {
		t.Fatalf("redelivered old content moved current to %d of %d", rec.Version, rec.Versions)
	}
}

func testLateOldFetch(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	newer := NewArticle("https://example.com/late", "Final text", "Corrected body.", Base.Add(time.Hour))
	older := NewArticle(newer.URL, "First text", "Original body.", Base)
	wantResult(t, put(t, s, newer), 1, store.Created, true)
	wantResult(t, put(t, s, older), 2, store.Added, false)
	rec := get(t, s, newer.ID)
	if rec.Version != 1 || rec.Versions != 2 || rec.Article.Title != newer.Title {
		t.Fatalf("a late old fetch moved current: version %d of %d %q", rec.Version, rec.Versions, rec.Article.Title)
	}
	// Same fetch, extracted again later (a newer extractor): the later extraction wins.
	reextracted := NewArticle(newer.URL, "Final text, better extracted", "Corrected body.", newer.FetchedAt)
	reextracted.ExtractedAt = newer.ExtractedAt.Add(time.Hour)
	wantResult(t, put(t, s, reextracted), 3, store.Added, true)
}

// testReverted: a site reverts an edit. The older content fetched again, after the
// edit, moves current back to its version without adding one; late redeliveries of
// either fetch change nothing.
func testReverted(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	ctx := context.Background()
	at := func(h int) time.Time { return Base.Add(time.Duration(h) * time.Hour) }
	v1 := NewArticle("https://example.com/revert", "Mayor opens bridge", "The mayor opened the bridge.", at(0))
	v2 := NewArticle(v1.URL, "Mayor opens tunnel", "The mayor opened the tunnel.", at(1))
	wantResult(t, put(t, s, v1), 1, store.Created, true)
	wantResult(t, put(t, s, v2), 2, store.Added, true)
	edited := get(t, s, v1.ID)

	reverted := NewArticle(v1.URL, v1.Title, v1.BodyText, at(2))
	wantResult(t, put(t, s, reverted), 1, store.Reverted, true)
	rec := get(t, s, v1.ID)
	if rec.Version != 1 || rec.Versions != 2 || rec.Article.Title != v1.Title {
		t.Fatalf("after the revert: version %d of %d %q, want version 1 of 2 %q", rec.Version, rec.Versions, rec.Article.Title, v1.Title)
	}
	if rec.UpdatedAt.Before(edited.UpdatedAt) || !rec.FirstSeen.Equal(edited.FirstSeen) {
		t.Errorf("times after the revert: first seen %v updated %v, before: %v %v", rec.FirstSeen, rec.UpdatedAt, edited.FirstSeen, edited.UpdatedAt)
	}
	vs := versions(t, s, v1.ID)
	if len(vs) != 2 || !vs[0].Current || vs[1].Current || !vs[0].FetchedAt.Equal(v1.FetchedAt) {
		t.Fatalf("versions after the revert = %+v, want 2 with version 1 current and its first fetch time", vs)
	}
	search := func(q string) []string {
		t.Helper()
		p, err := s.List(ctx, store.Query{Text: q})
		if err != nil {
			t.Fatalf("List(%q): %v", q, err)
		}
		return ids(p)
	}
	if got := search("tunnel"); len(got) != 0 {
		t.Errorf("the reverted edit's text is still found: %v", got)
	}
	if got := search("bridge"); !slices.Equal(got, []string{v1.ID}) {
		t.Errorf("the current text is not found: %v", got)
	}

	// Late redeliveries: the edit (fetched before the revert) and the revert itself.
	wantResult(t, put(t, s, v2), 2, store.Unchanged, false)
	wantResult(t, put(t, s, v1), 1, store.Unchanged, true)
	wantResult(t, put(t, s, reverted), 1, store.Unchanged, true)
	if rec := get(t, s, v1.ID); rec.Version != 1 || rec.Versions != 2 {
		t.Fatalf("a late redelivery moved current to version %d of %d", rec.Version, rec.Versions)
	}

	// The edit comes back, then in one batch a new text and a later revert to version 2.
	wantResult(t, put(t, s, NewArticle(v1.URL, v2.Title, v2.BodyText, at(3))), 2, store.Reverted, true)
	v3 := NewArticle(v1.URL, "Mayor opens bridge and tunnel", "The mayor opened both.", at(4))
	res, err := s.PutBatch(ctx, []*schema.Article{v3, NewArticle(v1.URL, v2.Title, v2.BodyText, at(5))})
	if err != nil {
		t.Fatalf("PutBatch: %v", err)
	}
	wantResult(t, res[0], 3, store.Added, false)
	wantResult(t, res[1], 2, store.Reverted, true)
	if rec := get(t, s, v1.ID); rec.Version != 2 || rec.Versions != 3 || rec.Article.Title != v2.Title {
		t.Fatalf("after the batch: version %d of %d %q, want version 2 of 3", rec.Version, rec.Versions, rec.Article.Title)
	}
	if got := search("tunnel"); !slices.Equal(got, []string{v1.ID}) {
		t.Errorf("the current text is not found after the batch: %v", got)
	}
}

func testBatch(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	ctx := context.Background()
	known := NewArticle("https://example.net/known", "Known", "Already stored.", Base)
	put(t, s, known)
	fresh := NewArticle("https://example.net/fresh", "Fresh", "New article.", Base)
	edit1 := NewArticle(known.URL, "Known, edited", "Edited once.", Base.Add(time.Hour))
	edit2 := NewArticle(known.URL, "Known, edited twice", "Edited twice.", Base.Add(2*time.Hour))
	res, err := s.PutBatch(ctx, []*schema.Article{fresh, known, edit1, fresh, edit2})
	if err != nil {
		t.Fatalf("PutBatch: %v", err)
	}
	want := []struct {
		version int
		outcome store.Outcome
		current bool
	}{{1, store.Created, true}, {1, store.Unchanged, false}, {2, store.Added, false}, {1, store.Unchanged, true}, {3, store.Added, true}}
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d", len(res), len(want))
	}
	for i, w := range want {
		if res[i].Version != w.version || res[i].Outcome != w.outcome || res[i].Current != w.current {
			t.Errorf("result %d = %+v, want version %d %s current=%v", i, res[i], w.version, w.outcome, w.current)
		}
	}
	if rec := get(t, s, known.ID); rec.Version != 3 || rec.Article.Title != edit2.Title {
		t.Errorf("current after batch = %d %q", rec.Version, rec.Article.Title)
	}
	if got, err := s.PutBatch(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("empty batch = %v, %v", got, err)
	}
}

// testRacing plays two sink replicas that both receive every edit of one article, in
// opposite orders, at the same time.
func testRacing(t *testing.T, open func(t *testing.T) store.Store) {
	s1, s2 := openStore(t, open), openStore(t, open)
	const edits = 24
	arts := make([]*schema.Article, edits)
	for i := range arts {
		arts[i] = NewArticle("https://example.com/race", fmt.Sprintf("Edit %02d", i),
			fmt.Sprintf("Body of edit number %d.", i), Base.Add(time.Duration(i)*time.Minute))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*edits)
	run := func(s store.Store, order []*schema.Article, batch bool) {
		defer wg.Done()
		for i, a := range order {
			var err error
			if batch && i%3 == 0 && i+1 < len(order) {
				_, err = s.PutBatch(context.Background(), order[i:i+2])
			} else {
				_, err = s.Put(context.Background(), a)
			}
			if err != nil {
				errs <- err
			}
		}
	}
	reversed := slices.Clone(arts)
	slices.Reverse(reversed)
	wg.Add(4)
	go run(s1, arts, false)
	go run(s2, reversed, false)
	go run(s1, reversed, true)
	go run(s2, arts, true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("racing put: %v", err)
	}
	vs := versions(t, s1, arts[0].ID)
	if len(vs) != edits {
		t.Fatalf("got %d versions, want %d (one per distinct content)", len(vs), edits)
	}
	hashes := map[string]bool{}
	current := 0
	for i, v := range vs {
		if v.Number != i+1 {
			t.Errorf("version %d has number %d", i+1, v.Number)
		}
		hashes[v.ContentHash] = true
		if v.Current {
			current++
		}
	}
	for _, a := range arts {
		if !hashes[a.ContentHash] {
			t.Errorf("lost version %q", a.Title)
		}
	}
	if rec := get(t, s2, arts[0].ID); current != 1 || rec.Article.Title != arts[edits-1].Title {
		t.Errorf("current = %q (%d versions marked current), want the latest fetch %q", rec.Article.Title, current, arts[edits-1].Title)
	}
}

// testRacingCreate has many writers store the first version of one new article at once.
func testRacingCreate(t *testing.T, open func(t *testing.T) store.Store) {
	s1, s2 := openStore(t, open), openStore(t, open)
	a := NewArticle("https://example.com/new-race", "Breaking", "Just in.", Base)
	const writers = 8
	results := make(chan store.PutResult, writers)
	errs := make(chan error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := s1
			if i%2 == 1 {
				s = s2
			}
			res, err := s.Put(context.Background(), a)
			if err != nil {
				errs <- err
				return
			}
			results <- res
		}()
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Errorf("racing create: %v", err)
	}
	created := 0
	for res := range results {
		if res.Version != 1 {
			t.Errorf("result version %d, want 1", res.Version)
		}
		if res.Outcome == store.Created {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d writers report Created, want exactly 1", created)
	}
	if vs := versions(t, s1, a.ID); len(vs) != 1 {
		t.Errorf("got %d versions, want 1", len(vs))
	}
}

func ptr(t time.Time) *time.Time { return &t }

// corpus stores a small set of articles for the query tests and returns them by key.
func corpus(t *testing.T, s store.Store) map[string]*schema.Article {
	t.Helper()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	mk := func(url, title, body, lang string, authors []string, published time.Time) *schema.Article {
		a := NewArticle(url, title, body, day(28))
		a.Language, a.Authors, a.PublishedAt = lang, authors, ptr(published)
		return a
	}
	arts := map[string]*schema.Article{
		"floods":   mk("https://news.example.com/floods", "Floods in the valley", "Rivers are running high after days of rain.", "en", []string{"Ann Lee"}, day(1)),
		"budget":   mk("https://news.example.com/budget", "Budget vote delayed", "Parliament delayed the budget vote again.", "en", []string{"Bo Chen", "Ann Lee"}, day(2)),
		"wahlen":   mk("https://www.zeitung.example.de/wahl", "Wahlen in Bayern", "Die Wähler entscheiden über den Landtag.", "de", []string{"Karl Maier"}, day(3)),
		"rain":     mk("https://weather.example.org/rain", "More rain expected", "Forecasters expect the rivers to run over their banks.", "en-GB", nil, day(4)),
		"marathon": mk("https://sport.example.com/run", "City marathon", "Thousands ran through the old town.", "en", []string{"Bo Chen"}, day(5)),
	}
	for _, k := range []string{"floods", "budget", "wahlen", "rain", "marathon"} {
		put(t, s, arts[k])
	}
	return arts
}

func ids(p *store.Page) []string {
	out := make([]string, len(p.Articles))
	for i, r := range p.Articles {
		out[i] = r.ID
	}
	return out
}

func testSearch(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	arts := corpus(t, s)
	id := func(keys ...string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = arts[k].ID
		}
		return out
	}
	cases := []struct {
		name string
		q    store.Query
		want []string // newest first
	}{
		{"all", store.Query{}, id("marathon", "rain", "wahlen", "budget", "floods")},
		{"word in body", store.Query{Text: "parliament"}, id("budget")},
		{"word in title, any case", store.Query{Text: "FLOODS"}, id("floods")},
		{"two words", store.Query{Text: "rivers rain"}, id("rain", "floods")},
		{"phrase", store.Query{Text: `"budget vote"`}, id("budget")},
		{"phrase words apart", store.Query{Text: `"vote budget"`}, nil},
		{"exclusion", store.Query{Text: "rivers -forecasters"}, id("floods")},
		{"stemmed", store.Query{Text: "rivers running"}, id("rain", "floods")},
		{"non-ascii", store.Query{Text: "Wähler"}, id("wahlen")},
		{"site", store.Query{Site: "news.example.com"}, id("budget", "floods")},
		{"site with www and case", store.Query{Site: "WWW.Zeitung.Example.DE"}, id("wahlen")},
		{"site as url", store.Query{Site: "https://weather.example.org/x"}, id("rain")},
		{"author ignoring case", store.Query{Author: "ann lee"}, id("budget", "floods")},
		{"language", store.Query{Language: "de"}, id("wahlen")},
		{"language region dropped", store.Query{Language: "en-US"}, id("marathon", "rain", "budget", "floods")},
		{"since", store.Query{Since: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)}, id("marathon", "rain")},
		{"until", store.Query{Until: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}, id("floods")},
		{"range and text", store.Query{Text: "rain", Since: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)}, id("floods")},
		{"author and site", store.Query{Author: "Bo Chen", Site: "sport.example.com"}, id("marathon")},
		{"nothing", store.Query{Text: "volcano"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.List(context.Background(), tc.q)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got := ids(p); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if p.Next != "" {
				t.Errorf("Next = %q on a short result", p.Next)
			}
		})
	}
	// Search sees only the current version.
	edited := NewArticle(arts["budget"].URL, "Budget passed", "Parliament passed the budget at last.", arts["budget"].FetchedAt.Add(time.Hour))
	edited.Language, edited.PublishedAt = "en", arts["budget"].PublishedAt
	put(t, s, edited)
	for q, want := range map[string]int{"delayed": 0, "passed": 1} {
		p, err := s.List(context.Background(), store.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Articles) != want {
			t.Errorf("after edit, %q finds %d articles, want %d", q, len(p.Articles), want)
		}
	}
	if p, err := s.List(context.Background(), store.Query{Author: "Ann Lee"}); err != nil || !slices.Equal(ids(p), id("floods")) {
		t.Errorf("after an edit dropping an author, author filter gives %v, %v", ids(p), err)
	}
}

// testSearchLanguages: words inside Chinese, Japanese and Korean runs are found, down
// to one character; inflected forms of a Russian word are found from its base.
func testSearchLanguages(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	day := func(d int) time.Time { return time.Date(2026, 4, d, 12, 0, 0, 0, time.UTC) }
	mk := func(url, title, body, lang string, d int) *schema.Article {
		a := NewArticle(url, title, body, day(d))
		a.Language = lang
		return a
	}
	arts := map[string]*schema.Article{
		"ja": mk("https://ja.example.jp/toudai", "港の新しい灯台が完成", "港の新しい灯台が完成した。式典には市長も出席した。", "ja", 1),
		"zh": mk("https://zh.example.cn/qiao", "市政府宣布新桥明年开通", "新桥全长两公里，预计明年五月开通。", "zh", 2),
		"ko": mk("https://ko.example.kr/dari", "서울시는 새 다리를 발표했다", "서울시는 한강에 새 다리를 짓는다고 발표했다.", "ko", 3),
		"ru": mk("https://ru.example.ru/most", "Ремонт моста", "Начало ремонта запланировано на лето; ремонтных работ будет много.", "ru", 4),
		"en": mk("https://en.example.com/ferry", "Ferry returns", "The harbour ferry returns after the winter repairs.", "en", 5),
		"de": mk("https://de.example.de/wahl", "Wahlen in Bayern", "Die Wähler entscheiden über den Landtag.", "de", 6),
	}
	for _, k := range []string{"ja", "zh", "ko", "ru", "en", "de"} {
		put(t, s, arts[k])
	}
	id := func(keys ...string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = arts[k].ID
		}
		return out
	}
	cases := []struct {
		name string
		q    store.Query
		want []string // newest first
	}{
		{"ja word inside a run", store.Query{Text: "灯台"}, id("ja")},
		{"ja longer word", store.Query{Text: "新しい灯台"}, id("ja")},
		{"ja whole run", store.Query{Text: "港の新しい灯台が完成"}, id("ja")},
		{"ja one character", store.Query{Text: "港"}, id("ja")},
		{"ja two words", store.Query{Text: "灯台 市長"}, id("ja")},
		{"ja excluded", store.Query{Text: "灯台 -市長"}, nil},
		{"ja with an English exclusion", store.Query{Text: "灯台 -ferry"}, id("ja")},
		{"ja absent", store.Query{Text: "地震"}, nil},
		{"zh", store.Query{Text: "新桥"}, id("zh")},
		{"zh three characters", store.Query{Text: "两公里"}, id("zh")},
		{"ko word with a particle attached", store.Query{Text: "서울시"}, id("ko")},
		{"ko", store.Query{Text: "다리"}, id("ko")},
		{"ko and language", store.Query{Text: "다리", Language: "ko"}, id("ko")},
		{"ko under another language", store.Query{Text: "다리", Language: "ja"}, nil},
		{"cjk and english", store.Query{Text: "ferry 灯台"}, nil},
		{"english excluding cjk", store.Query{Text: "ferry -灯台"}, id("en")},
		{"ru inflected", store.Query{Text: "ремонт"}, id("ru")},
		{"ru with language", store.Query{Text: "ремонт", Language: "ru"}, id("ru")},
		{"ru exact", store.Query{Text: "Моста"}, id("ru")},
		{"ru phrase", store.Query{Text: `"начало ремонта"`}, id("ru")},
		{"en still stemmed", store.Query{Text: "repair"}, id("en")},
		{"de under its language", store.Query{Text: "wahl", Language: "de"}, id("de")},
		{"de with an umlaut", store.Query{Text: "wähler"}, id("de")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.List(context.Background(), tc.q)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got := ids(p); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Search follows the current version of a CJK article too.
	edited := mk(arts["ja"].URL, "港の灯台、点灯式", "新しい灯台が初めて点灯した。", "ja", 7)
	put(t, s, edited)
	for q, want := range map[string]int{"完成": 0, "点灯": 1, "灯台": 1} {
		p, err := s.List(context.Background(), store.Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Articles) != want {
			t.Errorf("after edit, %q finds %d articles, want %d", q, len(p.Articles), want)
		}
	}
}

func testPagination(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	ctx := context.Background()
	const n = 23
	var want []string
	same := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var arts []*schema.Article
	for i := range n {
		a := NewArticle(fmt.Sprintf("https://pages.example.com/%d", i), fmt.Sprintf("Page %d", i), "Paged body.", Base)
		// Several articles share a time, so ties must be broken by id.
		a.PublishedAt = ptr(same.Add(time.Duration(i/3) * time.Minute))
		arts = append(arts, a)
	}
	if _, err := s.PutBatch(ctx, arts); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(arts, func(a, b *schema.Article) int {
		if c := b.PublishedAt.Compare(*a.PublishedAt); c != 0 {
			return c
		}
		if a.ID > b.ID {
			return -1
		}
		return 1
	})
	for _, a := range arts {
		want = append(want, a.ID)
	}
	var got []string
	cursor, pages := "", 0
	for {
		p, err := s.List(ctx, store.Query{Text: "paged", Limit: 5, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(p.Articles) > 5 {
			t.Fatalf("page of %d articles with limit 5", len(p.Articles))
		}
		got = append(got, ids(p)...)
		if p.Next == "" {
			break
		}
		cursor = p.Next
		if pages > n {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged through %v\nwant %v", got, want)
	}
	if pages != 5 {
		t.Errorf("%d pages, want 5", pages)
	}
	p, err := s.List(ctx, store.Query{})
	if err != nil || len(p.Articles) != store.DefaultLimit || p.Next == "" {
		t.Errorf("default limit: %d articles, next %q, %v", len(p.Articles), p.Next, err)
	}
}

func testMalformed(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	ctx := context.Background()
	good := func() *schema.Article {
		return NewArticle("https://example.com/bad", "Title", "Body.", Base)
	}
	cases := map[string]*schema.Article{"nil": nil}
	add := func(name string, edit func(a *schema.Article)) {
		a := good()
		edit(a)
		cases[name] = a
	}
	add("no id", func(a *schema.Article) { a.ID = "" })
	add("id of another url", func(a *schema.Article) { a.ID = schema.ArticleID("https://example.com/other") })
	add("no content hash", func(a *schema.Article) { a.ContentHash = "" })
	add("content hash not hex", func(a *schema.Article) { a.ContentHash = "not-a-hash" })
	add("no extracted_at", func(a *schema.Article) { a.ExtractedAt = time.Time{} })
	add("no url, id not its raw page's", func(a *schema.Article) { a.URL, a.CanonicalURL = "", "" })
	add("no url, no raw id", func(a *schema.Article) {
		a.URL, a.CanonicalURL, a.Lineage.RawID = "", "", ""
		a.ID = store.RawArticleID("")
	})
	add("url, raw page's id", func(a *schema.Article) { a.ID = store.RawArticleID(a.Lineage.RawID) })
	add("ftp url", func(a *schema.Article) {
		a.CanonicalURL = "ftp://example.com/bad"
		a.ID = schema.ArticleID(a.CanonicalURL)
	})
	add("invalid utf-8", func(a *schema.Article) { a.Title = "bad \xff byte" })
	add("published out of range", func(a *schema.Article) { a.PublishedAt = ptr(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)) })
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Put(ctx, a); !errors.Is(err, store.ErrInvalidArticle) {
				t.Errorf("Put: err = %v, want ErrInvalidArticle", err)
			}
			if _, err := s.PutBatch(ctx, []*schema.Article{good(), a}); !errors.Is(err, store.ErrInvalidArticle) {
				t.Errorf("PutBatch: err = %v, want ErrInvalidArticle", err)
			}
		})
	}
	p, err := s.List(ctx, store.Query{})
	if err != nil || len(p.Articles) != 0 {
		t.Fatalf("after rejected puts the store holds %d articles (%v), want none", len(p.Articles), err)
	}
}

func testBadQuery(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	for name, q := range map[string]store.Query{
		"bad cursor":             {Cursor: "%%%"},
		"cursor not ours":        {Cursor: "aGVsbG8"},
		"limit too big":          {Limit: store.MaxLimit + 1},
		"negative limit":         {Limit: -1},
		"since not before until": {Since: Base, Until: Base},
		"only exclusions":        {Text: "-rain"},
		"too long":               {Text: string(make([]byte, store.MaxQueryLen+1))},
	} {
		if _, err := s.List(context.Background(), q); !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("%s: err = %v, want ErrInvalidQuery", name, err)
		}
	}
}

func testNotFound(t *testing.T, open func(t *testing.T) store.Store) {
	s := openStore(t, open)
	if _, err := s.Get(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Versions(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Versions: err = %v, want ErrNotFound", err)
	}
}

func testClosed(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	a := NewArticle("https://example.com/closed", "T", "B.", Base)
	if _, err := s.Put(context.Background(), a); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Put after Close: err = %v, want ErrClosed", err)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Ping after Close: err = %v, want ErrClosed", err)
	}
}

var benchWords = strings.Fields(`the council said on monday that the new budget would cut spending on roads and
schools while raising money for hospitals after a long debate in parliament where members of the opposition
argued that the plan was unfair to families in rural areas who depend on buses and local clinics for care and
the minister replied that growth in the coming year would allow more investment than critics expected`)

// Articles makes n distinct English articles of about 500 words each on
// bench.example.com, the same n articles on every call (for benchmarks).
func Articles(n int) []*schema.Article {
	r := rand.New(rand.NewPCG(1, 2))
	arts := make([]*schema.Article, n)
	for i := range arts {
		var body strings.Builder
		for w := range 500 {
			if w > 0 && w%60 == 0 {
				body.WriteString(".\n\n")
			} else if w > 0 {
				body.WriteByte(' ')
			}
			body.WriteString(benchWords[r.IntN(len(benchWords))])
		}
		a := NewArticle(fmt.Sprintf("https://bench.example.com/%d/story", i), fmt.Sprintf("Story number %d", i),
			body.String(), Base.Add(time.Duration(i)*time.Second))
		a.Authors = []string{"Ann Lee"}
		arts[i] = a
	}
	return arts
}
