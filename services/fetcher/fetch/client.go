// Package fetch is an HTTP client for the open web that cannot be turned against the
// network it runs in: only http and https, every resolved address checked by a Guard at
// dial time (so neither DNS rebinding nor a redirect reaches loopback, private or
// link-local ranges), and hard limits on time, redirects, body size, decompressed size
// and content type, each failing with its own sentinel error.
package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultUserAgent      = "newsjet-fetcher/1.0 (+https://github.com/newsjet/newsjet; news ingestion bot)"
	DefaultConnectTimeout = 10 * time.Second
	DefaultReadTimeout    = 20 * time.Second
	DefaultTotalTimeout   = 60 * time.Second
	DefaultMaxRedirects   = 5
	DefaultMaxBody        = 20 << 20
)

// Resolver looks up the addresses of a host name. *net.Resolver implements it; tests
// substitute a map so "a name resolving to a private address" needs no DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Client. Zero fields take the defaults above.
type Options struct {
	// UserAgent is sent with every request; it should name the bot and a contact URL.
	UserAgent string
	// Allow lists address ranges the SSRF guard lets through although they are not
	// public (e.g. 127.0.0.0/8 for a site on loopback). Empty: public addresses only.
	Allow []netip.Prefix
	// ConnectTimeout bounds the TCP connect and the TLS handshake.
	ConnectTimeout time.Duration
	// ReadTimeout bounds each read from the connection: a server silent for longer is
	// dropped.
	ReadTimeout time.Duration
	// TotalTimeout bounds a whole Get, redirects and body included, so a server that
	// drips a byte at a time cannot hold a worker.
	TotalTimeout time.Duration
	// MaxRedirects is the number of redirects followed; one more fails with
	// ErrTooManyRedirects. Negative: none are followed.
	MaxRedirects int
	// MaxBody bounds the body as sent on the wire (default 20 MiB).
	MaxBody int64
	// MaxDecoded bounds the body after Content-Encoding is undone (default MaxBody).
	MaxDecoded int64
	// Resolver resolves host names (default net.DefaultResolver).
	Resolver Resolver
	// TLSConfig, when set, configures TLS (e.g. extra root CAs); it is cloned. Default:
	// the system roots.
	TLSConfig *tls.Config
}

func (o *Options) setDefaults() {
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.TotalTimeout == 0 {
		o.TotalTimeout = DefaultTotalTimeout
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.MaxBody == 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxDecoded == 0 {
		o.MaxDecoded = o.MaxBody
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
}

// Validate reports an out-of-range option, wrapping ErrBadOption.
func (o *Options) Validate() error {
	switch {
	case o.ConnectTimeout < 0, o.ReadTimeout < 0, o.TotalTimeout < 0:
		return fmt.Errorf("%w: timeouts must not be negative", ErrBadOption)
	case o.MaxBody < 0, o.MaxDecoded < 0:
		return fmt.Errorf("%w: size limits must not be negative", ErrBadOption)
	case strings.ContainsAny(o.UserAgent, "\r\n"):
		return fmt.Errorf("%w: user agent contains a line break", ErrBadOption)
	}
	return nil
}

// Client fetches pages within the limits of its Options. It is safe for concurrent use.
type Client struct {
	opt   Options
	guard *Guard
	hc    *http.Client
}

// New returns a client with opt's limits (defaults for zero fields). It returns an
// error wrapping ErrBadOption for an invalid option.
func New(opt Options) (*Client, error) {
	opt.setDefaults()
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	c := &Client{opt: opt, guard: NewGuard(opt.Allow...)}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial on our behalf, past the guard
		DialContext:           c.dial,
		TLSHandshakeTimeout:   opt.ConnectTimeout,
		ResponseHeaderTimeout: opt.ReadTimeout,
		DisableCompression:    true, // we ask for and undo encodings ourselves, with limits
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	if opt.TLSConfig != nil {
		tr.TLSClientConfig = opt.TLSConfig.Clone()
	}
	c.hc = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	return c, nil
}

// Options returns the client's options with defaults filled in.
func (c *Client) Options() Options { return c.opt }

// CloseIdleConnections closes pooled connections.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// dial resolves the host, drops every address the guard refuses and connects to the
// first allowed one that answers. The dialer's Control hook checks the socket's address
// once more, so no code path reaches a refused address.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("%w: port %q", ErrBadURL, portStr)
	}
	var addrs []netip.Addr
	if ip, perr := netip.ParseAddr(host); perr == nil {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = c.opt.Resolver.LookupNetIP(ctx, "ip", host)
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, fmt.Errorf("%w: %s", ErrNoSuchHost, host)
		}
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", host, err)
		}
	}
	d := &net.Dialer{Timeout: c.opt.ConnectTimeout, Control: c.control}
	lastErr := fmt.Errorf("%w: %s resolves to no address", ErrNetwork, host)
	for _, ip := range addrs {
		if gerr := c.guard.Check(ip); gerr != nil {
			lastErr = fmt.Errorf("%s: %w", host, gerr)
			continue
		}
		conn, derr := d.DialContext(ctx, network, netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		if derr != nil {
			lastErr = derr
			continue
		}
		return &deadlineConn{Conn: conn, timeout: c.opt.ReadTimeout}, nil
	}
	return nil, lastErr
}

