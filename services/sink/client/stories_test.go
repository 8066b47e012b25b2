package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/api"
	"github.com/newsjet/newsjet/services/sink/client"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

const harbourStory = `The harbour authority reopened the northern basin on Wednesday after six weeks of repairs to the sea wall that a winter storm had breached in two places.

Fishing boats were the first to return, followed by the ferry to the islands, which had been diverted to the southern quay since the middle of January.

Engineers replaced more than three hundred concrete blocks and raised the top of the wall by forty centimetres, the authority said in a statement.`

// serveStory starts the read API over a store holding one story of two copies (on
// two sites) and an unrelated article; it returns the URL, the story id and the
// copies' ids, original first.
func serveStory(t *testing.T) (string, string, [2]string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	orig := storetest.NewArticle("https://harbour-news.example/basin", "Basin reopens", harbourStory, storetest.Base)
	cp := storetest.NewArticle("https://digest.example/basin", "Harbour back", harbourStory+"\n\nAdvertisement", storetest.Base.Add(time.Hour))
	other := storetest.NewArticle("https://harbour-news.example/other", "Other", "Short note.", storetest.Base)
	for _, a := range []*schema.Article{orig, cp} {
		published := a.FetchedAt
		a.PublishedAt = &published
	}
	var storyID string
	for _, a := range []*schema.Article{orig, cp, other} {
		res, err := s.Put(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if storyID == "" {
			storyID = res.Story.ID
		}
	}
	srv := httptest.NewServer(api.Handler(s))
	t.Cleanup(srv.Close)
	return srv.URL, storyID, [2]string{orig.ID, cp.ID}
}

func TestClientStory(t *testing.T) {
	base, id, copies := serveStory(t)
	c, err := client.New(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := c.Story(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.ID != id || len(st.Copies) != 2 || st.Copies[0].ArticleID != copies[0] || !st.Copies[0].Origin ||
		st.Copies[1].Site != "digest.example" || st.Copies[1].Similarity <= 0 || st.Origin.ArticleID != copies[0] {
		t.Fatalf("Story = %+v", st)
	}
	page, err := c.List(ctx, store.Query{Story: id})
	if err != nil || len(page.Articles) != 2 || page.Articles[0].ID != copies[1] || page.Articles[0].StoryID != id {
		t.Fatalf("List(story) = %+v, %v", page, err)
	}
	if _, err := c.Story(ctx, "missing"); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("Story(missing) = %v, want ErrStoryNotFound", err)
	}
}

func TestRunStory(t *testing.T) {
	base, id, copies := serveStory(t)
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := client.Run(context.Background(), append([]string{"--api", base}, args...), &out, &errOut)
		return out.String(), err
	}
	out, err := run("story", id)
	var st store.Story
	if err != nil || strings.Count(out, "\n") != 1 || json.Unmarshal([]byte(out), &st) != nil || len(st.Copies) != 2 {
		t.Fatalf("story: %q %v", out, err)
	}
	out, err = run("list", "--story", id)
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, copies[0]) || !strings.Contains(out, `"story_id":"`+id+`"`) {
		t.Fatalf("list --story: %q %v", out, err)
	}
	if _, err := run("story", "missing"); !errors.Is(err, store.ErrStoryNotFound) {
		t.Errorf("story missing: %v", err)
	}
	for _, args := range [][]string{{"story"}, {"story", "a", "b"}} {
		if _, err := run(args...); !errors.Is(err, client.ErrUsage) {
			t.Errorf("%v: err = %v, want ErrUsage", args, err)
		}
	}
}
