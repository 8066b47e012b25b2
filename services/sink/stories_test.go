package sink_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/internal/stagetest"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink"
	"github.com/newsjet/newsjet/services/sink/client"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// wireStory is a story of a few paragraphs, written for these tests.
var wireStory = []string{
	"ROTTERDAM - Crane operators at the container terminals walked out on Monday over a new shift rota, leaving ships waiting at anchor outside the port.",
	"The stoppage began at six in the morning and halted loading at four of the five terminals, the port authority said in a statement at noon.",
	"Port authorities estimated that thirty vessels were delayed by the evening, most of them feeder ships that link the port with smaller harbours.",
	"The union said the rota would cut rest time between night shifts and called the talks with the terminal operators a waste of everyone's time.",
	"The terminal operators said they had offered to phase the rota in over a year and would meet the union again on Wednesday morning.",
}

// storyCopy returns an article at url carrying paras, published at published.
func storyCopy(url, title string, paras []string, published time.Time) *schema.Article {
	a := storetest.NewArticle(url, title, strings.Join(paras, "\n\n"), published.Add(time.Minute))
	a.PublishedAt = &published
	return a
}

// storyUpdates returns the story updates in the stories stream, by subject.
func storyUpdates(t *testing.T, h *harness) map[string][]*schema.StoryUpdate {
	t.Helper()
	out := map[string][]*schema.StoryUpdate{}
	for _, m := range stagetest.Msgs(t, h.js, schema.StoriesStream.Name) {
		u, err := schema.DecodeStoryUpdate(m.Data)
		if err != nil {
			t.Fatalf("story update on %s: %v", m.Subject, err)
		}
		if got := m.Header.Get(schema.HeaderSchema); got != schema.StoryUpdateV1 {
			t.Errorf("update on %s has schema header %q", m.Subject, got)
		}
		if got := m.Header.Get(schema.HeaderMsgID); got != u.ID {
			t.Errorf("update on %s has message id %q, want its id %q", m.Subject, got, u.ID)
		}
		out[m.Subject] = append(out[m.Subject], u)
	}
	return out
}

// metric reads a counter series of the sink's /metrics, -1 when absent.
func (h *harness) metric(name, result string) int {
	h.t.Helper()
	resp, err := http.Get("http://" + h.http + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		h.t.Fatal(err)
	}
	prefix := fmt.Sprintf("%s{result=%q} ", name, result)
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				h.t.Fatalf("metric line %q: %v", line, err)
			}
			return n
		}
	}
	return -1
}

// TestStoryUpdates: an article that joins a story is published on the stories subject
// of its site, once; the story is served by the read API.
func TestStoryUpdates(t *testing.T) {
	h := start(t, openSQLite(t))
	for _, result := range []string{"created", "joined", "failed"} {
		if n := h.metric(sink.StoriesMetric, result); n != 0 {
			t.Errorf("before any article, %s = %d, want 0", result, n)
		}
	}
	orig := storyCopy("https://wire.example/cranes", "Cranes idle", wireStory, storetest.Base)
	cp := storyCopy("https://digest-hub.example/2026/cranes", "Harbour cranes idle as strike begins",
		append(append([]string{"Advertisement"}, wireStory...), "Share this article"), storetest.Base.Add(time.Hour))
	other := storyCopy("https://wire.example/weather", "Storm warning", []string{
		"Forecasters warned of gale-force winds along the coast from Tuesday night, with gusts of up to one hundred kilometres an hour expected near the estuary.",
		"Ferry services to the islands may be cancelled and the harbour master advised owners of small boats to secure them before the evening."},
		storetest.Base)
	h.publishArticle(orig, "orig")
	waitFor(t, 15*time.Second, "the original stored", func() bool { return h.metric(sink.StoriesMetric, "created") == 1 })
	h.publishArticle(cp, "copy")
	h.publishArticle(other, "other")
	h.publishArticle(cp, "copy-again") // a duplicate publish: stored once, no second update
	h.settled(15 * time.Second)

	ups := storyUpdates(t, h)
	wire, digest := ups["news.stories.wire_example"], ups["news.stories.digest-hub_example"]
	if len(wire) != 2 || len(digest) != 1 {
		t.Fatalf("updates by subject: %d on wire_example, %d on digest-hub_example, want 2 and 1 (%v)", len(wire), len(digest), ups)
	}
	first, joined := wire[0], digest[0]
	if first.ArticleID != orig.ID || first.Kind != schema.StoryCreated || first.Copies != 1 || first.Similarity != 1 ||
		first.Origin.ArticleID != orig.ID || first.URL != orig.CanonicalURL || first.Site != "wire.example" {
		t.Errorf("first copy's update = %+v", first)
	}
	if joined.ArticleID != cp.ID || joined.Kind != schema.StoryJoined || joined.StoryID != first.StoryID ||
		joined.MatchedArticleID != orig.ID || joined.Copies != 2 || joined.Similarity < 0.5 ||
		joined.Origin.Status != schema.StoryOriginEarliest || joined.Origin.ArticleID != orig.ID || joined.Version != 1 {
		t.Errorf("copy's update = %+v", joined)
	}
	if wire[1].ArticleID != other.ID || wire[1].StoryID == first.StoryID {
		t.Errorf("other article's update = %+v", wire[1])
	}
	if n, m := h.metric(sink.StoriesMetric, "created"), h.metric(sink.StoriesMetric, "joined"); n != 2 || m != 1 {
		t.Errorf("story assignments: created %d, joined %d; want 2 and 1", n, m)
	}

	c, err := client.New("http://"+h.http, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Story(context.Background(), first.StoryID)
	if err != nil || len(st.Copies) != 2 || st.Origin.ArticleID != orig.ID {
		t.Fatalf("GET /stories/{id} = %+v, %v", st, err)
	}
	page, err := c.List(context.Background(), store.Query{Story: first.StoryID})
	if err != nil || len(page.Articles) != 2 || page.Articles[0].StoryID != first.StoryID {
		t.Fatalf("GET /articles?story= = %+v, %v", page, err)
	}
}

// TestTwoSinksRacingStories: two sink replicas share the consumer while copies of one
// story arrive; every copy ends in one story, founded once.
func TestTwoSinksRacingStories(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "articles.db") },
		"postgres": func(t *testing.T) string { return pgtest.DSN(t) },
	}
	for name, dsn := range stores {
		t.Run(name, func(t *testing.T) {
			dsn := dsn(t)
			nc := natstest.Connect(t, natstest.Start(t))
			var hs []*harness
			for range 2 {
				st, err := sink.OpenStore(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				hs = append(hs, startOn(t, nc, st))
			}
			const copies = 24
			var arts []*schema.Article
			for i := range copies {
				paras := wireStory[:len(wireStory)-i%2]
				arts = append(arts, storyCopy(fmt.Sprintf("https://site%d.example/cranes", i), fmt.Sprintf("Copy %d", i),
					append(paras, fmt.Sprintf("Published by site %d.", i)), storetest.Base.Add(time.Duration(i)*time.Minute)))
			}
			for _, a := range arts {
				hs[0].publishArticle(a, a.ID)
			}
			hs[0].settled(30 * time.Second)
			ids := map[string]bool{}
			for _, a := range arts {
				rec, err := hs[1].st.Get(context.Background(), a.ID)
				if err != nil {
					t.Fatal(err)
				}
				ids[rec.StoryID] = true
			}
			if len(ids) != 1 {
				t.Fatalf("%d copies ended in %d stories: %v", copies, len(ids), ids)
			}
			created := 0
			for _, us := range storyUpdates(t, hs[0]) {
				for _, u := range us {
					if u.Kind == schema.StoryCreated {
						created++
					}
				}
			}
			if created != 1 {
				t.Errorf("%d updates say they created the story, want 1", created)
			}
			if dls := hs[0].deadLetters(); len(dls) != 0 {
				t.Errorf("dead letters: %+v", dls)
			}
		})
	}
}