func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot check address %q", ErrForbiddenAddress, address)
	}
	return c.guard.Check(ap.Addr())
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.opt.MaxRedirects {
		return fmt.Errorf("%w: more than %d (last %s)", ErrTooManyRedirects, c.opt.MaxRedirects, req.URL.Redacted())
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: redirect to %q", ErrScheme, req.URL.Scheme)
	}
	if hook, ok := req.Context().Value(redirectHookKey{}).(func(context.Context, string) error); ok {
		if err := hook(req.Context(), req.URL.String()); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrRedirectRefused, req.URL.Redacted(), err)
		}
	}
	return nil
}

type redirectHookKey struct{}

// deadlineConn sets a fresh read deadline before every read.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// Request is one GET.
type Request struct {
	URL string
	// Accept says which content types are fetched; others fail with ErrUnsupportedType
	// before the body is read. Zero means AcceptHTML.
	Accept Accept
	// ETag and LastModified, when set, make the GET conditional: an unchanged resource
	// answers 304 and Response.NotModified is set.
	ETag         string
	LastModified string
	// CheckRedirect, when set, is asked before each redirect is followed (e.g. whether
	// robots.txt allows the target); its error ends the Get, wrapped in
	// ErrRedirectRefused.
	CheckRedirect func(ctx context.Context, target string) error
}

// Response is a fetched resource.
type Response struct {
	// URL is the URL requested, FinalURL the one that answered after redirects.
	URL      string
	FinalURL string
	// StatusCode is 2xx, or 304 when NotModified.
	StatusCode  int
	NotModified bool
	// Header is the final response's header (caching headers, validators, ...).
	Header http.Header
	// ContentType is the Content-Type header, or the sniffed media type (without a
	// charset) when it was absent.
	ContentType string
	// MediaType is ContentType's media type, lower-cased and without parameters.
	MediaType string
	// Body is the body with Content-Encoding undone, bytes otherwise untouched.
	Body []byte
	// WireSize is the number of body bytes received.
	WireSize int64
	// ETag and LastModified are the validators to send next time.
	ETag         string
	LastModified string
}

