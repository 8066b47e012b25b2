package fetcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher/fetch"
	"github.com/newsjet/newsjet/services/fetcher/polite"
)

func wantPermanent(t *testing.T, err error, sentinel error) {
	t.Helper()
	reason, ok := stage.ReasonOf(err)
	if !ok || reason != schema.ReasonFetchFailed {
		t.Fatalf("err = %v: permanent=%v reason=%q, want permanent %s", err, ok, reason, schema.ReasonFetchFailed)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want it to wrap %v", err, sentinel)
	}
}

func TestFeedThenConditionalGet(t *testing.T) {
	s := newSite(t)
	f := newFetcher(t, startBroker(t), testConfig())
	ctx := context.Background()
	feed := request(schema.KindFeed, s.URL+"/feed.xml", "")
	res, err := f.Fetch(ctx, feed, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Requests {
		got = append(got, strings.TrimPrefix(r.URL, s.URL))
		if r.Kind != schema.KindArticle || r.Source != feed.URL || r.ID != schema.FetchRequestID(r.Kind, r.URL) {
			t.Errorf("request %+v", r)
		}
	}
	// The ancient item is past the horizon; the private one is requested (robots is
	// judged when it is fetched).
	if strings.Join(got, " ") != "/a/1?utm_source=rss /a/2 /private/3" {
		t.Fatalf("feed requests = %v", got)
	}
	// Second fetch: the server answers 304 to our ETag; nothing is published.
	again, err := f.Fetch(ctx, feed, true)
	if err != nil || !again.NotModified || len(again.Requests) != 0 {
		t.Fatalf("second fetch: %+v, %v", again, err)
	}
	// Another feed listing the same links asks for none of them: their requests are
	// still pending.
	s.handle("/mirror.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>m</title><item><link>%[1]s/a/1</link></item><item><link>%[1]s/a/2</link></item><item><link>%[1]s/a/5</link></item></channel></rss>`, s.URL)
	})
	mirror, err := f.Fetch(ctx, request(schema.KindFeed, s.URL+"/mirror.xml", ""), true)
	if err != nil || len(mirror.Requests) != 1 || mirror.Requests[0].URL != s.URL+"/a/5" {
		t.Fatalf("mirror feed: %+v, %v", mirror, err)
	}
	// A redelivery fetches unconditionally and requests every unseen link again: the
	// first attempt's output may be lost.
	redelivered, err := f.Fetch(ctx, feed, false)
	if err != nil || redelivered.NotModified || len(redelivered.Requests) != 3 {
		t.Fatalf("redelivery: %+v, %v", redelivered, err)
	}
	// Fetching an article marks it seen (under its normalised URL): the feed no longer
	// asks for it.
	if _, err := f.Fetch(ctx, res.Requests[0], true); err != nil {
		t.Fatal(err)
	}
	after, err := f.Fetch(ctx, feed, false)
	if err != nil || len(after.Requests) != 2 {
		t.Fatalf("after fetching /a/1: %+v, %v", after, err)
	}
}

func TestNewsSitemapLeadsToPages(t *testing.T) {
	s := newSite(t)
	f := newFetcher(t, startBroker(t), testConfig())
	ctx := context.Background()
	res, err := f.Fetch(ctx, request(schema.KindSitemap, s.URL+"/news-sitemap.xml", ""), true)
	if err != nil || len(res.Requests) != 2 {
		t.Fatalf("sitemap: %+v, %v", res, err)
	}
	for _, r := range res.Requests {
		page, err := f.Fetch(ctx, r, true)
		if err != nil {
			t.Fatal(err)
		}
		if page.Page == nil || page.Page.RequestID != r.ID || !bytes.Contains(page.Body, []byte("harbour reopened")) {
			t.Fatalf("page for %s: %+v", r.URL, page)
		}
	}
	// An article request that turns out to be a feed is followed as a feed.
	asArticle, err := f.Fetch(ctx, request(schema.KindArticle, s.URL+"/feed.xml", ""), true)
	if err != nil || asArticle.Kind != schema.KindFeed || len(asArticle.Requests) == 0 {
		t.Fatalf("feed requested as article: %+v, %v", asArticle, err)
	}
}

