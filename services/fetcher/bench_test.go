package fetcher

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// BenchmarkFetchThroughput measures article fetches per second through Fetcher.Fetch
// (SSRF-guarded dial, robots.txt cache, host limiter, seen and validator writes to
// JetStream KV) against a local server, and in the same run a plain net/http GET loop
// over the same number of pages as the baseline. It reports pages/s for both and their
// ratio (fetcher / baseline).
func BenchmarkFetchThroughput(b *testing.B) {
	page := []byte(strings.Repeat(articleHTML("Benchmark story"), 64)) // ~20 KiB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			br := startBroker(b)
			cfg := testConfig()
			cfg.HostRate, cfg.HostBurst, cfg.HostConcurrency = 1e6, 1e6, 64
			f := newFetcher(b, br, cfg)
			ctx := context.Background()
			var next atomic.Int64
			run := func(n int, get func(url string) error) time.Duration {
				start := time.Now()
				var wg sync.WaitGroup
				var left atomic.Int64
				left.Store(int64(n))
				for range workers {
					wg.Go(func() {
						for left.Add(-1) >= 0 {
							if err := get(fmt.Sprintf("%s/a/%d", srv.URL, next.Add(1))); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				return time.Since(start)
			}
			fetcher := func(url string) error {
				_, err := f.Fetch(ctx, request(schema.KindArticle, url, ""), true)
				return err
			}
			plain := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			baseline := func(url string) error {
				res, err := plain.Get(url)
				if err != nil {
					return err
				}
				defer res.Body.Close()
				_, err = io.Copy(io.Discard, res.Body)
				return err
			}
			run(workers, fetcher) // warm up: robots.txt, connections
			pages := 0
			var took time.Duration
			for b.Loop() {
				took += run(workers, fetcher)
				pages += workers
			}
			base := run(pages, baseline)
			fetchRate := float64(pages) / took.Seconds()
			baseRate := float64(pages) / base.Seconds()
			b.ReportMetric(fetchRate, "pages/s")
			b.ReportMetric(baseRate, "baseline_pages/s")
			b.ReportMetric(fetchRate/baseRate, "ratio")
		})
	}
}
