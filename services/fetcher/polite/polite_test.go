package polite

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const robotsBody = `User-agent: *
Disallow: /private/
Crawl-delay: 1

User-agent: newsjet-fetcher
Disallow: /no-bots/
Allow: /no-bots/but-this
Crawl-delay: 3

User-agent: otherbot
Disallow: /
`

func TestRobotsRules(t *testing.T) {
	var calls atomic.Int32
	r := NewRobots(func(_ context.Context, u string) (int, []byte, error) {
		calls.Add(1)
		if u != "https://news.test/robots.txt" {
			t.Errorf("robots URL %q", u)
		}
		return 200, []byte(robotsBody), nil
	}, RobotsOptions{Agent: "newsjet-fetcher/1.0 (+https://example.org/bot)"})
	ctx := context.Background()
	cases := map[string]bool{
		"https://news.test/":                       true,
		"https://news.test/private/x":              true, // only the * group says so; ours is more specific
		"https://news.test/no-bots/a":              false,
		"https://news.test/no-bots/but-this/story": true,
	}
	for u, want := range cases {
		delay, err := r.Check(ctx, u)
		if got := err == nil; got != want {
			t.Errorf("%s: allowed=%v (%v), want %v", u, got, err, want)
		}
		if err != nil && !errors.Is(err, ErrDisallowed) {
			t.Errorf("%s: %v does not wrap ErrDisallowed", u, err)
		}
		if err == nil && delay != 3*time.Second {
			t.Errorf("%s: crawl delay %s, want 3s", u, delay)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("robots.txt fetched %d times, want once (cached)", calls.Load())
	}
	other := NewRobots(func(context.Context, string) (int, []byte, error) { return 200, []byte(robotsBody), nil },
		RobotsOptions{Agent: "OtherBot/2.0"})
	if _, err := other.Check(ctx, "https://news.test/"); !errors.Is(err, ErrDisallowed) {
		t.Fatalf("otherbot: %v", err)
	}
}

func TestRobotsStatusesAndExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	status := 503
	var fetches int
	var fail error
	r := NewRobots(func(context.Context, string) (int, []byte, error) {
		fetches++
		return status, nil, fail
	}, RobotsOptions{Agent: "newsjet", TTL: time.Hour, ErrorTTL: time.Minute, Now: func() time.Time { return now }})
	ctx := context.Background()
	if _, err := r.Check(ctx, "http://a.test/x"); !errors.Is(err, ErrDisallowed) {
		t.Fatalf("5xx robots: %v, want disallowed", err)
	}
	status = 404
	if _, err := r.Check(ctx, "http://a.test/x"); !errors.Is(err, ErrDisallowed) {
		t.Fatalf("5xx answer must stay cached for ErrorTTL: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if _, err := r.Check(ctx, "http://a.test/x"); err != nil {
		t.Fatalf("4xx robots after expiry: %v, want allowed", err)
	}
	if fetches != 2 {
		t.Fatalf("fetches = %d, want 2", fetches)
	}
	fail = errors.New("connection refused")
	if _, err := r.Check(ctx, "http://b.test/"); err == nil || errors.Is(err, ErrDisallowed) {
		t.Fatalf("network error: %v", err)
	}
	fail = nil
	status = 200
	if _, err := r.Check(ctx, "http://b.test/"); err != nil {
		t.Fatalf("a failed read is not cached: %v", err)
	}
	if _, err := r.Check(ctx, "not a url"); err == nil {
		t.Fatal("relative URL accepted")
	}
}

func TestRobotsSingleFetchUnderConcurrency(t *testing.T) {
	var calls atomic.Int32
	r := NewRobots(func(context.Context, string) (int, []byte, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		return 200, []byte("User-agent: *\nDisallow: /x\n"), nil
	}, RobotsOptions{Agent: "newsjet", MaxHosts: 2})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Go(func() {
			if _, err := r.Check(context.Background(), "http://c.test/y"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("robots fetched %d times", calls.Load())
	}
	for _, h := range []string{"http://d.test/", "http://e.test/", "http://f.test/"} {
		if _, err := r.Check(context.Background(), h); err != nil {
			t.Fatal(err)
		}
	}
	r.mu.Lock()
	n := len(r.hosts)
	r.mu.Unlock()
	if n > 2 {
		t.Fatalf("cache holds %d hosts, max 2", n)
	}
}

func TestRobotsReadSurvivesImpatientCaller(t *testing.T) {
	release := make(chan struct{})
	r := NewRobots(func(ctx context.Context, _ string) (int, []byte, error) {
		<-release
		return 200, []byte("User-agent: *\nDisallow: /x\n"), ctx.Err()
	}, RobotsOptions{Agent: "newsjet"})
	impatient, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := r.Check(impatient, "http://g.test/y")
		first <- err
	}()
	second := make(chan error, 1)
	go func() {
		_, err := r.Check(context.Background(), "http://g.test/x")
		second <- err
	}()
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("impatient caller: %v", err)
	}
	close(release)
	if err := <-second; !errors.Is(err, ErrDisallowed) {
		t.Fatalf("patient caller got %v, want the robots.txt verdict", err)
	}
}

func TestHostsConcurrencyAndRate(t *testing.T) {
	h := NewHosts(Limit{Rate: 1000, Burst: 10, Concurrency: 1}, nil, time.Second)
	ctx := context.Background()
	rel, err := h.Acquire(ctx, "a.test", 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r2, err := h.Acquire(ctx, "a.test", 0)
		if err == nil {
			r2()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("second request to a busy host went through: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	rel()
	rel() // release is idempotent
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	// Another host is independent.
	if r3, err := h.Acquire(ctx, "b.test", 0); err != nil {
		t.Fatal(err)
	} else {
		r3()
	}
}

func TestHostsCrawlDelayAndRetryAfter(t *testing.T) {
	h := NewHosts(Limit{Rate: 100, Burst: 5, Concurrency: 4}, nil, 200*time.Millisecond)
	ctx := context.Background()
	rel, err := h.Acquire(ctx, "slow.test", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rel()
	_, err = h.Acquire(ctx, "slow.test", 5*time.Second)
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, ErrHostBusy) || be.Wait < 4*time.Second {
		t.Fatalf("crawl-delay 5s: %v, want BusyError of ~5s", err)
	}
	h.Defer("later.test", time.Minute)
	if _, err := h.Acquire(ctx, "later.test", 0); !errors.As(err, &be) || be.Wait < 50*time.Second {
		t.Fatalf("Retry-After: %v", err)
	}
	start := time.Now()
	h.Defer("soon.test", 60*time.Millisecond)
	rel, err = h.Acquire(ctx, "soon.test", 0)
	if err != nil {
		t.Fatal(err)
	}
	rel()
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("Acquire ignored a short Retry-After")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	h.Defer("cancel.test", 100*time.Millisecond)
	if _, err := h.Acquire(cctx, "cancel.test", 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestOverrides(t *testing.T) {
	host, l, err := ParseOverride("Example.com=0.5:3")
	if err != nil || host != "example.com" || l.Rate != 0.5 || l.Concurrency != 3 || l.Burst != 1 {
		t.Fatalf("ParseOverride = %s %+v %v", host, l, err)
	}
	for _, bad := range []string{"example.com", "=1", "a.test=0", "a.test=x", "a.test=1:0"} {
		if _, _, err := ParseOverride(bad); err == nil {
			t.Errorf("ParseOverride(%q) accepted", bad)
		}
	}
	h := NewHosts(Limit{}, map[string]Limit{"example.com": l}, time.Second)
	if got := h.limitFor("news.example.com"); got.Concurrency != 3 {
		t.Fatalf("subdomain limit = %+v", got)
	}
	if got := h.limitFor("other.test"); got != DefaultLimit {
		t.Fatalf("default limit = %+v", got)
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 8 * time.Second, Rand: func() float64 { return 1 }}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := b.Delay(i+1, 0); got != w {
			t.Errorf("attempt %d: %s, want %s", i+1, got, w)
		}
	}
	b.Rand = func() float64 { return 0 }
	if got := b.Delay(3, 0); got != 2*time.Second {
		t.Errorf("least jitter: %s, want half of 4s", got)
	}
	if got := b.Delay(1, 20*time.Second); got != 20*time.Second {
		t.Errorf("Retry-After: %s", got)
	}
	var zero Backoff
	if d := zero.Delay(1, 0); d < 250*time.Millisecond || d > 500*time.Millisecond {
		t.Errorf("default first delay %s", d)
	}
}