func TestRobotsDisallowAndCrawlDelay(t *testing.T) {
	s := newSite(t)
	s.robots = "User-agent: newsjet-fetcher\nDisallow: /private/\nCrawl-delay: 1\n"
	cfg := testConfig()
	f := newFetcher(t, startBroker(t), cfg)
	ctx := context.Background()
	_, err := f.Fetch(ctx, request(schema.KindArticle, s.URL+"/private/3", ""), true)
	wantPermanent(t, err, polite.ErrDisallowed)
	s.handle("/go-private", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/private/4", http.StatusMovedPermanently)
	})
	_, err = f.Fetch(ctx, request(schema.KindArticle, s.URL+"/go-private", ""), true)
	wantPermanent(t, err, polite.ErrDisallowed)
	if s.count("/private/3") != 0 || s.count("/private/4") != 0 {
		t.Fatal("a disallowed page was fetched")
	}
	start := time.Now()
	for _, p := range []string{"/a/1", "/a/2"} {
		if _, err := f.Fetch(ctx, request(schema.KindArticle, s.URL+p, ""), true); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("two pages in %s despite Crawl-delay: 1", el)
	}
	if s.count("/robots.txt") != 1 {
		t.Fatalf("robots.txt read %d times, want once", s.count("/robots.txt"))
	}
	// A worker does not wait long for a slow host: the request goes back to the broker.
	cfg.MaxHostWait = 100 * time.Millisecond
	impatient := newFetcher(t, startBroker(t), cfg)
	if _, err := impatient.Fetch(ctx, request(schema.KindArticle, s.URL+"/a/3", ""), true); err != nil {
		t.Fatal(err)
	}
	_, err = impatient.Fetch(ctx, request(schema.KindArticle, s.URL+"/a/4", ""), true)
	if !errors.Is(err, polite.ErrHostBusy) {
		t.Fatalf("busy host: %v", err)
	}
	if _, ok := stage.ReasonOf(err); ok {
		t.Fatal("a busy host must be transient")
	}
}

func TestRetries(t *testing.T) {
	s := newSite(t)
	f := newFetcher(t, startBroker(t), testConfig())
	ctx := context.Background()

	busy := &counter{script: []int{429}, header: map[string]string{"Retry-After": "1"}}
	s.handle("/busy", busy.ServeHTTP)
	start := time.Now()
	res, err := f.Fetch(ctx, request(schema.KindArticle, s.URL+"/busy", ""), true)
	if err != nil || res.Page == nil || busy.calls.Load() != 2 {
		t.Fatalf("429 then 200: %+v, %v, calls %d", res, err, busy.calls.Load())
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("Retry-After: 1 not honoured: retried after %s", el)
	}

	flaky := &counter{script: []int{500}}
	s.handle("/flaky", flaky.ServeHTTP)
	if res, err := f.Fetch(ctx, request(schema.KindArticle, s.URL+"/flaky", ""), true); err != nil || res.Page == nil || flaky.calls.Load() != 2 {
		t.Fatalf("500 then 200: %v, calls %d", err, flaky.calls.Load())
	}

	down := &counter{script: []int{503, 503, 503, 503}}
	s.handle("/down", down.ServeHTTP)
	_, err = f.Fetch(ctx, request(schema.KindArticle, s.URL+"/down", ""), true)
	if _, perm := stage.ReasonOf(err); err == nil || perm || !errors.Is(err, fetch.ErrStatus) || down.calls.Load() != 3 {
		t.Fatalf("persistent 503: %v (calls %d), want transient after 3 attempts", err, down.calls.Load())
	}

	// A Retry-After longer than MaxRetryWait is left to redelivery at once.
	later := &counter{script: []int{429}, header: map[string]string{"Retry-After": "3600"}}
	s.handle("/later", later.ServeHTTP)
	_, err = f.Fetch(ctx, request(schema.KindArticle, s.URL+"/later", ""), true)
	if _, perm := stage.ReasonOf(err); err == nil || perm || later.calls.Load() != 1 {
		t.Fatalf("long Retry-After: %v, calls %d", err, later.calls.Load())
	}
	// ...and the host is left alone until then.
	if _, err := f.Fetch(ctx, request(schema.KindArticle, s.URL+"/a/1", ""), true); !errors.Is(err, polite.ErrHostBusy) {
		t.Fatalf("host under Retry-After: %v", err)
	}

	gone := &counter{script: []int{404}}
	s.handle("/gone", gone.ServeHTTP)
	other := newFetcher(t, startBroker(t), testConfig())
	_, err = other.Fetch(ctx, request(schema.KindArticle, s.URL+"/gone", ""), true)
	wantPermanent(t, err, fetch.ErrStatus)
	if gone.calls.Load() != 1 {
		t.Fatalf("404 retried %d times", gone.calls.Load())
	}
}

