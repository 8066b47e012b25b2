package fetcher

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Every link a feed does not request is counted by cause: in the Result, in
// SkippedMetric and in one log line per read.
func TestSkippedLinksCounted(t *testing.T) {
	s := newSite(t)
	f := newFetcher(t, startBroker(t), testConfig())
	core, logs := observer.New(zap.InfoLevel)
	f.log = zap.New(core)
	reg := prometheus.NewRegistry()
	var err error
	if f.skipped, err = skipCounters(reg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	feed := request(schema.KindFeed, s.URL+"/feed.xml", "")
	res, err := f.Fetch(ctx, feed, true)
	if err != nil {
		t.Fatal(err)
	}
	want := Discovery{Source: feed.URL, Kind: schema.KindFeed, Links: 4, Requested: 3, Skipped: Skipped{Old: 1}}
	if res.Discovery == nil || *res.Discovery != want {
		t.Fatalf("first read: %+v, want %+v", res.Discovery, want)
	}
	// A redelivery (no conditional GET) after /a/1 was fetched: one seen, one old.
	if _, err := f.Fetch(ctx, res.Requests[0], true); err != nil {
		t.Fatal(err)
	}
	again, err := f.Fetch(ctx, feed, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := again.Discovery; d == nil || d.Requested != 2 || d.Skipped != (Skipped{Old: 1, Seen: 1}) {
		t.Errorf("redelivery: %+v", d)
	}
	// Another feed listing links already requested: pending.
	mirror, err := f.Fetch(ctx, request(schema.KindFeed, s.URL+"/feed.xml?mirror", ""), true)
	if err != nil {
		t.Fatal(err)
	}
	if d := mirror.Discovery; d == nil || d.Requested != 0 || d.Skipped != (Skipped{Old: 1, Seen: 1, Pending: 2}) || d.Skipped.Total() != 4 {
		t.Errorf("mirror: %+v", d)
	}
	for cause, n := range map[string]float64{SkipOld: 3, SkipSeen: 2, SkipPending: 2, SkipOverLimit: 0} {
		c, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		if got := testutil.ToFloat64(f.skipped[cause]); got != n || len(c) != 1 {
			t.Errorf("%s{cause=%q} = %v, want %v (%d families)", SkippedMetric, cause, got, n, len(c))
		}
	}
	lines := logs.FilterMessage("links discovered").All()
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want one per read", len(lines))
	}
	fields := lines[2].ContextMap()
	if fields["source"] != s.URL+"/feed.xml?mirror" || fields["skipped_pending"] != int64(2) || fields["skipped_old"] != int64(1) || fields["requested"] != int64(0) {
		t.Errorf("log line %v", fields)
	}
}

// With AnyAge (newsjet run --once) a feed's old items are requested too, up to
// MaxLinks; the links over the limit are counted.
func TestAnyAgeAndMaxLinks(t *testing.T) {
	s := newSite(t)
	cfg := testConfig()
	cfg.AnyAge, cfg.MaxLinks = true, 3
	f := newFetcher(t, startBroker(t), cfg)
	res, err := f.Fetch(context.Background(), request(schema.KindFeed, s.URL+"/feed.xml", ""), true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Requests {
		got = append(got, strings.TrimPrefix(r.URL, s.URL))
	}
	if strings.Join(got, " ") != "/a/1?utm_source=rss /a/2 /private/3" || res.Discovery.Skipped != (Skipped{OverLimit: 1}) {
		t.Fatalf("requests %v, %+v", got, res.Discovery)
	}
	cfg.MaxLinks = 10
	f = newFetcher(t, startBroker(t), cfg)
	res, err = f.Fetch(context.Background(), request(schema.KindFeed, s.URL+"/feed.xml", ""), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Requests) != 4 || !strings.HasSuffix(res.Requests[3].URL, "/a/old") || res.Discovery.Skipped.Total() != 0 {
		t.Fatalf("any age: %d requests, %+v", len(res.Requests), res.Discovery)
	}
}
