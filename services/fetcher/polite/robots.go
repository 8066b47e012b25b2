// Package polite holds the fetcher's manners: robots.txt (cached, with Crawl-delay),
// per-host rate and concurrency limits, and retry back-off with jitter. It does no I/O
// of its own: robots.txt is read through a function the caller supplies.
package polite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// ErrDisallowed is returned for a URL that robots.txt forbids to the user agent.
var ErrDisallowed = errors.New("polite: disallowed by robots.txt")

// RobotsFetch reads a site's robots.txt. It returns the HTTP status and body; a
// network failure is an error (the check is then retried later, not assumed). It must
// bound its own time: a read is not cancelled when the caller that started it gives up.
type RobotsFetch func(ctx context.Context, robotsURL string) (status int, body []byte, err error)

// Robots caches robots.txt per scheme and host and answers whether a URL may be
// fetched. It follows the common reading of the robots exclusion standard: a 4xx file
// allows everything, a 5xx (or 429) forbids everything until it is fetched again, and
// the most specific user-agent group applies. Safe for concurrent use.
type Robots struct {
	agent    string
	fetch    RobotsFetch
	ttl      time.Duration
	errTTL   time.Duration
	maxHosts int
	now      func() time.Time

	mu    sync.Mutex
	hosts map[string]*robotsEntry
}

type robotsEntry struct {
	ready   chan struct{} // closed once data or err is set
	data    *robotstxt.RobotsData
	err     error
	expires time.Time
}

// RobotsOptions configure Robots. Zero fields take the defaults given.
type RobotsOptions struct {
	// Agent is the user agent; its product token (up to the first '/' or space) picks
	// the robots.txt group.
	Agent string
	// TTL is how long a fetched robots.txt is trusted (default 24h).
	TTL time.Duration
	// ErrorTTL is how long a 5xx answer forbids the site before robots.txt is asked
	// again (default 10m).
	ErrorTTL time.Duration
	// MaxHosts bounds the cache (default 10000); expired entries go first.
	MaxHosts int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// NewRobots returns a robots.txt cache reading files through fetch.
func NewRobots(fetch RobotsFetch, opt RobotsOptions) *Robots {
	r := &Robots{
		agent: productToken(opt.Agent), fetch: fetch, ttl: opt.TTL, errTTL: opt.ErrorTTL,
		maxHosts: opt.MaxHosts, now: opt.Now, hosts: map[string]*robotsEntry{},
	}
	if r.ttl <= 0 {
		r.ttl = 24 * time.Hour
	}
	if r.errTTL <= 0 {
		r.errTTL = 10 * time.Minute
	}
	if r.maxHosts <= 0 {
		r.maxHosts = 10000
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// productToken returns the lower-cased robots.txt name of a User-Agent string:
// "newsjet-fetcher/1.0 (+https://…)" gives "newsjet-fetcher".
func productToken(ua string) string {
	ua = strings.TrimSpace(ua)
	if i := strings.IndexAny(ua, "/ "); i >= 0 {
		ua = ua[:i]
	}
	return strings.ToLower(ua)
}

// Check reports whether rawURL may be fetched and the site's Crawl-delay for the agent
// (zero when none). A forbidden URL gives an error wrapping ErrDisallowed; a robots.txt
// that could not be read gives the fetch error (worth retrying).
func (r *Robots) Check(ctx context.Context, rawURL string) (time.Duration, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return 0, fmt.Errorf("polite: robots check of %q: not an absolute URL", rawURL)
	}
	data, err := r.get(ctx, u.Scheme+"://"+u.Host)
	if err != nil {
		return 0, err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	g := data.FindGroup(r.agent)
	if !data.TestAgent(path, r.agent) {
		return 0, fmt.Errorf("%w: %s for %s", ErrDisallowed, rawURL, r.agent)
	}
	return g.CrawlDelay, nil
}

// get returns the parsed robots.txt of origin, fetching it once for all concurrent
// callers when it is missing or expired.
func (r *Robots) get(ctx context.Context, origin string) (*robotstxt.RobotsData, error) {
	r.mu.Lock()
	e, ok := r.hosts[origin]
	if ok {
		select {
		case <-e.ready:
			if r.now().After(e.expires) || e.err != nil {
				ok = false
			}
		default:
		}
	}
	if !ok {
		r.evict()
		e = &robotsEntry{ready: make(chan struct{})}
		r.hosts[origin] = e
		r.mu.Unlock()
		// The read outlives a caller that gives up, so the callers waiting with it get
		// an answer; the fetch function bounds its time.
		go r.load(context.WithoutCancel(ctx), origin, e)
	} else {
		r.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return e.data, e.err
}

func (r *Robots) load(ctx context.Context, origin string, e *robotsEntry) {
	defer close(e.ready)
	status, body, err := r.fetch(ctx, origin+"/robots.txt")
	if err != nil {
		e.err = fmt.Errorf("polite: reading %s/robots.txt: %w", origin, err)
		return
	}
	ttl := r.ttl
	if status == 429 || status >= 500 {
		status, ttl = 503, r.errTTL
	}
	data, perr := robotstxt.FromStatusAndBytes(status, body)
	if perr != nil {
		// An unparsable file or odd status restricts nothing, as crawlers commonly read it.
		data, _ = robotstxt.FromStatusAndBytes(404, nil)
	}
	e.data, e.expires = data, r.now().Add(ttl)
}

// evict makes room for one more entry; r.mu is held.
func (r *Robots) evict() {
	if len(r.hosts) < r.maxHosts {
		return
	}
	now := r.now()
	for k, e := range r.hosts {
		select {
		case <-e.ready:
			if now.After(e.expires) || e.err != nil {
				delete(r.hosts, k)
			}
		default:
		}
	}
	for k := range r.hosts {
		if len(r.hosts) < r.maxHosts {
			break
		}
		delete(r.hosts, k)
	}
}
