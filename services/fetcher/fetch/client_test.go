package fetch

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

var loopback = netip.MustParsePrefix("127.0.0.0/8")

// mapResolver resolves names from a map, so tests need no DNS.
type mapResolver map[string][]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// failingResolver fails as a DNS server that does not answer.
type failingResolver struct{}

func (failingResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "server misbehaving", Name: "news.test", IsTemporary: true}
}

func newClient(t *testing.T, opt Options) *Client {
	t.Helper()
	c, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// serveOn starts an HTTP server listening on the given loopback address.
func serveOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestGuard(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.5.5.5", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
		"100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::",
		"fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
		"::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a00:1::1", "fe80::1%eth0",
	}
	allowed := []string{"8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"}
	g := NewGuard()
	for _, s := range refused {
		if err := g.Check(netip.MustParseAddr(s)); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("Check(%s) = %v, want ErrForbiddenAddress", s, err)
		}
	}
	for _, s := range allowed {
		if err := g.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("Check(%s) = %v, want nil", s, err)
		}
	}
	open := NewGuard(loopback, netip.MustParsePrefix("10.0.0.0/24"))
	for _, s := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.0.0.9"} {
		if err := open.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("allow-listed Check(%s) = %v", s, err)
		}
	}
	if err := open.Check(netip.MustParseAddr("10.0.1.1")); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("10.0.1.1 outside the allow-list: %v", err)
	}
}

func TestParseCIDRs(t *testing.T) {
	got, err := ParseCIDRs([]string{"127.0.0.0/8", "::1", "10.0.0.1"})
	if err != nil || len(got) != 3 || got[1].Bits() != 128 || got[2].Bits() != 32 {
		t.Fatalf("ParseCIDRs = %v, %v", got, err)
	}
	if _, err := ParseCIDRs([]string{"not-a-net"}); !errors.Is(err, ErrBadOption) {
		t.Fatalf("bad CIDR: %v", err)
	}
}

func TestRefusesLoopbackByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("the guard let a request through to loopback")
	}))
	defer srv.Close()
	c := newClient(t, Options{})
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrForbiddenAddress) || Temporary(err) {
		t.Fatalf("err = %v, want permanent ErrForbiddenAddress", err)
	}
}

func TestScheme(t *testing.T) {
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}})
	for _, u := range []string{"ftp://example.com/a", "file:///etc/passwd", "gopher://x/"} {
		if _, err := c.Get(context.Background(), Request{URL: u}); !errors.Is(err, ErrScheme) {
			t.Errorf("%s: %v, want ErrScheme", u, err)
		}
	}
	if _, err := c.Get(context.Background(), Request{URL: "http:///nohost"}); !errors.Is(err, ErrBadURL) {
		t.Errorf("no host: %v", err)
	}
}

func TestFetchHTMLKeepsBytes(t *testing.T) {
	// windows-1252 bytes (0x93/0x94 curly quotes, 0xE9 é) with the charset only in a meta tag.
	page := []byte("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">" +
		"<title>Caf\xe9</title></head><body><p>\x93Quoted\x94 caf\xe9</p></body></html>")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); !strings.Contains(ua, "newsjet") || !strings.Contains(ua, "http") {
			t.Errorf("User-Agent %q names no bot and contact URL", ua)
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}})
	res, err := c.Get(context.Background(), Request{URL: srv.URL + "/a"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Body, page) {
		t.Fatalf("body changed in transit:\n got %q\nwant %q", res.Body, page)
	}
	if res.MediaType != "text/html" || res.StatusCode != 200 || res.WireSize != int64(len(page)) {
		t.Fatalf("response = %+v", res)
	}
}

func TestSniffsMissingContentType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // stop net/http from sniffing for us
		if r.URL.Path == "/pdf" {
			w.Write([]byte("%PDF-1.7\n%binary"))
			return
		}
		w.Write([]byte("<!DOCTYPE html><html><body>hi</body></html>"))
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}})
	res, err := c.Get(context.Background(), Request{URL: srv.URL + "/html"})
	if err != nil || res.MediaType != "text/html" || res.ContentType != "text/html" {
		t.Fatalf("sniffed html: %+v, %v (no guessed charset wanted)", res, err)
	}
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/pdf"}); !errors.Is(err, ErrUnsupportedType) {
		t.Fatalf("sniffed pdf: %v", err)
	}
}

