// Package fetcher is the fetcher stage: it consumes FetchRequests, fetches articles
// politely and safely and publishes them as RawPages, follows feeds and sitemaps to
// their unseen articles, and polls a configured list of sources on a schedule.
//
// The work is done by pure packages: fetch (the SSRF-safe HTTP client and its limits),
// polite (robots.txt, per-host limits, back-off) and discover (feeds and sitemaps);
// state keeps what replicas share in JetStream key-value buckets. This package wires
// them to the stage runtime.
package fetcher

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher/discover"
	"github.com/newsjet/newsjet/services/fetcher/fetch"
	"github.com/newsjet/newsjet/services/fetcher/polite"
	"github.com/newsjet/newsjet/services/fetcher/state"
)

// ErrEmptyPage is wrapped when an article answers 2xx with no body.
var ErrEmptyPage = errors.New("fetcher: empty page")

// maxRobotsSize is the most of a robots.txt that is read, as major crawlers do.
const maxRobotsSize = 500 << 10

// Fetcher carries out FetchRequests. Safe for concurrent use.
type Fetcher struct {
	cfg     Config
	client  *fetch.Client
	robots  *polite.Robots
	hosts   *polite.Hosts
	backoff polite.Backoff
	state   *state.Store
	log     *zap.Logger
	now     func() time.Time
	// bucketReady checks the page bucket large pages go to (set by Service).
	bucketReady func(context.Context) error
	// release gives the memory of large pages back once they stop coming.
	release *releaser
	// skipped counts SkippedMetric by cause; nil counters count nothing.
	skipped map[string]prometheus.Counter
}

// New builds a fetcher from cfg (defaults for zero fields) keeping its state in st. It
// returns an error wrapping ErrConfig for an invalid configuration.
func New(cfg Config, st *state.Store, log *zap.Logger) (*Fetcher, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt, err := cfg.httpOptions()
	if err != nil {
		return nil, err
	}
	client, err := fetch.New(opt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	def, over, err := cfg.hostLimits()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	f := &Fetcher{
		cfg: cfg, client: client, state: st, log: log, now: time.Now,
		hosts:   polite.NewHosts(def, over, cfg.MaxHostWait),
		backoff: polite.Backoff{Base: cfg.RetryBase, Max: cfg.MaxRetryWait},
	}
	f.robots = polite.NewRobots(f.readRobots, polite.RobotsOptions{Agent: cfg.UserAgent, TTL: cfg.RobotsTTL})
	f.release = &releaser{after: cfg.idleRelease}
	return f, nil
}

// Close releases idle connections and cancels a pending memory release.
func (f *Fetcher) Close() {
	f.client.CloseIdleConnections()
	f.release.stop()
}

// Result is what one FetchRequest gave.
type Result struct {
	// Kind is what the document turned out to be: an article request answered with a
	// feed or sitemap is handled as one.
	Kind string
	// Page and Body are set for an article: the page's metadata and its bytes exactly as
	// served (Content-Encoding undone). Page's body fields are filled when encoding.
	Page *schema.RawPage
	Body []byte
	// Requests are what a feed or sitemap yields: articles not seen within the horizon
	// (and, unless Config.AnyAge, not older than it) and child sitemaps, none requested
	// within PendingTTL, at most MaxLinks.
	Requests []*schema.FetchRequest
	// Discovery counts a feed's or sitemap's links: requested and skipped, by cause.
	Discovery *Discovery
	// NotModified: the server answered 304 to a conditional GET; nothing is new.
	NotModified bool
}

// Discovery is what one read of a feed or sitemap gave: how many links it holds, how
// many were requested and why the others were not.
type Discovery struct {
	// Source is the URL of the feed or sitemap; Kind schema.KindFeed or KindSitemap.
	Source string
	Kind   string
	// Links counts the document's distinct http(s) links; Requested those requested.
	Links     int
	Requested int
	// Skipped counts the links not requested, by cause.
	Skipped Skipped
}

// Skipped counts the links of a feed or sitemap that were not requested, by cause.
type Skipped struct {
	// Old: dated before the seen horizon (never with Config.AnyAge).
	Old int
	// Seen: fetched within the seen horizon.
	Seen int
	// Pending: requested within PendingTTL, by this or another feed, and still queued.
	Pending int
	// OverLimit: past MaxLinks requests.
	OverLimit int
}

// Total is the number of links skipped.
func (s Skipped) Total() int { return s.Old + s.Seen + s.Pending + s.OverLimit }

// Causes of skipped links: the cause label of SkippedMetric.
const (
	SkipOld       = "old"
	SkipSeen      = "seen"
	SkipPending   = "pending"
	SkipOverLimit = "max_links"
)

// SkippedMetric is the fetcher's counter of feed and sitemap links not requested,
// labelled cause: old (dated before the seen horizon), seen (fetched within it), pending
// (already requested and queued) or max_links (past the per-document limit).
const SkippedMetric = "newsjet_fetcher_links_skipped_total"

// skipCounters registers SkippedMetric on reg (nil: counted but not exported) and
// returns its series by cause, each present from the start. A registry that already
// has the counter (the fetcher set up again in one process) keeps its series.
func skipCounters(reg prometheus.Registerer) (map[string]prometheus.Counter, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: SkippedMetric,
		Help: "Feed and sitemap links not requested, by cause: old, seen, pending or max_links.",
	}, []string{"cause"})
	if reg != nil {
		if err := reg.Register(vec); err != nil {
			are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err)
			if !ok {
				return nil, fmt.Errorf("registering %s: %w", SkippedMetric, err)
			}
			if vec, ok = are.ExistingCollector.(*prometheus.CounterVec); !ok {
				return nil, fmt.Errorf("registering %s: %w", SkippedMetric, err)
			}
		}
	}
	out := map[string]prometheus.Counter{}
	for _, cause := range []string{SkipOld, SkipSeen, SkipPending, SkipOverLimit} {
		out[cause] = vec.WithLabelValues(cause)
	}
	return out, nil
}