// TestStoryFailureRetried: when the story step fails, the article is stored all the
// same, the failure is counted, and the redelivered message assigns the story once the
// cause is gone; nothing is dead-lettered.
func TestStoryFailureRetried(t *testing.T) {
	path := filepath.Join(t.TempDir(), "articles.db")
	st, err := sink.OpenStore(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := start(t, st)
	orig := storyCopy("https://wire.example/cranes", "Cranes idle", wireStory, storetest.Base)
	h.publishArticle(orig, "orig")
	waitFor(t, 15*time.Second, "the original's story", func() bool { return h.metric(sink.StoriesMetric, "created") == 1 })

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sketch []byte
	const member = `seq = (SELECT seq FROM articles WHERE id = ?)`
	if err := db.QueryRow(`SELECT sketch FROM story_members WHERE `+member, orig.ID).Scan(&sketch); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE story_members SET sketch = x'01' WHERE `+member, orig.ID); err != nil {
		t.Fatal(err)
	}
	cp := storyCopy("https://digest-hub.example/cranes", "Cranes idle", wireStory[:4], storetest.Base.Add(time.Hour))
	h.publishArticle(cp, "copy")
	waitFor(t, 15*time.Second, "a failed story step", func() bool { return h.metric(sink.StoriesMetric, "failed") >= 2 })
	rec, err := st.Get(context.Background(), cp.ID)
	if err != nil || rec.StoryID != "" {
		t.Fatalf("the copy while its story fails: %+v, %v; want it stored without a story", rec, err)
	}
	if _, err := db.Exec(`UPDATE story_members SET sketch = ? WHERE `+member, sketch, orig.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the copy joined", func() bool { return h.metric(sink.StoriesMetric, "joined") == 1 })
	h.settled(15 * time.Second)
	if rec, err := st.Get(context.Background(), cp.ID); err != nil || rec.StoryID == "" {
		t.Fatalf("after the retry: %+v, %v", rec, err)
	}
	if n := len(storyUpdates(t, h)["news.stories.digest-hub_example"]); n != 1 {
		t.Errorf("%d updates for the copy, want 1", n)
	}
	if dls := h.deadLetters(); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
	if n := h.metric(sink.StoredMetric, "new_article"); n != 2 {
		t.Errorf("new_article = %d, want 2 (the copy stored once)", n)
	}
}

// TestStoriesFlag: stories are on by default, off with --stories=false or
// NEWSJET_STORIES=false; the zero Config has them on too.
func TestStoriesFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		off  bool
	}{
		{nil, nil, false},
		{[]string{"--stories=false"}, nil, true},
		{[]string{"--stories"}, map[string]string{"NEWSJET_STORIES": "false"}, false},
		{nil, map[string]string{"NEWSJET_STORIES": "false"}, true},
	} {
		var cfg sink.Config
		fs := flag.NewFlagSet("sink", flag.ContinueOnError)
		cfg.RegisterFlags(fs)
		lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
		if err := stage.ParseFlags(fs, tc.args, lookup); err != nil {
			t.Fatalf("%v %v: %v", tc.args, tc.env, err)
		}
		if cfg.NoStories != tc.off {
			t.Errorf("%v %v: NoStories = %v, want %v", tc.args, tc.env, cfg.NoStories, tc.off)
		}
	}
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	new(sink.Config).RegisterFlags(fs)
	if d := fs.Lookup("stories").DefValue; d != "true" {
		t.Errorf("--stories default %q, want true", d)
	}
}