// Get fetches req.URL within the client's limits. It returns a Response for 2xx and
// (conditional requests) 304. Errors wrap one of the package's sentinels: ErrBadURL,
// ErrScheme, ErrForbiddenAddress, ErrNoSuchHost, ErrTooManyRedirects,
// ErrRedirectRefused, ErrTimeout, ErrNetwork,
// ErrStatus (*StatusError), ErrBodyTooLarge, ErrDecodedTooLarge, ErrBadEncoding,
// ErrUnsupportedType; or the caller's context error when ctx ends first.
func (c *Client) Get(ctx context.Context, req Request) (*Response, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: %q", ErrScheme, req.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: %q has no host", ErrBadURL, req.URL)
	}
	if req.Accept == 0 {
		req.Accept = AcceptHTML
	}
	tctx, cancel := context.WithTimeout(ctx, c.opt.TotalTimeout)
	defer cancel()
	if req.CheckRedirect != nil {
		tctx = context.WithValue(tctx, redirectHookKey{}, req.CheckRedirect)
	}
	resp, err := c.get(tctx, u, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("fetch %s: %w", u.Redacted(), ctx.Err())
		}
		if tctx.Err() != nil && !errors.Is(err, ErrTimeout) {
			err = fmt.Errorf("%w: %s exceeded the total timeout of %s", ErrTimeout, u.Redacted(), c.opt.TotalTimeout)
		}
		return nil, err
	}
	return resp, nil
}

func (c *Client) get(ctx context.Context, u *url.URL, req Request) (*Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	hr.Header.Set("User-Agent", c.opt.UserAgent)
	hr.Header.Set("Accept", req.Accept.header())
	hr.Header.Set("Accept-Encoding", acceptEncoding)
	if req.ETag != "" {
		hr.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hr.Header.Set("If-Modified-Since", req.LastModified)
	}
	hres, err := c.hc.Do(hr)
	if err != nil {
		return nil, classify(err)
	}
	defer hres.Body.Close()
	res := &Response{
		URL:          req.URL,
		FinalURL:     hres.Request.URL.String(),
		StatusCode:   hres.StatusCode,
		Header:       hres.Header,
		ETag:         hres.Header.Get("ETag"),
		LastModified: hres.Header.Get("Last-Modified"),
	}
	switch {
	case hres.StatusCode == http.StatusNotModified:
		res.NotModified = true
		if res.ETag == "" {
			res.ETag = req.ETag
		}
		if res.LastModified == "" {
			res.LastModified = req.LastModified
		}
		return res, nil
	case hres.StatusCode < 200 || hres.StatusCode > 299:
		return nil, &StatusError{URL: res.FinalURL, Code: hres.StatusCode, RetryAfter: parseRetryAfter(hres.Header.Get("Retry-After"), time.Now())}
	}
	res.ContentType = hres.Header.Get("Content-Type")
	if res.ContentType != "" {
		res.MediaType = mediaType(res.ContentType)
		if !req.Accept.allows(res.MediaType) {
			return nil, fmt.Errorf("%w: %s is %s, not %s", ErrUnsupportedType, res.FinalURL, res.MediaType, req.Accept)
		}
	}
	if hres.ContentLength > c.opt.MaxBody {
		return nil, fmt.Errorf("%w: %s declares %d bytes, limit %d", ErrBodyTooLarge, res.FinalURL, hres.ContentLength, c.opt.MaxBody)
	}
	body, wire, err := readBody(hres.Body, hres.Header.Get("Content-Encoding"), c.opt.MaxBody, c.opt.MaxDecoded, hres.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", res.FinalURL, err)
	}
	res.Body, res.WireSize = body, wire
	if res.ContentType == "" {
		// Only the media type: the sniffer's charset is a guess that would hide a
		// charset the page declares itself.
		res.MediaType = mediaType(http.DetectContentType(body))
		res.ContentType = res.MediaType
		if !req.Accept.allows(res.MediaType) {
			return nil, fmt.Errorf("%w: %s looks like %s, not %s", ErrUnsupportedType, res.FinalURL, res.MediaType, req.Accept)
		}
	}
	return res, nil
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// parseRetryAfter reads a Retry-After value in seconds or as an HTTP date; zero when
// absent, unparsable or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