func TestSkipsPDF(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(bytes.Repeat([]byte("%PDF"), 1000))
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}})
	_, err := c.Get(context.Background(), Request{URL: srv.URL + "/report.pdf"})
	if !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), "application/pdf") || Temporary(err) {
		t.Fatalf("err = %v, want ErrUnsupportedType naming application/pdf", err)
	}
	feed := newClient(t, Options{Allow: []netip.Prefix{loopback}})
	if _, err := feed.Get(context.Background(), Request{URL: srv.URL, Accept: AcceptFeed}); !errors.Is(err, ErrUnsupportedType) {
		t.Fatalf("feed accept took a pdf: %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var srvURL string
	mux := http.NewServeMux()
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop2", http.StatusFound)
	})
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/two", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srvURL+"/one", http.StatusFound)
	})
	mux.HandleFunc("/one", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusFound)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>done</p>"))
	})
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}, MaxRedirects: 3})
	res, err := c.Get(context.Background(), Request{URL: srv.URL + "/two"})
	if err != nil || res.FinalURL != srv.URL+"/final" {
		t.Fatalf("two redirects: %+v, %v", res, err)
	}
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/loop"}); !errors.Is(err, ErrTooManyRedirects) || Temporary(err) {
		t.Fatalf("loop: %v, want ErrTooManyRedirects", err)
	}
	if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/ftp"}); !errors.Is(err, ErrScheme) {
		t.Fatalf("redirect to ftp: %v, want ErrScheme", err)
	}
	errNo := errors.New("not there")
	var asked []string
	refuse := func(_ context.Context, target string) error {
		asked = append(asked, target)
		if strings.HasSuffix(target, "/final") {
			return errNo
		}
		return nil
	}
	_, err = c.Get(context.Background(), Request{URL: srv.URL + "/two", CheckRedirect: refuse})
	if !errors.Is(err, ErrRedirectRefused) || !errors.Is(err, errNo) || Temporary(err) || len(asked) != 2 {
		t.Fatalf("refused redirect: %v (asked %v)", err, asked)
	}
	flaky := func(context.Context, string) error { return fmt.Errorf("%w: robots.txt unreachable", ErrNetwork) }
	if _, err = c.Get(context.Background(), Request{URL: srv.URL + "/two", CheckRedirect: flaky}); !errors.Is(err, ErrRedirectRefused) || !Temporary(err) {
		t.Fatalf("redirect check failing temporarily: %v", err)
	}
}

func TestRedirectToLoopbackRefused(t *testing.T) {
	// The site is on 127.0.0.2, which the allow-list opens; 127.0.0.1 and the cloud
	// metadata address stay closed, so redirects there are refused at dial time.
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("redirect reached the internal server")
	}))
	defer internal.Close()
	_, port, _ := net.SplitHostPort(internal.Listener.Addr().String())
	site := serveOn(t, "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-loopback":
			http.Redirect(w, r, "http://127.0.0.1:"+port+"/admin", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-name":
			http.Redirect(w, r, "http://intranet.test:"+port+"/", http.StatusFound)
		}
	}))
	c := newClient(t, Options{
		Allow:    []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")},
		Resolver: mapResolver{"intranet.test": {netip.MustParseAddr("127.0.0.1")}},
	})
	for _, p := range []string{"/to-loopback", "/to-metadata", "/to-name"} {
		_, err := c.Get(context.Background(), Request{URL: site.URL + p})
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v, want ErrForbiddenAddress", p, err)
		}
	}
}

func TestNameResolvingToPrivateRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>ok</p>"))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	res := mapResolver{
		"news.test":      {netip.MustParseAddr("10.0.0.5")},
		"rebind.test":    {netip.MustParseAddr("192.168.0.1"), netip.MustParseAddr("::ffff:169.254.169.254")},
		"site.test":      {netip.MustParseAddr("127.0.0.1")},
		"metadata.test":  {netip.MustParseAddr("169.254.169.254")},
		"cgnat.test":     {netip.MustParseAddr("100.100.1.1")},
		"mapped-v6.test": {netip.MustParseAddr("::ffff:10.1.1.1")},
	}
	c := newClient(t, Options{Resolver: res})
	for _, host := range []string{"news.test", "rebind.test", "site.test", "metadata.test", "cgnat.test", "mapped-v6.test"} {
		_, err := c.Get(context.Background(), Request{URL: "http://" + host + ":" + port + "/"})
		if !errors.Is(err, ErrForbiddenAddress) || Temporary(err) {
			t.Errorf("%s: %v, want ErrForbiddenAddress", host, err)
		}
	}
	open := newClient(t, Options{Resolver: res, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if _, err := open.Get(context.Background(), Request{URL: "http://site.test:" + port + "/"}); err != nil {
		t.Fatalf("allow-listed name: %v", err)
	}
	if _, err := open.Get(context.Background(), Request{URL: "http://unknown.test:" + port + "/"}); !errors.Is(err, ErrNoSuchHost) || Temporary(err) {
		t.Fatalf("unknown name: %v, want permanent ErrNoSuchHost", err)
	}
	flaky := newClient(t, Options{Resolver: failingResolver{}})
	if _, err := flaky.Get(context.Background(), Request{URL: "http://news.test/"}); !errors.Is(err, ErrNetwork) || !Temporary(err) {
		t.Fatalf("DNS server failure: %v, want temporary ErrNetwork", err)
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>secure</p>"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	res := mapResolver{"example.com": {netip.MustParseAddr("127.0.0.1")}, "other.test": {netip.MustParseAddr("127.0.0.1")}}
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}, Resolver: res, TLSConfig: &tls.Config{RootCAs: roots}})
	// The test certificate names example.com: the guarded dial keeps the host name for TLS.
	got, err := c.Get(context.Background(), Request{URL: "https://example.com:" + port + "/"})
	if err != nil || string(got.Body) != "<p>secure</p>" {
		t.Fatalf("https: %+v, %v", got, err)
	}
	if _, err := c.Get(context.Background(), Request{URL: "https://other.test:" + port + "/"}); err == nil {
		t.Fatal("a certificate for another name was accepted")
	}
	closed := newClient(t, Options{Resolver: res, TLSConfig: &tls.Config{RootCAs: roots}})
	if _, err := closed.Get(context.Background(), Request{URL: "https://example.com:" + port + "/"}); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("https to loopback without allow-list: %v", err)
	}
}

func TestSlowDrip(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(200)
		for i := 0; i < 200; i++ {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}, TotalTimeout: 400 * time.Millisecond, ReadTimeout: time.Second})
	start := time.Now()
	_, err := c.Get(context.Background(), Request{URL: srv.URL})
	if !errors.Is(err, ErrTimeout) || !Temporary(err) {
		t.Fatalf("slow drip: %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("slow drip held the worker for %s", el)
	}
}

func TestReadTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(200)
		w.Write([]byte("<p>"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}, ReadTimeout: 200 * time.Millisecond, TotalTimeout: time.Minute})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("stalled body: %v, want ErrTimeout", err)
	}
}

func TestCallerContextWins(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, Request{URL: srv.URL}); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		t.Fatalf("caller deadline: %v", err)
	}
}

func TestBodyLimits(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/chunked" {
			w.Write(big[:1024])
			w.(http.Flusher).Flush()
			w.Write(big[1024:])
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		w.Write(big)
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}, MaxBody: 2048})
	for _, p := range []string{"/length", "/chunked"} {
		if _, err := c.Get(context.Background(), Request{URL: srv.URL + p}); !errors.Is(err, ErrBodyTooLarge) || Temporary(err) {
			t.Errorf("%s: %v, want ErrBodyTooLarge", p, err)
		}
	}
}

