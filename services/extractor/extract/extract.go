// Package extract turns a cleaned page (schema.CleanedPage, the output of the
// cleaner: head metadata, candidate headlines and metadata elements, main content as
// sanitized HTML) into a structured schema.Article. It parses the content only, with
// the cleaner's own parser (htmlparse); a page of the first version of the contract
// (newsjet.cleaned_page.v1, one HTML document) is read by a compatibility path that
// parses that document instead (see v1.go).
//
// It is a pure package: no I/O, safe for concurrent use.
//
// # Dates and time zones
//
// PublishedAt and ModifiedAt keep the offset the page gives. A time shown or
// declared without a zone is read in a zone the page itself reveals: an offset
// declared on another of its times, the zone named next to the shown clock
// ("19:14 GMT"), the offset between a shown local clock and a zoneless declared
// time of the same minute (the page shows local time, its metadata the UTC
// instant), or the one zone of a Korean, Japanese or Chinese page. When the page
// reveals no zone, the instant is unknowable to within a day, and no zone is
// guessed: only the day is kept, as 12:00 UTC of the date shown. The same
// encoding is used for a date given without any clock. Noon names the same
// calendar day in every zone from UTC-12 to UTC+11, where midnight UTC would be
// the day before anywhere west of Greenwich. Such a day-only time is flagged
// with PublishedPrecision (ModifiedPrecision) "day"; both are empty for a full
// time.
package extract

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// ErrEmpty is returned (wrapped) by Extract for a page without anything to read: no
// content, headline, candidate or head metadata (or an empty v1 document).
var ErrEmpty = errors.New("extract: empty page")

// options describe the page a cleaned page came from.
type options struct {
	URL       string    // page URL (final URL after redirects), used to resolve relative links and as canonical fallback
	FetchedAt time.Time // used as a reference for relative dates
}

// Extract returns the structured article of a cleaned page: content fields (body
// text, HTML, Markdown, word count, reading time, live posts, truncation) and
// metadata (title, authors, dates, language, canonical URL, site, description,
// section, tags, lead image, paywall). The page's URL resolves links and is the
// canonical fallback; its FetchedAt bounds plausible dates. The stage wiring adds
// lineage ids and timestamps.
//
// A page without content still gives an article (with metadata only); a page
// without anything to read is ErrEmpty. par are the thresholds to extract with;
// nil means DefaultParams.
func Extract(cp *schema.CleanedPage, par *Params) (*schema.Article, error) {
	if par == nil {
		par = &defaultParams
	}
	p, err := readPage(cp, par)
	if err != nil {
		return nil, err
	}
	opts := options{URL: cp.URL, FetchedAt: cp.FetchedAt}
	a := &schema.Article{Schema: schema.ArticleV1, URL: opts.URL, Authors: []string{}}
	fillMetadata(a, p, opts)
	base, _ := url.Parse(opts.URL)
	fillBody(a, p.content, base, par)
	fillLivePosts(a, p.content, par)
	return a, nil
}

// readPage reads a cleaned page of either version into the form the extraction reads.
func readPage(cp *schema.CleanedPage, par *Params) (*page, error) {
	if cp.Schema == schema.CleanedPageV1 || cp.V1HTML != "" {
		if strings.TrimSpace(cp.V1HTML) == "" {
			return nil, fmt.Errorf("%w: v1 page %s has no document", ErrEmpty, cp.ID)
		}
		v2, content := fromV1(cp.V1HTML)
		return newPage(v2, content, par), nil
	}
	h := &cp.Head
	if cp.Content == "" && len(cp.Headlines) == 0 && len(cp.Candidates) == 0 && h.Title == "" &&
		len(h.Meta) == 0 && len(h.Links) == 0 && len(h.JSONLD) == 0 && len(h.JSONLDText) == 0 {
		return nil, fmt.Errorf("%w: page %s", ErrEmpty, cp.ID)
	}
	return newPage(cp, htmlparse.Body(cp.Content), par), nil
}
