package fetcher

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/newsjet/newsjet/services/fetcher/fetch"
	"github.com/newsjet/newsjet/services/fetcher/polite"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("fetcher: invalid configuration")

// Defaults of the fetcher's own settings (the HTTP client's are in package fetch).
const (
	DefaultHostRate        = 1.0
	DefaultHostBurst       = 2
	DefaultHostConcurrency = 2
	DefaultMaxHostWait     = 10 * time.Second
	DefaultRetries         = 3
	DefaultRetryBase       = 500 * time.Millisecond
	DefaultMaxRetryWait    = 15 * time.Second
	DefaultRobotsTTL       = 24 * time.Hour
	DefaultHorizon         = 30 * 24 * time.Hour
	DefaultPollInterval    = 5 * time.Minute
	DefaultMaxPollInterval = 6 * time.Hour
	DefaultMaxLinks        = 2000
	DefaultPendingTTL      = time.Hour
)

// Config is the fetcher's configuration. RegisterFlags binds it to flags, which the
// stage runtime also reads from NEWSJET_* environment variables (flag "user-agent" from
// NEWSJET_USER_AGENT). Zero fields take the defaults.
type Config struct {
	// UserAgent names the bot and a contact URL (default fetch.DefaultUserAgent). Its
	// first word also picks the robots.txt group.
	UserAgent string
	// AllowNets opens the SSRF guard for these CIDRs (e.g. "127.0.0.0/8" for a site on
	// loopback). Empty: only public addresses are fetched.
	AllowNets []string
	// HTTP limits; see fetch.Options.
	ConnectTimeout time.Duration
	ReadTimeout    time.Duration
	TotalTimeout   time.Duration
	MaxRedirects   int
	MaxBody        int64
	MaxDecoded     int64
	// Per-host politeness, per replica: requests per second, burst, requests in flight,
	// and overrides "host=rate[:concurrency]" (a host matches its subdomains too).
	HostRate        float64
	HostBurst       int
	HostConcurrency int
	HostLimits      []string
	// MaxHostWait is the longest a worker waits for a host's turn; a longer wait hands
	// the request back to the broker for a later delivery.
	MaxHostWait time.Duration
	// Retries is the number of attempts per delivery on network errors, 5xx and 429,
	// spaced by exponential back-off with jitter from RetryBase; a wait longer than
	// MaxRetryWait (e.g. a long Retry-After) hands the request back to the broker.
	Retries      int
	RetryBase    time.Duration
	MaxRetryWait time.Duration
	// RobotsTTL is how long a robots.txt is cached.
	RobotsTTL time.Duration
	// Horizon is how long a fetched URL counts as seen (not requested again by a feed or
	// sitemap), and how old a feed item or sitemap entry may be to be requested at all.
	Horizon time.Duration
	// MaxLinks bounds the requests one feed or sitemap yields.
	MaxLinks int
	// AnyAge requests a feed's or sitemap's links whatever their date (the seen set,
	// PendingTTL and MaxLinks still apply). `newsjet run --once` sets it: a feed given
	// explicitly is read whole, while polled sources skip items older than Horizon.
	AnyAge bool
	// OnDiscovery, when set, is called with what each read of a feed or sitemap gave
	// (after the read, before its requests are published; again on a redelivery). It
	// must be safe for concurrent use.
	OnDiscovery func(Discovery)
	// PendingTTL is how long a requested link is not requested again while its request
	// waits to be fetched (default 1h).
	PendingTTL time.Duration
	// Sources to poll: a file (one URL per line, optionally prefixed by "feed " or
	// "sitemap "; '#' starts a comment) and URLs given directly.
	SourcesFile string
	Sources     []string
	// PollInterval is how often each source is polled (default 5m); a source whose
	// caching headers say it stays fresh longer is polled when it goes stale, at most
	// MaxPollInterval apart.
	PollInterval    time.Duration
	MaxPollInterval time.Duration
	// Resolver replaces DNS (tests).
	Resolver fetch.Resolver
	// idleRelease is the delay after the last large page before its memory is given
	// back (DefaultIdleRelease; tests shorten it).
	idleRelease time.Duration
}

