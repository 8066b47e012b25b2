package schema

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// ErrBadURL is returned for a URL that is not an absolute http or https URL.
var ErrBadURL = errors.New("schema: not an absolute http(s) URL")

// trackingParams are query parameters that only identify a campaign or a click; they
// never change which page is served, so normalisation drops them.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gclsrc": true, "msclkid": true,
	"yclid": true, "mc_cid": true, "mc_eid": true, "igshid": true, "_ga": true,
	"_gl": true, "ref_src": true, "traffic_source": true, "cmpid": true, "ocid": true,
	"wt_mc": true, "ito": true, "at_medium": true, "at_campaign": true, "smid": true,
	"sr_share": true, "share": true, "ncid": true, "__twitter_impression": true,
}

// isTrackingParam reports whether the query parameter name only tracks a visit.
func isTrackingParam(name string) bool {
	n := strings.ToLower(name)
	return trackingParams[n] || strings.HasPrefix(n, "utm_") || strings.HasPrefix(n, "pk_") ||
		strings.HasPrefix(n, "mtm_") || strings.HasPrefix(n, "hmb_")
}

// NormalizeURL returns the canonical spelling of an http(s) URL, used for article
// identity and for the fetcher's seen-set: scheme and host lower-cased, default ports and
// the fragment removed, an empty path made "/", tracking parameters (utm_*, fbclid,
// gclid, traffic_source, ...) removed and the remaining query sorted by name (values keep
// their order). It returns ErrBadURL for anything but an absolute http or https URL.
func NormalizeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadURL, raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: %q", ErrBadURL, raw)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	host = strings.TrimSuffix(host, ".")
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery = normalizeQuery(u.RawQuery)
	u.ForceQuery = false
	return u.String(), nil
}

// normalizeQuery drops tracking parameters and sorts the rest by name, stably.
func normalizeQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if dec, err := url.QueryUnescape(name); err == nil {
			name = dec
		}
		if isTrackingParam(name) {
			continue
		}
		kept = append(kept, p)
	}
	sort.SliceStable(kept, func(i, j int) bool {
		ni, _, _ := strings.Cut(kept[i], "=")
		nj, _, _ := strings.Cut(kept[j], "=")
		return ni < nj
	})
	return strings.Join(kept, "&")
}

// hostOf returns the lower-cased host (without port) of a URL or of a bare host name.
func hostOf(hostOrURL string) string {
	s := strings.TrimSpace(hostOrURL)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	return strings.TrimSuffix(strings.ToLower(s), ".")
}
