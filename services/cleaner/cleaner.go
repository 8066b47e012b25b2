// Package cleaner is the cleaner stage's wiring: it reads raw pages from the raw
// stream (RawPage JSON or a bare page body), resolves the body wherever it travels
// (inline, gzip or claim check), cleans it with package clean, and publishes a
// schema.CleanedPage on news.cleaned.<domain>, gzip-compressed (header
// Content-Encoding: gzip; every pkg/schema decoder reads it). The cleaning itself lives in package
// clean and knows nothing of NATS.
//
// Failures: a message that does not decode, and a page clean rejects (empty, binary,
// too large), go to dead letters (reasons malformed, unknown_version, invalid,
// unprocessable; a raw page without any bytes is unprocessable, like any empty page). A claim-checked body that is gone or does not match its hash is
// unprocessable too. A cleaned page larger than the server's max payload (a page of
// megabytes of text) is cut at a tag boundary to fit and marked truncated: a
// best-effort result, not a lost page.
package cleaner

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/clean"
)

// Name is the stage's name: its consumer, metrics label and dead-letter subject.
const Name = "cleaner"

// Service returns the cleaner stage of the given version (the version goes into every
// CleanedPage and its id, so a new cleaner re-cleans replayed raw pages).
//
// The stage needs the object store bucket schema.PageBucket to resolve claim checks: it
// creates it at start, or, with provisioning off, waits for it to be declared (not
// ready meanwhile, the reason on /readyz and in the log); its readiness check fails
// while the bucket is missing, and a claim check met then pauses the stage instead of
// failing the page.
func Service(version string) stage.Service {
	var bucket atomic.Pointer[func(context.Context) error]
	return stage.Service{
		Name:     Name,
		Version:  version,
		Consumer: schema.CleanerConsumer,
		Streams:  []schema.StreamSpec{schema.RawStream, schema.CleanedStream},
		Setup: func(ctx context.Context, d stage.Deps) (stage.Handler, error) {
			check := func(ctx context.Context) error {
				return stage.Unavailable(claimcheck.Check(ctx, d.JS, d.Provision))
			}
			if err := check(ctx); err != nil {
				return nil, err
			}
			bucket.Store(&check)
			return Handler(version, d.JS, d.MaxPayload()), nil
		},
		Ready: func(ctx context.Context) error {
			if check := bucket.Load(); check != nil {
				return (*check)(ctx)
			}
			return nil
		},
	}
}

// MissingBodyDeliveries is the delivery on which a raw page whose claim-checked body
// is not in the page bucket is dead-lettered (unprocessable); earlier deliveries fail
// as transient and are retried after the back-off. A bucket declared again after an
// outage is empty until its objects are put back: a page met in between is not lost.
const MissingBodyDeliveries = 3

// Handler returns the cleaner's message handler; js reads claim-checked bodies, and
// maxPayload (0: no limit) bounds the cleaned page's message.
func Handler(version string, js jetstream.ObjectStoreManager, maxPayload int64) stage.Handler {
	return func(ctx context.Context, m *stage.Msg) ([]stage.Output, error) {
		raw, err := schema.DecodeRawPageMessage(m.Header, m.Data, m.Received)
		switch {
		case errors.Is(err, schema.ErrEmptyBody):
			return nil, stage.Permanent(schema.ReasonUnprocessable, fmt.Errorf("raw page: %w", err))
		case err != nil:
			return nil, fmt.Errorf("decoding raw page: %w", err)
		}
		body, err := claimcheck.PageBody(ctx, js, raw)
		switch {
		case errors.Is(err, claimcheck.ErrNoBucket):
			return nil, stage.Unavailable(fmt.Errorf("raw page %s: %w", raw.ID, err))
		case errors.Is(err, claimcheck.ErrMissing) && m.Deliveries < MissingBodyDeliveries:
			return nil, fmt.Errorf("raw page %s (delivery %d of %d before it is dead-lettered): %w",
				raw.ID, m.Deliveries, MissingBodyDeliveries, err)
		case errors.Is(err, claimcheck.ErrMissing), errors.Is(err, claimcheck.ErrCorrupt), errors.Is(err, claimcheck.ErrTooLarge):
			return nil, stage.Permanent(schema.ReasonUnprocessable, fmt.Errorf("raw page %s: %w", raw.ID, err))
		case err != nil:
			return nil, fmt.Errorf("raw page %s body: %w", raw.ID, err)
		}
		page, err := CleanPage(raw, body, version, time.Now())
		if err != nil {
			return nil, err
		}
		data, err := encodeToFit(page, maxPayload)
		if err != nil {
			return nil, fmt.Errorf("encoding cleaned page: %w", err)
		}
		if data, err = compress(data); err != nil {
			return nil, fmt.Errorf("compressing cleaned page %s: %w", page.ID, err)
		}
		return []stage.Output{{
			Subject: subject(schema.CleanedSubjectPrefix, page.URL, m.Subject),
			Schema:  schema.CleanedPageV2,
			MsgID:   page.ID,
			Data:    data,
			Header:  map[string][]string{schema.HeaderContentEncoding: {schema.ContentEncodingGzip}},
		}}, nil
	}
}

// CleanPage cleans the raw page whose uncompressed body is given and returns the
// cleaned page: id CleanedPageID(raw.ID, version), URL the page's final URL, lineage
// and FetchedAt from the raw page, CleanedAt now in UTC. A page clean rejects (and any
// other clean error: the same bytes always fail the same way) gives a permanent error
// with reason schema.ReasonUnprocessable, wrapping clean's sentinel. body is handed
// over to clean (clean.Options.HandOver): the caller must not change it afterwards.
func CleanPage(raw *schema.RawPage, body []byte, version string, now time.Time) (*schema.CleanedPage, error) {
	url := raw.PageURL()
	page, err := clean.Clean(body, clean.Options{URL: url, ContentType: raw.ContentType, HandOver: true})
	if err != nil {
		return nil, stage.Permanent(schema.ReasonUnprocessable, fmt.Errorf("cleaning raw page %s: %w", raw.ID, err))
	}
	page.ID = schema.CleanedPageID(raw.ID, version)
	page.URL = url
	page.FetchedAt = raw.FetchedAt
	page.CleanedAt = now.UTC()
	page.CleanerVersion = version
	page.RawID = raw.ID
	page.RequestID = raw.RequestID
	return page, nil
}

// subject is prefix.<domain of url>, or, for a page without URL, prefix followed by the
// domain token of the input's subject.
func subject(prefix, url, inSubject string) string {
	token := schema.SubjectToken(inSubject)
	if url != "" || token == "" {
		token = schema.DomainToken(url)
	}
	return prefix + "." + token
}
