package fetcher

import (
	"errors"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher/discover"
)

func TestRequests(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	reqs, err := Requests([]string{"https://news.test/feed", "https://news.test/sitemap.xml", "https://news.test/2026/story"}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{schema.KindFeed, schema.KindSitemap, schema.KindArticle}
	for i, r := range reqs {
		if r.Kind != want[i] || r.ID != schema.FetchRequestID(r.Kind, r.URL) || !r.RequestedAt.Equal(now) {
			t.Errorf("request %d: %+v", i, r)
		}
		msg, err := RequestMsg(r)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Subject != "news.fetch.news_test" || msg.Header.Get(schema.HeaderMsgID) != r.ID {
			t.Errorf("message %s %v", msg.Subject, msg.Header)
		}
		back, err := schema.DecodeFetchRequest(msg.Data)
		if err != nil || back.URL != r.URL {
			t.Errorf("round trip: %+v, %v", back, err)
		}
	}
	if _, err := Requests([]string{"news.test/no-scheme"}, now); !errors.Is(err, schema.ErrBadURL) {
		t.Fatalf("bad URL: %v", err)
	}
}

func TestDocumentRequests(t *testing.T) {
	now := time.Now()
	feed := []byte(`<rss version="2.0"><channel><title>t</title><item><link>/a/1</link></item><item><link>https://news.test/a/2</link></item></channel></rss>`)
	reqs, ok, err := DocumentRequests(feed, "https://news.test/feed.xml", now)
	if err != nil || !ok || len(reqs) != 2 || reqs[0].URL != "https://news.test/a/1" || reqs[0].Source != "https://news.test/feed.xml" {
		t.Fatalf("feed file: %+v %v %v", reqs, ok, err)
	}
	index := []byte(`<sitemapindex><sitemap><loc>https://news.test/s1.xml</loc></sitemap></sitemapindex>`)
	reqs, ok, err = DocumentRequests(index, "", now)
	if err != nil || !ok || len(reqs) != 1 || reqs[0].Kind != schema.KindSitemap {
		t.Fatalf("sitemap index file: %+v %v %v", reqs, ok, err)
	}
	if _, ok, err := DocumentRequests([]byte("<!DOCTYPE html><html><body>story</body></html>"), "", now); ok || err != nil {
		t.Fatalf("html file: ok=%v err=%v", ok, err)
	}
	if _, ok, err := DocumentRequests([]byte(`<rss version="2.0"><channel><title>t</title></channel></rss>`), "", now); !ok || !errors.Is(err, discover.ErrNotDiscoverable) {
		t.Fatalf("empty feed: ok=%v err=%v", ok, err)
	}
}