func (c *Config) setDefaults() {
	if c.idleRelease == 0 {
		c.idleRelease = DefaultIdleRelease
	}
	if c.HostRate == 0 {
		c.HostRate = DefaultHostRate
	}
	if c.HostBurst == 0 {
		c.HostBurst = DefaultHostBurst
	}
	if c.HostConcurrency == 0 {
		c.HostConcurrency = DefaultHostConcurrency
	}
	if c.MaxHostWait == 0 {
		c.MaxHostWait = DefaultMaxHostWait
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	if c.RetryBase == 0 {
		c.RetryBase = DefaultRetryBase
	}
	if c.MaxRetryWait == 0 {
		c.MaxRetryWait = DefaultMaxRetryWait
	}
	if c.RobotsTTL == 0 {
		c.RobotsTTL = DefaultRobotsTTL
	}
	if c.Horizon == 0 {
		c.Horizon = DefaultHorizon
	}
	if c.MaxLinks == 0 {
		c.MaxLinks = DefaultMaxLinks
	}
	if c.PendingTTL == 0 {
		c.PendingTTL = DefaultPendingTTL
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.MaxPollInterval == 0 {
		c.MaxPollInterval = DefaultMaxPollInterval
	}
	if c.UserAgent == "" {
		c.UserAgent = fetch.DefaultUserAgent
	}
}

// httpOptions turns the configuration into the HTTP client's options.
func (c *Config) httpOptions() (fetch.Options, error) {
	allow, err := fetch.ParseCIDRs(c.AllowNets)
	if err != nil {
		return fetch.Options{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return fetch.Options{
		UserAgent: c.UserAgent, Allow: allow, ConnectTimeout: c.ConnectTimeout, ReadTimeout: c.ReadTimeout,
		TotalTimeout: c.TotalTimeout, MaxRedirects: c.MaxRedirects, MaxBody: c.MaxBody, MaxDecoded: c.MaxDecoded,
		Resolver: c.Resolver,
	}, nil
}

// hostLimits returns the default per-host limit and the parsed overrides.
func (c *Config) hostLimits() (polite.Limit, map[string]polite.Limit, error) {
	def := polite.Limit{Rate: c.HostRate, Burst: c.HostBurst, Concurrency: c.HostConcurrency}
	if def.Rate < 0 || def.Burst < 0 || def.Concurrency < 0 {
		return def, nil, fmt.Errorf("%w: host rate, burst and concurrency must be positive", ErrConfig)
	}
	over := map[string]polite.Limit{}
	for _, s := range c.HostLimits {
		host, l, err := polite.ParseOverride(s)
		if err != nil {
			return def, nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		over[host] = l
	}
	return def, over, nil
}

// Validate reports the first invalid setting, wrapping ErrConfig.
func (c *Config) Validate() error {
	switch {
	case c.Retries < 0, c.MaxLinks < 0:
		return fmt.Errorf("%w: retries and max links must not be negative", ErrConfig)
	case c.PollInterval < 0, c.MaxPollInterval < 0, c.Horizon < 0, c.PendingTTL < 0, c.RobotsTTL < 0, c.MaxHostWait < 0,
		c.RetryBase < 0, c.MaxRetryWait < 0:
		return fmt.Errorf("%w: durations must not be negative", ErrConfig)
	}
	opt, err := c.httpOptions()
	if err != nil {
		return err
	}
	if err := opt.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	_, _, err = c.hostLimits()
	return err
}

// RegisterFlags binds the fetcher's settings to flags of fs. With the stage runtime,
// every flag is also read from its NEWSJET_* environment variable; list flags take
// comma-separated values there (and may be repeated on the command line):
//
//	--user-agent         NEWSJET_USER_AGENT          bot name and contact URL
//	--allow-net          NEWSJET_ALLOW_NET           CIDRs the SSRF guard lets through
//	--connect-timeout    NEWSJET_CONNECT_TIMEOUT     TCP connect + TLS handshake (10s)
//	--read-timeout       NEWSJET_READ_TIMEOUT        silence allowed between reads (20s)
//	--fetch-timeout      NEWSJET_FETCH_TIMEOUT       whole request incl. body (60s)
//	--max-redirects      NEWSJET_MAX_REDIRECTS       redirects followed (5)
//	--max-body           NEWSJET_MAX_BODY            body bytes on the wire (20 MiB)
//	--max-decoded        NEWSJET_MAX_DECODED         body bytes after decompression (= max-body)
//	--host-rate          NEWSJET_HOST_RATE           requests per second per host (1)
//	--host-burst         NEWSJET_HOST_BURST          burst per host (2)
//	--host-concurrency   NEWSJET_HOST_CONCURRENCY    requests in flight per host (2)
//	--host-limit         NEWSJET_HOST_LIMIT          override host=rate[:concurrency]
//	--max-host-wait      NEWSJET_MAX_HOST_WAIT       longest wait for a host's turn (10s)
//	--fetch-retries      NEWSJET_FETCH_RETRIES       attempts per delivery (3)
//	--retry-base         NEWSJET_RETRY_BASE          first retry delay (500ms)
//	--max-retry-wait     NEWSJET_MAX_RETRY_WAIT      longest in-process retry wait (15s)
//	--robots-ttl         NEWSJET_ROBOTS_TTL          robots.txt cache time (24h)
//	--seen-horizon       NEWSJET_SEEN_HORIZON        how long a URL stays seen (720h)
//	--max-links          NEWSJET_MAX_LINKS           requests per feed/sitemap (2000)
//	--pending-ttl        NEWSJET_PENDING_TTL         a requested link is not requested again for (1h)
//	--sources            NEWSJET_SOURCES             file listing feeds/sitemaps to poll
//	--source             NEWSJET_SOURCE              feed or sitemap URL to poll
//	--poll-interval      NEWSJET_POLL_INTERVAL       how often sources are polled (5m)
//	--max-poll-interval  NEWSJET_MAX_POLL_INTERVAL   cap when caching headers say later (6h)
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.UserAgent, "user-agent", fetch.DefaultUserAgent, "User-Agent sent with every request: bot name and contact URL")
	fs.Var((*listFlag)(&c.AllowNets), "allow-net", "`CIDR` the SSRF guard lets through (repeatable or comma separated), e.g. 127.0.0.0/8")
	fs.DurationVar(&c.ConnectTimeout, "connect-timeout", fetch.DefaultConnectTimeout, "TCP connect and TLS handshake timeout")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", fetch.DefaultReadTimeout, "longest silence between two reads")
	fs.DurationVar(&c.TotalTimeout, "fetch-timeout", fetch.DefaultTotalTimeout, "bound of one whole request, redirects and body included")
	fs.IntVar(&c.MaxRedirects, "max-redirects", fetch.DefaultMaxRedirects, "redirects followed per request")
	fs.Int64Var(&c.MaxBody, "max-body", fetch.DefaultMaxBody, "largest body accepted on the wire, in bytes")
	fs.Int64Var(&c.MaxDecoded, "max-decoded", 0, "largest body after decompression, in bytes (default: max-body)")
	fs.Float64Var(&c.HostRate, "host-rate", DefaultHostRate, "requests per second per host, per replica")
	fs.IntVar(&c.HostBurst, "host-burst", DefaultHostBurst, "requests per host allowed at once after a quiet spell")
	fs.IntVar(&c.HostConcurrency, "host-concurrency", DefaultHostConcurrency, "requests in flight per host, per replica")
	fs.Var((*listFlag)(&c.HostLimits), "host-limit", "per-host override `host=rate[:concurrency]`, e.g. example.com=0.5:1 (repeatable)")
	fs.DurationVar(&c.MaxHostWait, "max-host-wait", DefaultMaxHostWait, "longest wait for a host's turn before handing the request back")
	fs.IntVar(&c.Retries, "fetch-retries", DefaultRetries, "attempts per delivery on network errors, 5xx and 429")
	fs.DurationVar(&c.RetryBase, "retry-base", DefaultRetryBase, "first retry delay (doubles per attempt, with jitter)")
	fs.DurationVar(&c.MaxRetryWait, "max-retry-wait", DefaultMaxRetryWait, "longest in-process retry wait; longer ones are left to redelivery")
	fs.DurationVar(&c.RobotsTTL, "robots-ttl", DefaultRobotsTTL, "how long a robots.txt is cached")
	fs.DurationVar(&c.Horizon, "seen-horizon", DefaultHorizon, "how long a fetched URL is not requested again by feeds and sitemaps")
	fs.IntVar(&c.MaxLinks, "max-links", DefaultMaxLinks, "most requests one feed or sitemap yields")
	fs.DurationVar(&c.PendingTTL, "pending-ttl", DefaultPendingTTL, "how long a requested link is not requested again while it waits to be fetched")
	fs.StringVar(&c.SourcesFile, "sources", "", "`file` listing feeds and sitemaps to poll, one URL per line")
	fs.Var((*listFlag)(&c.Sources), "source", "feed or sitemap `URL` to poll (repeatable)")
	fs.DurationVar(&c.PollInterval, "poll-interval", DefaultPollInterval, "how often each source is polled")
	fs.DurationVar(&c.MaxPollInterval, "max-poll-interval", DefaultMaxPollInterval, "longest gap between polls when caching headers ask for more")
}

// DefaultConcurrency is the fetcher binary's default for the runtime's --concurrency:
// fetching waits on the network, so many more requests than cores may be in flight.
const DefaultConcurrency = 32

// RegisterServiceFlags is RegisterFlags for the fetcher binary: it also raises the
// default of the runtime's --concurrency flag (when fs has one) to DefaultConcurrency.
// NEWSJET_CONCURRENCY and the flag still override it.
func (c *Config) RegisterServiceFlags(fs *flag.FlagSet) {
	c.RegisterFlags(fs)
	if f := fs.Lookup("concurrency"); f != nil {
		def := strconv.Itoa(DefaultConcurrency)
		if err := f.Value.Set(def); err == nil {
			f.DefValue = def
		}
	}
}

// listFlag is a repeatable flag that also splits comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}
