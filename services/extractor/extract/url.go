package extract

import (
	"net/url"
	"strings"

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
