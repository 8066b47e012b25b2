package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/pkg/schema"
)

// publishArticle publishes a minimal valid article for url on the extracted stream.
func publishArticle(ctx context.Context, t *testing.T, js jetstream.JetStream, url, title string) *schema.Article {
	t.Helper()
	a := &schema.Article{
		ID: schema.ArticleID(url), URL: url, CanonicalURL: url, Title: title,
		Authors: []string{}, BodyText: title + " body.", BodyHTML: "<p>" + title + " body.</p>",
		ContentHash: schema.ArticleContentHash(title, title+" body."), ExtractedAt: time.Now().UTC(),
		FetchedAt: time.Now().UTC(), ExtractorVersion: "test", Lineage: schema.Lineage{RawID: "r-" + title, CleanedID: "c-" + title},
	}
	data, err := schema.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := publishMessage(ctx, js, schema.ExtractedSubject(url), schema.ArticleV1, schema.ArticleMsgID(a), data); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTailPrintsArticlesBySite(t *testing.T) {
	ns, js := testServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	publishArticle(ctx, t, js, "https://news.example.com/1", "One")
	publishArticle(ctx, t, js, "https://other.example.org/2", "Two")
	publishArticle(ctx, t, js, "https://www.news.example.com/3", "Three")
	// A message that is no article is skipped, not fatal.
	if _, err := js.Publish(ctx, "news.extracted.news_example_com", []byte("not json")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		args  []string
		title []string
	}{
		{"all sites", []string{"--all", "--limit", "3"}, []string{"One", "Two", "Three"}},
		{"by host", []string{"--all", "--site", "news.example.com", "--limit", "2"}, []string{"One", "Three"}},
		{"by token", []string{"--all", "--site", "other_example_org", "--limit", "1"}, []string{"Two"}},
		{"since", []string{"--since", "1h", "--limit", "1"}, []string{"One"}},
		// --since also takes a time, as newsjet articles does.
		{"since a time", []string{"--since", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "--limit", "2"}, []string{"One", "Two"}},
		{"since a date", []string{"--since", time.Now().AddDate(0, 0, -1).UTC().Format(time.DateOnly), "--limit", "1"}, []string{"One"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"tail", "--nats-url", ns.ClientURL()}, tc.args...)
			code, out, errOut := runCLI(ctx, t, args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			got := decodeLines[schema.Article](t, out)
			if len(got) != len(tc.title) {
				t.Fatalf("got %d articles, want %d:\n%s", len(got), len(tc.title), out)
			}
			for i, a := range got {
				if a.Title != tc.title[i] || a.Schema != schema.ArticleV1 {
					t.Errorf("article %d: title %q schema %q, want %q", i, a.Title, a.Schema, tc.title[i])
				}
			}
		})
	}
}

func TestTailFollowsNewArticlesUntilCancelled(t *testing.T) {
	ns, js := testServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	publishArticle(ctx, t, js, "https://news.example.com/old", "Old")

	tailCtx, stopTail := context.WithCancel(ctx)
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- newApp(strings.NewReader(""), &stdout, &stderr).run(tailCtx, []string{"tail", "--nats-url", ns.ClientURL()})
	}()

	// Publish until the tail has printed a new article: it starts with the next one.
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; stdout.String() == "" && time.Now().Before(deadline); i++ {
		publishArticle(ctx, t, js, fmt.Sprintf("https://news.example.com/new/%d", i), fmt.Sprintf("New %d", i))
		time.Sleep(100 * time.Millisecond)
	}
	stopTail()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	got := decodeLines[schema.Article](t, stdout.String())
	if len(got) == 0 || !strings.HasPrefix(got[0].Title, "New") {
		t.Fatalf("tail printed %+v, want only new articles", got)
	}
}

func TestTailUsage(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{{"tail", "extra"}, {"tail", "--all", "--since", "1h"}, {"tail", "--since", "soon"}} {
		if code, out, _ := runCLI(ctx, t, args...); code != 2 || out != "" {
			t.Errorf("%v: exit %d stdout %q, want 2 and nothing", args, code, out)
		}
	}
}
