package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/pkg/schema"
)

// Errors of reading and publishing pages.
var (
	// ErrEmptyPage: a file with no bytes (after decompression).
	ErrEmptyPage = errors.New("empty page")
	// ErrUnsupportedScheme: an argument that is a URL, but not http(s).
	ErrUnsupportedScheme = errors.New("unsupported URL scheme (want http or https, or a file)")
)

// isURL reports whether a command-line argument is an http(s) URL rather than a file.
func isURL(arg string) bool {
	l := strings.ToLower(arg)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// schemeRE matches an argument that starts like a URL ("ftp://...").
var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// pageSource says where page files come from and what to record about them.
type pageSource struct {
	// URL names the page; "" records none: the page is then named by its canonical
	// link, else by its content (an article stored under its raw page's id, with an
	// empty site). A file's path is never made into a URL.
	URL string
	// ContentType is recorded as the page's Content-Type (its charset tells the cleaner
	// how to decode a page that does not declare it); "" records none.
	ContentType string
	// Stdin is read for the path "-".
	Stdin io.Reader
}

// readPageFile reads a page file and returns the RawPage for it, without body and
// without URL unless src or a RawPage file gives one, and the uncompressed bytes: claimcheck.EncodeRawPage decides how they travel. The file holds
// HTML (gzip-compressed when its name ends in .gz), or a RawPage JSON message, whose
// URL, content type and body are used (src overrides the first two when set). "-" reads
// src.Stdin. The id and content hash are those of the uncompressed bytes, as the pipeline
// computes them. Errors: reading errors, ErrUnsupportedScheme for a non-http URL,
// ErrEmptyPage, and the schema's for a body that does not decompress or a RawPage that
// does not decode.
func readPageFile(path string, src pageSource, now time.Time) (*schema.RawPage, []byte, error) {
	if schemeRE.MatchString(path) {
		return nil, nil, fmt.Errorf("%s: %w", path, ErrUnsupportedScheme)
	}
	var (
		data []byte
		err  error
	)
	if path == "-" && src.Stdin != nil {
		data, err = io.ReadAll(src.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading page: %w", err)
	}
	p := &schema.RawPage{Schema: schema.RawPageV1, Body: data, FetchedAt: now.UTC()}
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		p.BodyEncoding = "gzip"
	}
	body, err := p.PlainBody()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if name, err := schema.PeekSchema(body); err == nil && strings.HasPrefix(name, "newsjet.raw_page.") {
		if p, err = schema.DecodeRawPage(body); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if body, err = p.PlainBody(); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if len(body) == 0 {
		return nil, nil, fmt.Errorf("%s: %w", path, ErrEmptyPage)
	}
	if src.URL != "" {
		p.URL, p.FinalURL = src.URL, ""
	}
	if src.ContentType != "" {
		p.ContentType = src.ContentType
	}
	p.Body, p.BodyEncoding, p.BodyRef = nil, "", nil
	p.BodySize = int64(len(body))
	p.ContentHash = schema.ContentHash(body)
	p.ID = schema.RawPageID(p.URL, p.ContentHash)
	return p, body, nil
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

// publishPage publishes a raw page with the given uncompressed body on subject ("" for
// its own raw subject): inline, gzip-compressed or claim-checked, whichever fits
// maxPayload first (claimcheck.EncodeRawPage). Its Nats-Msg-Id is publishMsgID: each
// publish is a delivery of its own, so the same page published again (a site that
// reverted an edit) is not dropped as a duplicate.
func publishPage(ctx context.Context, js jetstream.JetStream, p *schema.RawPage, body []byte, subject string, maxPayload int64) (*jetstream.PubAck, error) {
	data, err := claimcheck.EncodeRawPage(ctx, js, p, body, maxPayload)
	if err != nil {
		return nil, err
	}
	if subject == "" {
		subject = schema.RawSubject(p.PageURL())
	}
	return publishMessage(ctx, js, subject, schema.RawPageV1, publishMsgID(p), data)
}

// publishMsgID is the Nats-Msg-Id of a page published by this command: its id and the
// time it was read, the same for the client's own retries of that publish.
func publishMsgID(p *schema.RawPage) string {
	return schema.ID(p.ID, p.FetchedAt.UTC().Format(time.RFC3339Nano))
}
