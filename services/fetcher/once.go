package fetcher

import (
	"fmt"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher/discover"
)

// Requests returns one FetchRequest per URL, for `newsjet run --once URL...` and
// `newsjet publish`: kind guessed from the URL by discover.GuessKind (the fetcher checks
// the content anyway, so a feed or sitemap at an article-looking URL is still followed).
// Publish each with RequestMsg. A URL that is not absolute http(s) is an error wrapping
// schema.ErrBadURL that names it.
func Requests(urls []string, now time.Time) ([]*schema.FetchRequest, error) {
	out := make([]*schema.FetchRequest, 0, len(urls))
	for _, u := range urls {
		if _, err := schema.NormalizeURL(u); err != nil {
			return nil, err
		}
		kind := discover.GuessKind(u)
		out = append(out, &schema.FetchRequest{
			Schema: schema.FetchRequestV1, ID: schema.FetchRequestID(kind, u), Kind: kind, URL: u, RequestedAt: now.UTC(),
		})
	}
	return out, nil
}

// DocumentRequests reads a local file's bytes: when it is a feed or sitemap it returns
// one FetchRequest per link (relative links resolved against docURL, which may be
// empty for absolute links only), with ok set; for anything else (an HTML page to
// publish as a raw page) ok is false. A feed or sitemap that does not parse is an error
// wrapping discover.ErrNotDiscoverable.
func DocumentRequests(body []byte, docURL string, now time.Time) (reqs []*schema.FetchRequest, ok bool, err error) {
	kind := discover.Detect(body, "")
	if kind != schema.KindFeed && kind != schema.KindSitemap {
		return nil, false, nil
	}
	doc, err := discover.Parse(body, "", docURL, kind)
	if err != nil {
		return nil, true, err
	}
	for _, l := range doc.Links {
		reqs = append(reqs, &schema.FetchRequest{
			Schema: schema.FetchRequestV1, ID: schema.FetchRequestID(l.Kind, l.URL), Kind: l.Kind, URL: l.URL,
			Source: docURL, RequestedAt: now.UTC(),
		})
	}
	if len(reqs) == 0 {
		return nil, true, fmt.Errorf("%w: %s has no links", discover.ErrNotDiscoverable, docURL)
	}
	return reqs, true, nil
}
