package fetcher

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher/state"
)

// site is a small news site on loopback: a feed, a news sitemap, articles, a PDF, a
// robots.txt, and counters of what was asked.
type site struct {
	*httptest.Server
	mu     sync.Mutex
	hits   map[string]int
	robots string
	extra  map[string]http.HandlerFunc
}

func articleHTML(title string) string {
	return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body><article><h1>" +
		title + "</h1><p>The harbour reopened on Tuesday after a week of repairs.</p></article></body></html>"
}

func newSite(t testing.TB) *site {
	s := &site{hits: map[string]int{}, extra: map[string]http.HandlerFunc{},
		robots: "User-agent: *\nDisallow: /private/\n"}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *site) handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra[path] = h
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	h, robots := s.extra[r.URL.Path], s.robots
	s.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	now := time.Now().UTC()
	switch {
	case r.URL.Path == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, robots)
	case r.URL.Path == "/feed.xml":
		if r.Header.Get("If-None-Match") == `"feed-v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"feed-v1"`)
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title><link>%[1]s/</link>
<item><title>One</title><link>%[1]s/a/1?utm_source=rss</link><pubDate>%[2]s</pubDate></item>
<item><title>Two</title><link>/a/2</link></item>
<item><title>Hidden</title><link>%[1]s/private/3</link></item>
<item><title>Ancient</title><link>%[1]s/a/old</link><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item>
</channel></rss>`, s.URL, now.Format(time.RFC1123Z))
	case r.URL.Path == "/news-sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>%[1]s/n/1</loc><news:news><news:publication><news:name>Gazette</news:name><news:language>en</news:language></news:publication><news:publication_date>%[2]s</news:publication_date><news:title>N1</news:title></news:news></url>
<url><loc>%[1]s/n/2</loc><news:news><news:publication><news:name>Gazette</news:name><news:language>en</news:language></news:publication><news:publication_date>%[2]s</news:publication_date><news:title>N2</news:title></news:news></url>
</urlset>`, s.URL, now.Format(time.RFC3339))
	case strings.HasPrefix(r.URL.Path, "/a/"), strings.HasPrefix(r.URL.Path, "/n/"), strings.HasPrefix(r.URL.Path, "/private/"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, articleHTML("Story "+r.URL.Path))
	case r.URL.Path == "/report.pdf":
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.7\n1 0 obj\n")
	default:
		http.NotFound(w, r)
	}
}

// testConfig opens the SSRF guard for loopback and makes politeness fast enough for tests.
func testConfig() Config {
	return Config{
		AllowNets: []string{"127.0.0.0/8"}, HostRate: 1000, HostBurst: 100, HostConcurrency: 16,
		RetryBase: 20 * time.Millisecond, TotalTimeout: 10 * time.Second,
	}
}

type broker struct {
	nc *nats.Conn
	js jetstream.JetStream
}

func startBroker(t testing.TB) *broker {
	t.Helper()
	nc := natstest.Connect(t, natstest.Start(t))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &broker{nc: nc, js: js}
}

func newFetcher(t testing.TB, b *broker, cfg Config) *Fetcher {
	t.Helper()
	st, err := state.Open(context.Background(), b.js, state.Options{Horizon: cfg.Horizon})
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(cfg, st, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func request(kind, url, source string) *schema.FetchRequest {
	return &schema.FetchRequest{Schema: schema.FetchRequestV1, ID: schema.FetchRequestID(kind, url), Kind: kind, URL: url,
		Source: source, RequestedAt: time.Now().UTC()}
}

// counter is an http handler answering from a script of status codes, then 200.
type counter struct {
	calls  atomic.Int32
	script []int
	header map[string]string
}

func (c *counter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	n := int(c.calls.Add(1))
	if n <= len(c.script) {
		for k, v := range c.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(c.script[n-1])
		return
	}
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, articleHTML("Recovered"))
}
