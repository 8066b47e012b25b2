package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Errors of reading and publishing pages.
var (
	// ErrEmptyPage: a file with no bytes (after decompression).
	ErrEmptyPage = errors.New("empty page")
	// ErrTooLarge: a page that does not fit in one NATS message even gzip-compressed.
	ErrTooLarge = errors.New("page too large for one message")
)

// headerAllowance is room left in a message for its headers when checking max_payload.
const headerAllowance = 512

// isURL reports whether a command-line argument is an http(s) URL rather than a file.
func isURL(arg string) bool {
	l := strings.ToLower(arg)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// fileURL is the page URL given to a file published without one: file://<absolute path>.
// It keeps pages without a canonical link apart (the article id derives from it).
func fileURL(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// readPage reads an HTML file (gzip-compressed when its name ends in .gz) and returns the
// RawPage that carries it; the compressed bytes travel as they are, with body_encoding
// gzip. pageURL names the page, "" gives fileURL(path). The id and content hash are those
// of the uncompressed bytes, as the pipeline computes them.
func readPage(path, pageURL string, now time.Time) (*schema.RawPage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading page: %w", err)
	}
	if pageURL == "" {
		pageURL = fileURL(path)
	}
	p := &schema.RawPage{Schema: schema.RawPageV1, URL: pageURL, Body: data, FetchedAt: now.UTC()}
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		p.BodyEncoding = "gzip"
	}
	plain, err := p.PlainBody()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(plain) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrEmptyPage)
	}
	p.BodySize = int64(len(plain))
	p.ContentHash = schema.ContentHash(plain)
	p.ID = schema.RawPageID(p.URL, p.ContentHash)
	return p, nil
}

// encodePage encodes p as a RawPage message no larger than maxPayload: an uncompressed
// body that does not fit is gzip-compressed first. A page that still does not fit gives
// ErrTooLarge.
func encodePage(p *schema.RawPage, maxPayload int64) ([]byte, error) {
	b, err := schema.Encode(p)
	if err != nil {
		return nil, err
	}
	if int64(len(b))+headerAllowance <= maxPayload {
		return b, nil
	}
	if p.BodyEncoding == "" {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		if _, err := zw.Write(p.Body); err != nil {
			return nil, fmt.Errorf("compressing page: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compressing page: %w", err)
		}
		zp := *p
		zp.Body, zp.BodyEncoding = zb.Bytes(), "gzip"
		if b, err = schema.Encode(&zp); err != nil {
			return nil, err
		}
		if int64(len(b))+headerAllowance <= maxPayload {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: %d bytes encoded, the server accepts %d", ErrTooLarge, len(b), maxPayload)
}

// fetchRequest returns the FetchRequest for a URL of the given kind.
func fetchRequest(rawURL, kind string, now time.Time) (*schema.FetchRequest, error) {
	r := &schema.FetchRequest{
		Schema:      schema.FetchRequestV1,
		ID:          schema.FetchRequestID(kind, rawURL),
		Kind:        kind,
		URL:         rawURL,
		RequestedAt: now.UTC(),
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// published describes one message published by publishMessage, as printed by publish.
type published struct {
	Input     string `json:"input"`
	Schema    string `json:"schema"`
	ID        string `json:"id"`
	Subject   string `json:"subject"`
	Stream    string `json:"stream"`
	Seq       uint64 `json:"seq"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// publishMessage publishes data with the newsjet headers (schema name and
// de-duplication id) and waits for the stream's acknowledgement.
func publishMessage(ctx context.Context, js jetstream.Publisher, subject, schemaName, id string, data []byte) (*jetstream.PubAck, error) {
	msg := nats.NewMsg(subject)
	msg.Data = data
	for k, v := range schema.Headers(schemaName, id) {
		msg.Header[k] = v
	}
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("publishing %s to %s: %w", schemaName, subject, err)
	}
	return ack, nil
}

// publishPage publishes a raw page on subject ("" for its own raw subject).
func publishPage(ctx context.Context, js jetstream.Publisher, p *schema.RawPage, subject string, maxPayload int64) (*jetstream.PubAck, error) {
	data, err := encodePage(p, maxPayload)
	if err != nil {
		return nil, err
	}
	if subject == "" {
		subject = schema.RawSubject(p.PageURL())
	}
	return publishMessage(ctx, js, subject, schema.RawPageV1, p.ID, data)
}

// publishRequest publishes a fetch request on subject ("" for its own fetch subject).
func publishRequest(ctx context.Context, js jetstream.Publisher, r *schema.FetchRequest, subject string) (*jetstream.PubAck, error) {
	data, err := schema.Encode(r)
	if err != nil {
		return nil, err
	}
	if subject == "" {
		subject = schema.FetchSubject(r.URL)
	}
	return publishMessage(ctx, js, subject, schema.FetchRequestV1, r.ID, data)
}
