package schema

import (
	"strconv"
	"time"
)

// Fetch request kinds.
const (
	KindArticle = "article" // an article page: fetch it and publish a RawPage
	KindFeed    = "feed"    // an RSS 2.0, Atom or JSON feed: fetch it and request each item
	KindSitemap = "sitemap" // a sitemap or sitemap index (news sitemaps included)
)

// FetchRequest asks the fetcher for one URL.
type FetchRequest struct {
	Schema string `json:"schema"`
	// ID is deterministic: FetchRequestID(Kind, URL).
	ID   string `json:"id"`
	Kind string `json:"kind"`
	URL  string `json:"url"`
	// Source is the feed or sitemap the URL was found in, if any.
	Source      string    `json:"source,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
}

// FetchRequestID is the id of a request for url of the given kind.
func FetchRequestID(kind, url string) string {
	if n, err := NormalizeURL(url); err == nil {
		url = n
	}
	return ID(FetchRequestV1, kind, url)
}

// ObjectRef points at a page body stored in the JetStream object store (a claim
// check), used when a body is too large for one NATS message.
type ObjectRef struct {
	Bucket string `json:"bucket"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
}

// RawPage is a page exactly as a server returned it (or as a user published it).
//
// The body travels as bytes (base64 in JSON), never as a JSON string, so a page in any
// charset reaches the cleaner intact. Exactly one of Body and BodyRef is set.
type RawPage struct {
	Schema string `json:"schema"`
	// ID is deterministic: RawPageID(URL, ContentHash).
	ID string `json:"id"`
	// URL is the page's URL as requested; FinalURL the one after redirects.
	URL      string `json:"url,omitempty"`
	FinalURL string `json:"final_url,omitempty"`
	// StatusCode is the HTTP status, 0 when the page did not come from HTTP.
	StatusCode int `json:"status_code,omitempty"`
	// ContentType is the Content-Type header, which may name a charset.
	ContentType string `json:"content_type,omitempty"`
	// Body holds the page bytes; compressed when BodyEncoding is "gzip".
	Body         []byte     `json:"body,omitempty"`
	BodyEncoding string     `json:"body_encoding,omitempty"`
	BodyRef      *ObjectRef `json:"body_ref,omitempty"`
	// BodySize is the length of the uncompressed body in bytes.
	BodySize int64 `json:"body_size"`
	// ContentHash is the hex SHA-256 of the uncompressed body.
	ContentHash string    `json:"content_hash"`
	FetchedAt   time.Time `json:"fetched_at"`
	// RequestID links back to the FetchRequest, empty for published pages.
	RequestID string `json:"request_id,omitempty"`
}

// RawPageID is the id of a raw page: the same URL and bytes give the same id.
func RawPageID(url, contentHash string) string {
	return ID(RawPageV1, url, contentHash)
}

// PageURL returns the URL the page was finally served from.
func (p *RawPage) PageURL() string {
	if p.FinalURL != "" {
		return p.FinalURL
	}
	return p.URL
}

// How a CleanedPage's charset was decided (CleanedPage.CharsetSource).
const (
	// CharsetFromBOM: a byte order mark.
	CharsetFromBOM = "bom"
	// CharsetFromHeader: the charset of the page's Content-Type.
	CharsetFromHeader = "header"
	// CharsetFromMeta: a <meta charset> or <meta http-equiv="Content-Type"> declaration.
	CharsetFromMeta = "meta"
	// CharsetFromDetected: read from the bytes, because nothing declared the charset or
	// the page's non-ASCII bytes are valid UTF-8 under a legacy declaration.
	CharsetFromDetected = "detected"
	// CharsetFromDefault: nothing declared it and the bytes did not tell (ASCII only:
	// utf-8; too little or too ambiguous text: windows-1252).
	CharsetFromDefault = "default"
)

// Image is an article's lead image.
type Image struct {
	URL     string `json:"url"`
	Caption string `json:"caption,omitempty"`
	Alt     string `json:"alt,omitempty"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
}

// LivePost is one update of a live blog.
type LivePost struct {
	Headline    string     `json:"headline,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Text        string     `json:"text"`
}

// Lineage links an article back to the messages it was made from.
type Lineage struct {
	RequestID string `json:"request_id,omitempty"`
	RawID     string `json:"raw_id"`
	CleanedID string `json:"cleaned_id"`
	// CleanerVersion is the version of the cleaner that made the cleaned page the
	// article was extracted from.
	CleanerVersion string `json:"cleaner_version,omitempty"`
}