func TestPermanentRefusals(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	b := startBroker(t)
	f := newFetcher(t, b, testConfig())
	_, err := f.Fetch(ctx, request(schema.KindArticle, s.URL+"/report.pdf", ""), true)
	wantPermanent(t, err, fetch.ErrUnsupportedType)
	if !strings.Contains(err.Error(), "application/pdf") {
		t.Fatalf("skip reason does not name the type: %v", err)
	}

	var loop atomic.Int32
	s.handle("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?n="+fmt.Sprint(loop.Add(1)), http.StatusFound)
	})
	s.handle("/empty", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
	})
	_, err = f.Fetch(ctx, request(schema.KindArticle, s.URL+"/empty", ""), true)
	wantPermanent(t, err, ErrEmptyPage)

	_, err = f.Fetch(ctx, request(schema.KindArticle, s.URL+"/loop", ""), true)
	wantPermanent(t, err, fetch.ErrTooManyRedirects)

	// Without --allow-net, loopback is refused, and so is a name resolving to a private
	// address.
	cfg := testConfig()
	cfg.AllowNets = nil
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	cfg.Resolver = fixedResolver{"intranet.test": netip.MustParseAddr("10.1.2.3"), "local.test": netip.MustParseAddr("127.0.0.1")}
	closed := newFetcher(t, b, cfg)
	for _, u := range []string{s.URL + "/a/1", "http://intranet.test:" + port + "/a/1", "http://local.test:" + port + "/a/1"} {
		_, err = closed.Fetch(ctx, request(schema.KindArticle, u, ""), true)
		wantPermanent(t, err, fetch.ErrForbiddenAddress)
	}
}

type fixedResolver map[string]netip.Addr

func (r fixedResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestWindows1252BytesPreserved(t *testing.T) {
	s := newSite(t)
	page := []byte("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\"><title>Caf\xe9</title></head>" +
		"<body><p>\x93Smart quotes\x94 \x96 and caf\xe9 cr\xe8me</p></body></html>")
	s.handle("/cp1252", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	})
	f := newFetcher(t, startBroker(t), testConfig())
	res, err := f.Fetch(context.Background(), request(schema.KindArticle, s.URL+"/cp1252", ""), true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Body, page) || res.Page.ContentType != "text/html" {
		t.Fatalf("bytes or content type changed: %q %q", res.Body, res.Page.ContentType)
	}
}

func TestFreshUntil(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		h    http.Header
		want time.Duration
	}{
		{h("Cache-Control", "public, max-age=600"), 10 * time.Minute},
		{h("Cache-Control", "max-age=600, s-maxage=60"), time.Minute},
		{h("Cache-Control", "max-age=600", "Age", "100"), 500 * time.Second},
		{h("Cache-Control", "no-cache, max-age=600"), 0},
		{h("Expires", "Thu, 01 Jan 2026 01:00:00 GMT"), time.Hour},
		{h("Expires", "0"), 0},
		{h(), 0},
	}
	for i, c := range cases {
		got := freshUntil(c.h, now)
		if (c.want == 0 && !got.IsZero()) || (c.want != 0 && got.Sub(now) != c.want) {
			t.Errorf("case %d: freshUntil = %v, want +%s", i, got, c.want)
		}
	}
}
