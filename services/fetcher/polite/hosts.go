package polite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrHostBusy is returned when a host cannot be fetched soon enough: its rate limit,
// Crawl-delay or a Retry-After it sent would make the caller wait longer than allowed.
// The error is a *BusyError carrying the wait.
var ErrHostBusy = errors.New("polite: host busy")

// BusyError says how long until the host may be fetched again.
type BusyError struct {
	Host string
	Wait time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%v: %s for another %s", ErrHostBusy, e.Host, e.Wait.Round(time.Millisecond))
}

// Unwrap makes errors.Is(err, ErrHostBusy) true.
func (e *BusyError) Unwrap() error { return ErrHostBusy }

// Limit is the politeness budget of one host.
type Limit struct {
	// Rate is the sustained requests per second; Burst how many may go at once after a
	// quiet spell.
	Rate  float64
	Burst int
	// Concurrency bounds requests in flight to the host.
	Concurrency int
}

// DefaultLimit is one request per second, a burst of 2, two in flight.
var DefaultLimit = Limit{Rate: 1, Burst: 2, Concurrency: 2}

// ParseOverride parses "host=RATE[:CONCURRENCY]", e.g. "example.com=0.5:1". The burst
// is max(1, ceil(rate)). It returns an error for a malformed entry.
func ParseOverride(s string) (string, Limit, error) {
	host, spec, ok := strings.Cut(s, "=")
	host = strings.ToLower(strings.TrimSpace(host))
	if !ok || host == "" {
		return "", Limit{}, fmt.Errorf("polite: host limit %q is not host=rate[:concurrency]", s)
	}
	rs, cs, hasC := strings.Cut(spec, ":")
	r, err := strconv.ParseFloat(strings.TrimSpace(rs), 64)
	if err != nil || r <= 0 {
		return "", Limit{}, fmt.Errorf("polite: host limit %q: rate must be a positive number", s)
	}
	l := Limit{Rate: r, Burst: max(1, int(r+0.999)), Concurrency: DefaultLimit.Concurrency}
	if hasC {
		c, err := strconv.Atoi(strings.TrimSpace(cs))
		if err != nil || c <= 0 {
			return "", Limit{}, fmt.Errorf("polite: host limit %q: concurrency must be a positive integer", s)
		}
		l.Concurrency = c
	}
	return host, l, nil
}

// Hosts limits request rate and concurrency per host, within one process. A host's
// limit is its override (matching the host or a parent domain), else the default; a
// robots.txt Crawl-delay slows it further. Safe for concurrent use.
type Hosts struct {
	def       Limit
	overrides map[string]Limit
	maxWait   time.Duration
	now       func() time.Time

	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	lim       *rate.Limiter
	sem       chan struct{}
	delay     time.Duration // Crawl-delay applied to lim
	notBefore time.Time     // Retry-After
	lastUsed  time.Time
}

// NewHosts returns a limiter with the default limit def (DefaultLimit when zero), the
// given per-host overrides, and maxWait, the longest Acquire waits before answering
// ErrHostBusy (default 10s).
func NewHosts(def Limit, overrides map[string]Limit, maxWait time.Duration) *Hosts {
	if def.Rate <= 0 {
		def = DefaultLimit
	}
	if maxWait <= 0 {
		maxWait = 10 * time.Second
	}
	o := map[string]Limit{}
	for h, l := range overrides {
		o[strings.ToLower(h)] = l
	}
	return &Hosts{def: def, overrides: o, maxWait: maxWait, now: time.Now, hosts: map[string]*hostState{}}
}

func (h *Hosts) limitFor(host string) Limit {
	for d := host; d != ""; {
		if l, ok := h.overrides[d]; ok {
			return normalize(l)
		}
		_, rest, ok := strings.Cut(d, ".")
		if !ok {
			break
		}
		d = rest
	}
	return h.def
}

func normalize(l Limit) Limit {
	if l.Burst <= 0 {
		l.Burst = 1
	}
	if l.Concurrency <= 0 {
		l.Concurrency = 1
	}
	return l
}

// state returns host's state, applying crawlDelay unless it is negative.
func (h *Hosts) state(host string, crawlDelay time.Duration) *hostState {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	s, ok := h.hosts[host]
	if !ok {
		if len(h.hosts) >= 10000 {
			for k, old := range h.hosts {
				if now.Sub(old.lastUsed) > 10*time.Minute && len(old.sem) == 0 && now.After(old.notBefore) {
					delete(h.hosts, k)
				}
			}
		}
		l := normalize(h.limitFor(host))
		s = &hostState{lim: rate.NewLimiter(rate.Limit(l.Rate), l.Burst), sem: make(chan struct{}, l.Concurrency)}
		h.hosts[host] = s
	}
	s.lastUsed = now
	if crawlDelay >= 0 && crawlDelay != s.delay {
		s.delay = crawlDelay
		l := normalize(h.limitFor(host))
		if crawlDelay > 0 && rate.Every(crawlDelay) < rate.Limit(l.Rate) {
			s.lim.SetLimit(rate.Every(crawlDelay))
			s.lim.SetBurst(1)
		} else {
			s.lim.SetLimit(rate.Limit(l.Rate))
			s.lim.SetBurst(l.Burst)
		}
	}
	return s
}

// Acquire waits for a turn to fetch from host, honouring its rate, concurrency,
// crawlDelay (from robots.txt, zero for none) and any Retry-After recorded by Defer.
// It returns a release function to call when the request is done. When the turn is
// further away than maxWait it returns a *BusyError at once; a cancelled ctx returns
// ctx's error.
func (h *Hosts) Acquire(ctx context.Context, host string, crawlDelay time.Duration) (release func(), err error) {
	host = strings.ToLower(host)
	s := h.state(host, crawlDelay)
	h.mu.Lock()
	wait := s.notBefore.Sub(h.now())
	h.mu.Unlock()
	if wait > h.maxWait {
		return nil, &BusyError{Host: host, Wait: wait}
	}
	deadline := time.Now().Add(h.maxWait)
	if wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	select {
	case s.sem <- struct{}{}:
	case <-wctx.Done():
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &BusyError{Host: host, Wait: h.maxWait}
	}
	r := s.lim.Reserve()
	if d := r.Delay(); d > time.Until(deadline) {
		r.Cancel()
		<-s.sem
		return nil, &BusyError{Host: host, Wait: d}
	} else if d > 0 {
		if err := sleep(ctx, d); err != nil {
			r.Cancel()
			<-s.sem
			return nil, err
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-s.sem }) }, nil
}

// Defer records a server's Retry-After: no request goes to host before it has passed.
func (h *Hosts) Defer(host string, retryAfter time.Duration) {
	if retryAfter <= 0 {
		return
	}
	host = strings.ToLower(host)
	s := h.state(host, -1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.now().Add(retryAfter); t.After(s.notBefore) {
		s.notBefore = t
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
