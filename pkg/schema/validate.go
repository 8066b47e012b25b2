package schema

import (
	"fmt"
	"time"
)

func invalid(schema, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, schema, fmt.Sprintf(format, args...))
}

// Validate implements Message: kind is one of the Kind* constants and URL an absolute
// http(s) URL.
func (m *FetchRequest) Validate() error {
	switch m.Kind {
	case KindArticle, KindFeed, KindSitemap:
	default:
		return invalid(FetchRequestV1, "kind %q is not article, feed or sitemap", m.Kind)
	}
	if _, err := NormalizeURL(m.URL); err != nil {
		return invalid(FetchRequestV1, "url: %v", err)
	}
	if m.ID == "" {
		return invalid(FetchRequestV1, "id is empty")
	}
	return nil
}

// Validate implements Message: exactly one of body and body_ref is set (neither is
// ErrEmptyBody), the id and content hash are present, and url and final_url, when set,
// are absolute http(s) URLs.
func (m *RawPage) Validate() error {
	for _, u := range []string{m.URL, m.FinalURL} {
		if u == "" {
			continue
		}
		if _, err := NormalizeURL(u); err != nil {
			return invalid(RawPageV1, "page url: %v", err)
		}
	}
	if m.ID == "" {
		return invalid(RawPageV1, "id is empty")
	}
	if m.ContentHash == "" {
		return invalid(RawPageV1, "content_hash is empty")
	}
	hasBody, hasRef := len(m.Body) > 0, m.BodyRef != nil
	switch {
	case !hasBody && !hasRef:
		return ErrEmptyBody
	case hasBody && hasRef:
		return invalid(RawPageV1, "body and body_ref are both set")
	}
	if hasRef && (m.BodyRef.Bucket == "" || m.BodyRef.Name == "") {
		return invalid(RawPageV1, "body_ref needs bucket and name")
	}
	if m.BodyEncoding != "" && m.BodyEncoding != "gzip" {
		return invalid(RawPageV1, "body_encoding %q is not gzip", m.BodyEncoding)
	}
	return nil
}

// Validate implements Message: id and raw_id are present, and every candidate's depth
// is at most one more than the one before it (the first's is 0).
func (m *CleanedPage) Validate() error {
	if m.ID == "" || m.RawID == "" {
		return invalid(m.SchemaName(), "id and raw_id are required")
	}
	prev := -1
	for i, c := range m.Candidates {
		if c.Depth < 0 || c.Depth > prev+1 {
			return invalid(m.SchemaName(), "candidate %d has depth %d after depth %d", i, c.Depth, prev)
		}
		prev = c.Depth
	}
	return nil
}

// Validate implements Message: id and content hash are present, and the times are set.
func (m *Article) Validate() error {
	if m.ID == "" {
		return invalid(ArticleV1, "id is empty")
	}
	if m.ContentHash == "" {
		return invalid(ArticleV1, "content_hash is empty")
	}
	if m.ExtractedAt.IsZero() {
		return invalid(ArticleV1, "extracted_at is zero")
	}
	return checkTimes(ArticleV1, m.PublishedAt, m.ModifiedAt)
}

func checkTimes(schema string, ts ...*time.Time) error {
	for _, t := range ts {
		if t != nil && (t.Year() < 1 || t.Year() > 9999) {
			return invalid(schema, "time %v out of range", t)
		}
	}
	return nil
}

// Validate implements Message: stage and reason are present.
func (m *DeadLetter) Validate() error {
	if m.ID == "" || m.Stage == "" || m.Reason == "" {
		return invalid(DeadLetterV1, "id, stage and reason are required")
	}
	return nil
}
