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
// the day ends the segment or is followed by "-", "_" or "."; reURLDayFirst a
// date written day first, the year last, a whole segment or the start of one:
// "/29-10-2021", "/~02-01-2022-land-...", "/08112021-online-...".
var (
	reURLDate     = regexp.MustCompile(`/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:[/_.-]|$)`)
	reURLDayFirst = regexp.MustCompile(`/~?(\d{2})[-.]?(\d{2})[-.]?((?:19|20)\d\d)(?:[/_.-]|$)`)
)

// urlDay returns the date in the path of the first of urls that has one (a
// canonical URL, then the page's own), as a day without clock. A date written
// day first is read so, unless only month first makes it a date (weisser-ring.de,
// regenbogenportal.de, brandenburg.de in the dev corpora).
func urlDay(urls ...string) (textDate, bool) {
	valid := func(y int, mo time.Month, d int) bool {
		t := time.Date(y, mo, d, 12, 0, 0, 0, time.UTC)
		return mo >= 1 && mo <= 12 && t.Month() == mo && t.Day() == d
	}
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			continue
		}
		if m := reURLDate.FindStringSubmatch(u.Path); m != nil {
			if y, mo, d := atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3]); valid(y, mo, d) {
				return textDate{year: y, month: mo, day: d}, true
			}
		}
		if m := reURLDayFirst.FindStringSubmatch(u.Path); m != nil {
			a, b, y := atoi(m[1]), atoi(m[2]), atoi(m[3])
			if valid(y, time.Month(b), a) {
				return textDate{year: y, month: time.Month(b), day: a}, true
			}
			if valid(y, time.Month(a), b) {
				return textDate{year: y, month: time.Month(a), day: b}, true
			}
		}
	}
	return textDate{}, false
}
