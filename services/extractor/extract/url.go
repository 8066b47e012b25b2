package extract

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// fillURLs sets URL, CanonicalURL and ID. The canonical URL is the page's
// rel=canonical link (else og:url, else opts.URL), resolved against the page URL and
// normalised (tracking parameters removed); a canonical on another site's home page is
// ignored.
func fillURLs(a *schema.Article, p *page, opts options) {
	base := opts.URL
	if p.base != "" {
		base = resolveURL(opts.URL, p.base)
	}
	if a.URL == "" {
		a.URL = opts.URL
	}
	canon := ""
	for _, c := range [...]string{p.link(schema.RelCanonical), p.metaVal(schema.MetaURL), opts.URL} {
		if c == "" {
			continue
		}
		abs := resolveURL(base, c)
		n, err := schema.NormalizeURL(abs)
		if err != nil {
			continue
		}
		if u, err := url.Parse(n); err == nil && (u.Path == "/" || u.Path == "") && opts.URL != "" && c != opts.URL {
			continue // a canonical pointing at a home page is a template default, not this article
		}
		canon = n
		break
	}
	if canon == "" {
		canon = strings.TrimSpace(opts.URL)
	}
	a.CanonicalURL = canon
	a.ID = schema.ArticleID(canon)
}

// hostOf returns the host name of a URL, "" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// siteHost returns the host of the site a page belongs to: its URL's host, or for
// a Wayback Machine capture (web.archive.org/web/<time>/<url>) the captured page's.
func siteHost(raw string) string {
	h := hostOf(raw)
	if !strings.EqualFold(h, "web.archive.org") {
		return h
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return h
	}
	rest, ok := strings.CutPrefix(u.Path, "/web/")
	if !ok {
		return h
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		if orig := hostOf(rest[i+1:]); orig != "" {
			return orig
		}
	}
	return h
}

// resolveURL resolves ref against base; ref is returned as is when either is unusable.
func resolveURL(base, ref string) string {
	ref = strings.TrimSpace(ref)
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	if r.IsAbs() || base == "" {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// reURLDate finds a date in a URL path: "/2019/11/18/", "/2019/7/2/", "/2019-11-18/";
// the day ends the segment or is followed by "-", "_" or ".".
var reURLDate = regexp.MustCompile(`/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:[/_.-]|$)`)

// urlDay returns the date in the path of the first of urls that has one (a
// canonical URL, then the page's own), as a day without clock.
func urlDay(urls ...string) (textDate, bool) {
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			continue
		}
		m := reURLDate.FindStringSubmatch(u.Path)
		if m == nil {
			continue
		}
		y, mo, d := atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3])
		if t := time.Date(y, mo, d, 12, 0, 0, 0, time.UTC); t.Month() == mo && t.Day() == d {
			return textDate{year: y, month: mo, day: d}, true
		}
	}
	return textDate{}, false
}
