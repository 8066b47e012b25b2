package fetch

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Errors returned by Client.Get. Each error wraps exactly one of them, so callers can
// tell a URL to give up on from a failure worth retrying (see Temporary).
var (
	// ErrBadOption: an Options field is out of range.
	ErrBadOption = errors.New("fetch: bad option")
	// ErrBadURL: the URL does not parse or has no host.
	ErrBadURL = errors.New("fetch: bad URL")
	// ErrScheme: a URL (or a redirect target) is not http or https.
	ErrScheme = errors.New("fetch: only http and https are fetched")
	// ErrForbiddenAddress: the host resolves only to addresses the SSRF guard refuses
	// (loopback, private, link-local, multicast, unspecified, reserved).
	ErrForbiddenAddress = errors.New("fetch: address refused by the SSRF guard")
	// ErrTooManyRedirects: more redirects than Options.MaxRedirects (a loop ends here).
	ErrTooManyRedirects = errors.New("fetch: too many redirects")
	// ErrRedirectRefused: Request.CheckRedirect refused a redirect target. The hook's
	// error stays reachable; Temporary follows it (a robots.txt that could not be read
	// is temporary, a disallowed target is not).
	ErrRedirectRefused = errors.New("fetch: redirect refused")
	// ErrBodyTooLarge: the body on the wire is larger than Options.MaxBody.
	ErrBodyTooLarge = errors.New("fetch: body too large")
	// ErrDecodedTooLarge: the body inflates past Options.MaxDecoded (a compression bomb).
	ErrDecodedTooLarge = errors.New("fetch: decompressed body too large")
	// ErrUnsupportedType: the content type is not one the request accepts; the page is
	// skipped. The error text names the type.
	ErrUnsupportedType = errors.New("fetch: content type skipped")
	// ErrBadEncoding: an unknown Content-Encoding, or a body that does not decompress.
	ErrBadEncoding = errors.New("fetch: bad content encoding")
	// ErrTimeout: the connect, read or total timeout expired.
	ErrTimeout = errors.New("fetch: timeout")
	// ErrNoSuchHost: the host name does not exist (NXDOMAIN); not retried.
	ErrNoSuchHost = errors.New("fetch: no such host")
	// ErrNetwork: the connection failed or broke (DNS timeout, refused, reset).
	ErrNetwork = errors.New("fetch: network error")
	// ErrStatus: the server answered with a status other than 2xx or 304; the error
	// is a *StatusError.
	ErrStatus = errors.New("fetch: unexpected HTTP status")
)

// StatusError is an HTTP answer other than 2xx or 304.
type StatusError struct {
	URL  string
	Code int
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%v: %d from %s", ErrStatus, e.Code, e.URL)
}

// Unwrap makes errors.Is(err, ErrStatus) true.
func (e *StatusError) Unwrap() error { return ErrStatus }

// Temporary reports whether the status is worth retrying later: 408, 425, 429 and 5xx
// except 501 (not implemented) and 505 (version not supported).
func (e *StatusError) Temporary() bool {
	switch e.Code {
	case 408, 425, 429:
		return true
	case 501, 505:
		return false
	}
	return e.Code >= 500 && e.Code <= 599
}

// Temporary reports whether a Get error is worth retrying: timeouts, network errors and
// temporary statuses. Guard refusals, unknown hosts, bad URLs, size limits, skipped
// types, permanent 4xx and redirect limits are not.
func Temporary(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrNetwork)
}

// RetryAfter returns the server's Retry-After carried by err, or zero.
func RetryAfter(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// classify wraps a transport error in the matching sentinel, keeping the original text.
func classify(err error) error {
	for _, known := range []error{ErrForbiddenAddress, ErrScheme, ErrTooManyRedirects, ErrBadURL, ErrNoSuchHost, ErrRedirectRefused} {
		if errors.Is(err, known) {
			return err
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: %v", ErrTimeout, err)
	}
	return fmt.Errorf("%w: %v", ErrNetwork, err)
}