// count adds a discovery's skipped links to the counters and logs one line for it.
func (f *Fetcher) count(d *Discovery) {
	for cause, n := range map[string]int{SkipOld: d.Skipped.Old, SkipSeen: d.Skipped.Seen, SkipPending: d.Skipped.Pending, SkipOverLimit: d.Skipped.OverLimit} {
		if c := f.skipped[cause]; c != nil && n > 0 {
			c.Add(float64(n))
		}
	}
	f.log.Info("links discovered", zap.String("source", d.Source), zap.String("kind", d.Kind),
		zap.Int("links", d.Links), zap.Int("requested", d.Requested), zap.Int("skipped_old", d.Skipped.Old),
		zap.Int("skipped_seen", d.Skipped.Seen), zap.Int("skipped_pending", d.Skipped.Pending),
		zap.Int("skipped_max_links", d.Skipped.OverLimit))
}

// permanent marks a failure that retrying cannot fix: the runtime dead-letters the
// request with reason fetch_failed.
func permanent(err error) error { return stage.Permanent(schema.ReasonFetchFailed, err) }

// Fetch carries out req. firstDelivery allows a conditional GET: on a redelivery the
// earlier attempt may have stored validators without its output being published, so the
// page is fetched whole. An explicit article request (no Source) is always fetched
// whole, so a user asking for a page gets it.
//
// Robots.txt is checked for the requested URL and every redirect target; the host's
// rate for the requested URL. Redirects are followed within the client's limits (and
// its SSRF guard).
//
// Errors: robots.txt disallowing the URL, the SSRF guard, an unknown host, a 4xx, a
// redirect loop, a size limit, a skipped content type or an empty page are permanent
// (stage.Permanent with schema.ReasonFetchFailed), and so is a feed or sitemap that
// does not parse (schema.ReasonUnprocessable); network errors, timeouts, 5xx and 429
// that outlast the in-process retries, a host too busy to wait for (polite.ErrHostBusy)
// and state store failures (state.ErrState) are transient.
func (f *Fetcher) Fetch(ctx context.Context, req *schema.FetchRequest, firstDelivery bool) (*Result, error) {
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" {
		return nil, permanent(fmt.Errorf("%w: %q", fetch.ErrBadURL, req.URL))
	}
	crawlDelay, err := f.robots.Check(ctx, req.URL)
	if err != nil {
		transient := fetch.Temporary(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
		if errors.Is(err, polite.ErrDisallowed) || !transient {
			return nil, permanent(err)
		}
		return nil, err
	}
	// A redirect target must be allowed by its own site's robots.txt too.
	greq := fetch.Request{URL: req.URL, Accept: fetch.AcceptFeed, CheckRedirect: func(ctx context.Context, target string) error {
		_, err := f.robots.Check(ctx, target)
		return err
	}}
	if req.Kind == schema.KindArticle {
		greq.Accept = fetch.AcceptHTML | fetch.AcceptXML | fetch.AcceptJSON
	}
	// hadValidators: validators were found and sent, so an answer without any deletes
	// them. Otherwise only non-empty validators are written (stale ones left behind by
	// an unconditional fetch are harmless: a server only answers 304 to a match).
	hadValidators := false
	if firstDelivery && (req.Kind != schema.KindArticle || req.Source != "") {
		v, ok, err := f.state.Validators(ctx, req.URL)
		if err != nil {
			return nil, err
		}
		if ok {
			greq.ETag, greq.LastModified = v.ETag, v.LastModified
		}
		hadValidators = ok
	}
	res, err := f.get(ctx, u.Hostname(), crawlDelay, greq)
	if err != nil {
		return nil, err
	}
	now := f.now()
	validators := state.Validators{ETag: res.ETag, LastModified: res.LastModified, FreshUntil: freshUntil(res.Header, now)}
	if res.NotModified {
		if err := f.state.SaveValidators(ctx, req.URL, validators); err != nil {
			return nil, err
		}
		return &Result{Kind: req.Kind, NotModified: true}, nil
	}
	kind := req.Kind
	isHTML := res.MediaType == "text/html" || res.MediaType == "application/xhtml+xml"
	if kind == schema.KindArticle && !isHTML {
		switch d := discover.Detect(res.Body, res.MediaType); d {
		case schema.KindFeed, schema.KindSitemap:
			kind = d
		default:
			return nil, permanent(fmt.Errorf("%w: %s is %s, not HTML, a feed or a sitemap", fetch.ErrUnsupportedType, res.FinalURL, res.MediaType))
		}
	}
	var out *Result
	if kind == schema.KindArticle {
		if len(res.Body) == 0 {
			return nil, permanent(fmt.Errorf("%w: %s answered %d with an empty body", ErrEmptyPage, res.FinalURL, res.StatusCode))
		}
		out = f.article(req, res, now)
		seen := []string{req.URL}
		if res.FinalURL != req.URL {
			seen = append(seen, res.FinalURL)
		}
		for _, u := range seen {
			if err := f.state.MarkSeen(ctx, u, now); err != nil {
				return nil, err
			}
		}
	} else if out, err = f.discover(ctx, req, kind, res, now, firstDelivery); err != nil {
		return nil, err
	}
	if hadValidators || validators != (state.Validators{}) {
		if err := f.state.SaveValidators(ctx, req.URL, validators); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// get fetches within the host's politeness budget, retrying network errors, 5xx and
// 429 with back-off while the wait stays under MaxRetryWait.
func (f *Fetcher) get(ctx context.Context, host string, crawlDelay time.Duration, greq fetch.Request) (*fetch.Response, error) {
	for attempt := 1; ; attempt++ {
		release, err := f.hosts.Acquire(ctx, host, crawlDelay)
		if err != nil {
			return nil, err
		}
		res, err := f.client.Get(ctx, greq)
		release()
		if err == nil {
			return res, nil
		}
		if ra := fetch.RetryAfter(err); ra > 0 {
			f.hosts.Defer(host, ra)
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if !fetch.Temporary(err) {
			return nil, permanent(err)
		}
		wait := f.backoff.Delay(attempt, fetch.RetryAfter(err))
		if attempt >= f.cfg.Retries || wait > f.cfg.MaxRetryWait {
			return nil, fmt.Errorf("giving up after %d attempt(s), retry later: %w", attempt, err)
		}
		f.log.Debug("retrying", zap.String("url", greq.URL), zap.Int("attempt", attempt), zap.Duration("wait", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

func (f *Fetcher) article(req *schema.FetchRequest, res *fetch.Response, now time.Time) *Result {
	page := &schema.RawPage{
		URL:         req.URL,
		StatusCode:  res.StatusCode,
		ContentType: res.ContentType,
		FetchedAt:   now.UTC(),
		RequestID:   req.ID,
	}
	if res.FinalURL != req.URL {
		page.FinalURL = res.FinalURL
	}
	return &Result{Kind: schema.KindArticle, Page: page, Body: res.Body}
}

// discover turns a feed or sitemap into requests for its links that are recent (any
// link with Config.AnyAge), were neither fetched within the horizon nor requested
// within PendingTTL, up to MaxLinks, and counts the skipped ones by cause (Discovery,
// SkippedMetric, one log line). A redelivery requests every unseen link again, since
// the first attempt's requests may not have been published (the stream drops those
// that were, by message id).
func (f *Fetcher) discover(ctx context.Context, req *schema.FetchRequest, kind string, res *fetch.Response, now time.Time, firstDelivery bool) (*Result, error) {
	body := res.Body
	if kind == schema.KindSitemap && len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
		plain, err := fetch.Gunzip(body, f.client.Options().MaxDecoded)
		if err != nil {
			return nil, permanent(fmt.Errorf("%s: %w", res.FinalURL, err))
		}
		body = plain
	}
	doc, err := discover.Parse(body, res.MediaType, res.FinalURL, kind)
	if err != nil {
		return nil, stage.Permanent(schema.ReasonUnprocessable, err)
	}
	cutoff := now.Add(-f.cfg.Horizon)
	d := &Discovery{Source: req.URL, Kind: doc.Kind, Links: len(doc.Links)}
	out := &Result{Kind: doc.Kind, Discovery: d}
	for i, l := range doc.Links {
		if len(out.Requests) >= f.cfg.MaxLinks {
			d.Skipped.OverLimit = len(doc.Links) - i
			break
		}
		if !f.cfg.AnyAge && !l.Date.IsZero() && l.Date.Before(cutoff) {
			d.Skipped.Old++
			continue
		}
		if l.Kind == schema.KindArticle {
			seen, err := f.state.Seen(ctx, l.URL)
			if err != nil {
				return nil, err
			}
			if seen {
				d.Skipped.Seen++
				continue
			}
		}
		if firstDelivery {
			fresh, err := f.state.ClaimRequest(ctx, l.URL, f.cfg.PendingTTL)
			if err != nil {
				return nil, err
			}
			if !fresh {
				d.Skipped.Pending++
				continue
			}
		}
		out.Requests = append(out.Requests, &schema.FetchRequest{
			Schema: schema.FetchRequestV1, ID: schema.FetchRequestID(l.Kind, l.URL), Kind: l.Kind, URL: l.URL,
			Source: req.URL, RequestedAt: now.UTC(),
		})
	}
	d.Requested = len(out.Requests)
	f.count(d)
	return out, nil
}

// readRobots reads a robots.txt through the guarded client. A missing or odd file (4xx,
// not text, too many redirects, too large) restricts nothing; a 5xx restricts all; the
// SSRF guard and network failures are errors.
func (f *Fetcher) readRobots(ctx context.Context, robotsURL string) (int, []byte, error) {
	res, err := f.client.Get(ctx, fetch.Request{URL: robotsURL, Accept: fetch.AcceptText | fetch.AcceptHTML})
	var se *fetch.StatusError
	switch {
	case err == nil:
		return res.StatusCode, res.Body[:min(len(res.Body), maxRobotsSize)], nil
	case errors.As(err, &se):
		return se.Code, nil, nil
	case errors.Is(err, fetch.ErrUnsupportedType), errors.Is(err, fetch.ErrTooManyRedirects),
		errors.Is(err, fetch.ErrBodyTooLarge), errors.Is(err, fetch.ErrDecodedTooLarge), errors.Is(err, fetch.ErrBadEncoding):
		return http.StatusNotFound, nil, nil
	}
	return 0, nil, err
}

// freshUntil reads how long a response stays fresh from Cache-Control (s-maxage,
// max-age, less Age) or Expires; zero when it does not say or forbids caching.
func freshUntil(h http.Header, now time.Time) time.Time {
	cc := strings.ToLower(h.Get("Cache-Control"))
	if strings.Contains(cc, "no-store") || strings.Contains(cc, "no-cache") {
		return time.Time{}
	}
	var maxAge int64 = -1
	for d := range strings.SplitSeq(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		if name != "max-age" && name != "s-maxage" {
			continue
		}
		if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 && (name == "s-maxage" || maxAge < 0) {
			maxAge = n
		}
	}
	if maxAge >= 0 {
		age, _ := strconv.ParseInt(h.Get("Age"), 10, 64)
		if age < 0 {
			age = 0
		}
		if maxAge <= age {
			return time.Time{}
		}
		return now.Add(time.Duration(maxAge-age) * time.Second)
	}
	if exp, err := http.ParseTime(h.Get("Expires")); err == nil && exp.After(now) {
		return exp
	}
	return time.Time{}
}
