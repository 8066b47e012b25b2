package fetch

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// BenchmarkGet measures Client.Get (guarded dial, per-read deadlines, capped body,
// content-type check) against a plain net/http GET of the same page in the same run,
// and reports pages/s for both and their ratio (client / baseline).
func BenchmarkGet(b *testing.B) {
	page := []byte("<!DOCTYPE html><html><body>" + strings.Repeat("<p>The harbour reopened on Tuesday.</p>", 500) + "</body></html>")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	}))
	defer srv.Close()
	c, err := New(Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ctx := context.Background()
	n := 0
	start := time.Now()
	for b.Loop() {
		if _, err := c.Get(ctx, Request{URL: srv.URL + "/a"}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	took := time.Since(start)
	plain := &http.Client{}
	start = time.Now()
	for range n {
		res, err := plain.Get(srv.URL + "/a")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
	}
	base := time.Since(start)
	rate, baseRate := float64(n)/took.Seconds(), float64(n)/base.Seconds()
	b.ReportMetric(rate, "pages/s")
	b.ReportMetric(baseRate, "baseline_pages/s")
	b.ReportMetric(rate/baseRate, "ratio")
}
