package schema

import (
	"fmt"
	"strings"
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

// Validate implements Message: id and content hash are present, the times are set,
// and no string field holds a C0 control character other than tab and newline (see
// StripControls).
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
	var bad string
	m.strings(func(name string, s *string) {
		if bad == "" && hasControl(*s) {
			bad = name
		}
	})
	if bad != "" {
		return invalid(ArticleV1, "%s holds a control character (U+0000-U+001F other than tab and newline)", bad)
	}
	return checkTimes(ArticleV1, m.PublishedAt, m.ModifiedAt)
}

// StripControls removes from every string field of the article the C0 control
// characters (U+0000-U+001F) other than tab and newline: a page's text or metadata may
// carry them (a NUL in JSON-LD keywords), and databases refuse some of them
// (PostgreSQL refuses U+0000 in text).
func (m *Article) StripControls() {
	m.strings(func(_ string, s *string) {
		if hasControl(*s) {
			*s = strings.Map(func(r rune) rune {
				if isControl(r) {
					return -1
				}
				return r
			}, *s)
		}
	})
}

// strings calls f with the JSON name and address of every string field of the article.
func (m *Article) strings(f func(name string, s *string)) {
	f("id", &m.ID)
	f("url", &m.URL)
	f("canonical_url", &m.CanonicalURL)
	f("site_name", &m.SiteName)
	f("title", &m.Title)
	f("description", &m.Description)
	f("organization", &m.Organization)
	f("published_precision", &m.PublishedPrecision)
	f("modified_precision", &m.ModifiedPrecision)
	f("language", &m.Language)
	f("section", &m.Section)
	f("body_text", &m.BodyText)
	f("body_html", &m.BodyHTML)
	f("body_markdown", &m.BodyMarkdown)
	f("content_hash", &m.ContentHash)
	f("extractor_version", &m.ExtractorVersion)
	f("lineage.request_id", &m.Lineage.RequestID)
	f("lineage.raw_id", &m.Lineage.RawID)
	f("lineage.cleaned_id", &m.Lineage.CleanedID)
	f("lineage.cleaner_version", &m.Lineage.CleanerVersion)
	for i := range m.Authors {
		f("authors", &m.Authors[i])
	}
	for i := range m.Tags {
		f("tags", &m.Tags[i])
	}
	if m.LeadImage != nil {
		f("lead_image.url", &m.LeadImage.URL)
		f("lead_image.caption", &m.LeadImage.Caption)
		f("lead_image.alt", &m.LeadImage.Alt)
	}
	for i := range m.LivePosts {
		f("live_posts.headline", &m.LivePosts[i].Headline)
		f("live_posts.text", &m.LivePosts[i].Text)
	}
}

func isControl(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' }

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if isControl(rune(s[i])) {
			return true
		}
	}
	return false
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