func compress(t *testing.T, enc string, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "br":
		w = brotli.NewWriter(&buf)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestContentEncodings(t *testing.T) {
	plain := []byte("<html><body>" + strings.Repeat("<p>news</p>", 500) + "</body></html>")
	bomb := make([]byte, 4<<20) // 4 MiB of zeros: a few KiB compressed, 4x the limit
	bodies := map[string][]byte{}
	for _, enc := range []string{"gzip", "deflate", "br"} {
		bodies["/ok/"+enc] = compress(t, enc, plain)
		bodies["/bomb/"+enc] = compress(t, enc, bomb)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "br") {
			t.Errorf("Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
		}
		enc := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/corrupt/gzip" {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write([]byte("not gzip at all"))
			return
		}
		if r.URL.Path == "/odd/zstd" {
			w.Header().Set("Content-Encoding", "zstd")
			w.Write(plain)
			return
		}
		w.Header().Set("Content-Encoding", enc)
		w.Write(bodies[r.URL.Path])
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}, MaxDecoded: 1 << 20})
	for _, enc := range []string{"gzip", "deflate", "br"} {
		res, err := c.Get(context.Background(), Request{URL: srv.URL + "/ok/" + enc})
		if err != nil || !bytes.Equal(res.Body, plain) {
			t.Errorf("%s: body mismatch or %v", enc, err)
		}
		if _, err := c.Get(context.Background(), Request{URL: srv.URL + "/bomb/" + enc}); !errors.Is(err, ErrDecodedTooLarge) || Temporary(err) {
			t.Errorf("%s bomb: %v, want ErrDecodedTooLarge", enc, err)
		}
	}
	for _, p := range []string{"/corrupt/gzip", "/odd/zstd"} {
		if _, err := c.Get(context.Background(), Request{URL: srv.URL + p}); !errors.Is(err, ErrBadEncoding) {
			t.Errorf("%s: %v, want ErrBadEncoding", p, err)
		}
	}
}

func TestConditionalAndStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/page":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<p>v1</p>"))
		case "/busy":
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/gone":
			w.WriteHeader(http.StatusNotFound)
		case "/broken":
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	c := newClient(t, Options{Allow: []netip.Prefix{loopback}})
	ctx := context.Background()
	first, err := c.Get(ctx, Request{URL: srv.URL + "/page"})
	if err != nil || first.NotModified || first.ETag != `"v1"` || first.LastModified == "" {
		t.Fatalf("first: %+v, %v", first, err)
	}
	second, err := c.Get(ctx, Request{URL: srv.URL + "/page", ETag: first.ETag, LastModified: first.LastModified})
	if err != nil || !second.NotModified || second.Body != nil || second.ETag != `"v1"` {
		t.Fatalf("second: %+v, %v", second, err)
	}
	_, err = c.Get(ctx, Request{URL: srv.URL + "/busy"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 429 || !Temporary(err) || RetryAfter(err) != 3*time.Second {
		t.Fatalf("429: %v", err)
	}
	if _, err = c.Get(ctx, Request{URL: srv.URL + "/gone"}); !errors.Is(err, ErrStatus) || Temporary(err) {
		t.Fatalf("404: %v", err)
	}
	if _, err = c.Get(ctx, Request{URL: srv.URL + "/broken"}); !Temporary(err) {
		t.Fatalf("502: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-1":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 12:00:30 GMT": 30 * time.Second,
		"Thu, 01 Jan 2026 11:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestGunzip(t *testing.T) {
	plain := []byte("<urlset></urlset>")
	got, err := Gunzip(compress(t, "gzip", plain), 1024)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Gunzip = %q, %v", got, err)
	}
	if _, err := Gunzip(compress(t, "gzip", make([]byte, 4096)), 1024); !errors.Is(err, ErrDecodedTooLarge) {
		t.Fatalf("bomb: %v", err)
	}
	if _, err := Gunzip([]byte("nope"), 1024); !errors.Is(err, ErrBadEncoding) {
		t.Fatalf("corrupt: %v", err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{TotalTimeout: -1}, {MaxBody: -5}, {UserAgent: "a\r\nX-Evil: 1"}} {
		if _, err := New(o); !errors.Is(err, ErrBadOption) {
			t.Errorf("New(%+v) = %v", o, err)
		}
	}
}
