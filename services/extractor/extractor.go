// Package extractor is the extractor stage's wiring: it reads cleaned pages, turns each
// into a schema.Article with package extract, fills in lineage, times, version, content
// hash and id, and publishes it on news.extracted.<domain of the canonical URL>. The
// extraction itself lives in package extract and knows nothing of NATS.
//
// A message that does not decode goes to dead letters (reasons malformed,
// unknown_version, invalid); a page extract rejects (empty) with reason unprocessable,
// and a page without body text with reason no_content.
package extractor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/extractor/extract"
)

// Name is the stage's name: its consumer, metrics label and dead-letter subject.
const Name = "extractor"

// ErrNoContent: the cleaned page yields no article body.
var ErrNoContent = errors.New("extractor: the page has no article body")

// Service returns the extractor stage of the given version (the version goes into
// every Article and its message id).
func Service(version string) stage.Service {
	return stage.Service{
		Name:     Name,
		Version:  version,
		Consumer: schema.ExtractorConsumer,
		Streams:  []schema.StreamSpec{schema.CleanedStream, schema.ExtractedStream},
		Setup: func(_ context.Context, d stage.Deps) (stage.Handler, error) {
			return Handler(version, d.MaxPayload()), nil
		},
	}
}

// Handler returns the extractor's message handler; maxPayload (0: no limit) bounds the
// article's message, see encodeToFit.
func Handler(version string, maxPayload int64) stage.Handler {
	return func(_ context.Context, m *stage.Msg) ([]stage.Output, error) {
		cp, err := schema.DecodeCleanedPage(m.Data)
		if err != nil {
			return nil, fmt.Errorf("decoding cleaned page: %w", err)
		}
		a, err := Article(cp, version, time.Now())
		if err != nil {
			return nil, err
		}
		data, err := encodeToFit(a, maxPayload)
		if err != nil {
			return nil, fmt.Errorf("encoding article %s: %w", a.ID, err)
		}
		key := a.CanonicalURL
		if key == "" {
			key = a.URL
		}
		token := schema.DomainToken(key)
		if key == "" {
			token = schema.SubjectToken(m.Subject)
		}
		return []stage.Output{{
			Subject: schema.ExtractedSubjectPrefix + "." + token,
			Schema:  schema.ArticleV1,
			MsgID:   schema.ArticleMsgID(a),
			Data:    data,
		}}, nil
	}
}

// Article extracts the article from a cleaned page (of any version) and completes it:
// URL (the page's when extract found none), lineage (with the version of the cleaner
// that made the page), FetchedAt, ExtractedAt (now, in UTC),
// ExtractorVersion, ContentHash, Truncated (also when the cleaner cut the page to fit
// its message), and ID: the one extract gave (or else the ArticleID
// of the canonical URL or URL), but for a page without any URL an id derived from the
// raw page's. Every C0 control character but tab and newline is stripped from its
// strings (schema.Article.StripControls). An extract error is permanent, reason
// schema.ReasonUnprocessable; a page without body text (nor live posts) is
// ErrNoContent, permanent with reason schema.ReasonNoContent: never an empty article.
func Article(cp *schema.CleanedPage, version string, now time.Time) (*schema.Article, error) {
	a, err := extract.Extract(cp, nil)
	if err != nil {
		return nil, stage.Permanent(schema.ReasonUnprocessable, fmt.Errorf("extracting cleaned page %s: %w", cp.ID, err))
	}
	if strings.TrimSpace(a.BodyText) == "" && len(a.LivePosts) == 0 {
		return nil, stage.Permanent(schema.ReasonNoContent, fmt.Errorf("%w: cleaned page %s", ErrNoContent, cp.ID))
	}
	if a.URL == "" {
		a.URL = cp.URL
	}
	a.Truncated = a.Truncated || cp.Truncated
	a.Lineage = schema.Lineage{RequestID: cp.RequestID, RawID: cp.RawID, CleanedID: cp.ID, CleanerVersion: cp.CleanerVersion}
	a.FetchedAt = cp.FetchedAt
	a.ExtractedAt = now.UTC()
	a.ExtractorVersion = version
	a.StripControls()
	a.ContentHash = schema.ArticleContentHash(a.Title, a.BodyText)
	switch {
	case a.CanonicalURL == "" && a.URL == "":
		// extract names a page by its URL; without any, every such page would share
		// one id.
		a.ID = schema.RawArticleID(cp.RawID)
	case a.ID != "":
	case a.CanonicalURL != "":
		a.ID = schema.ArticleID(a.CanonicalURL)
	default:
		a.ID = schema.ArticleID(a.URL)
	}
	return a, nil
}