// Article is the pipeline's output: one structured news article.
//
// Times are RFC 3339 with the offset the page gave (published_at 2024-05-01T09:30:00+02:00
// stays +02:00); a field the page does not give is omitted. No string field holds a
// C0 control character (U+0000-U+001F) other than tab and newline.
type Article struct {
	Schema string `json:"schema"`
	// ID is stable across fetches: ArticleID(CanonicalURL).
	ID           string `json:"id"`
	URL          string `json:"url"`
	CanonicalURL string `json:"canonical_url"`
	SiteName     string `json:"site_name,omitempty"`
	Title        string `json:"title"`
	Description  string `json:"description,omitempty"`
	// Authors are person names in byline order; an organisation-only credit is in
	// Organization instead.
	Authors      []string   `json:"authors"`
	Organization string     `json:"organization,omitempty"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
	ModifiedAt   *time.Time `json:"modified_at,omitempty"`
	// PublishedPrecision is "day" when the page gives only the publication date (or
	// only its day could be trusted): PublishedAt is then 12:00 of that date, a
	// placeholder time (12:00 UTC unless the page declares its zone). It is empty
	// (omitted) when PublishedAt is a full time or absent.
	PublishedPrecision string `json:"published_precision,omitempty"`
	// ModifiedPrecision is the same for ModifiedAt.
	ModifiedPrecision string `json:"modified_precision,omitempty"`
	// Language is a BCP 47 primary subtag, e.g. "en".
	Language  string   `json:"language,omitempty"`
	Section   string   `json:"section,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	LeadImage *Image   `json:"lead_image,omitempty"`
	// BodyText is the article body as plain text, paragraphs separated by a blank line.
	BodyText string `json:"body_text"`
	// BodyHTML is the body as sanitized HTML: no scripts, styles, event handlers or
	// tracking pixels.
	BodyHTML     string `json:"body_html"`
	BodyMarkdown string `json:"body_markdown,omitempty"`
	WordCount    int    `json:"word_count"`
	// ReadingTimeMinutes is the estimated reading time, rounded up.
	ReadingTimeMinutes int        `json:"reading_time_minutes"`
	LivePosts          []LivePost `json:"live_posts,omitempty"`
	// Paywalled is set when the page declares or shows a paywall; Truncated when the
	// body is visibly cut short on the page, or was cut to fit the server's max payload.
	Paywalled bool `json:"paywalled,omitempty"`
	Truncated bool `json:"truncated,omitempty"`
	// ContentHash is the hex SHA-256 of the extracted content (title and body text):
	// a new hash for the same ID is a new version of the article.
	ContentHash      string    `json:"content_hash"`
	FetchedAt        time.Time `json:"fetched_at"`
	ExtractedAt      time.Time `json:"extracted_at"`
	ExtractorVersion string    `json:"extractor_version"`
	Lineage          Lineage   `json:"lineage"`
}

// ArticleContentHash is the content hash of an article with the given title and body.
func ArticleContentHash(title, bodyText string) string {
	return ContentHash([]byte(title + "\x00" + bodyText))
}

// ArticleMsgID is the Nats-Msg-Id of an article message: the same article content
// extracted again gives the same id.
func ArticleMsgID(a *Article) string {
	return ID(ArticleV1, a.ID, a.ContentHash, a.ExtractorVersion)
}

// DeadLetter records a message a stage could not process.
type DeadLetter struct {
	Schema string `json:"schema"`
	// ID is deterministic: DeadLetterID(Stage, Stream, StreamSeq), one per failed
	// message, however often it was delivered.
	ID    string `json:"id"`
	Stage string `json:"stage"`
	// Reason is a short machine-readable cause, one of the Reason* constants.
	Reason string `json:"reason"`
	// Error is the human-readable error.
	Error      string `json:"error"`
	Deliveries uint64 `json:"deliveries"`
	// Subject, Stream and StreamSeq locate the original message.
	Subject   string              `json:"subject"`
	Stream    string              `json:"stream,omitempty"`
	StreamSeq uint64              `json:"stream_seq,omitempty"`
	Headers   map[string][]string `json:"headers,omitempty"`
	// Payload is the original message body, byte for byte; only its beginning when
	// PayloadTruncated (the dead letter would not fit the server's max payload: the
	// original is at Stream/StreamSeq while the stream keeps it).
	Payload          []byte    `json:"payload"`
	PayloadTruncated bool      `json:"payload_truncated,omitempty"`
	FailedAt         time.Time `json:"failed_at"`
}

// Dead-letter reasons.
const (
	ReasonMalformed      = "malformed"       // not JSON, or not the message the subject carries
	ReasonUnknownVersion = "unknown_version" // a schema version this build cannot read
	ReasonInvalid        = "invalid"         // a known version missing required fields
	ReasonUnprocessable  = "unprocessable"   // the stage rejected the content (binary junk, empty page, ...)
	ReasonMaxDeliveries  = "max_deliveries"  // transient failures outlasted every delivery
	ReasonFetchFailed    = "fetch_failed"    // the fetcher gave up on a URL (4xx, robots, SSRF guard, ...)
	ReasonNoContent      = "no_content"      // the page yields no article body: nothing worth storing
)

// DeadLetterID is the id of the dead letter a stage publishes for the message at
// sequence seq of stream: one per failed message, so every failed message is kept
// (however many share one payload) and a redelivered one is kept once.
func DeadLetterID(stage, stream string, seq uint64) string {
	return ID(DeadLetterV1, stage, stream, strconv.FormatUint(seq, 10))
}
