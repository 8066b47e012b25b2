// Package state keeps the fetcher's shared memory in JetStream key-value buckets, so
// every replica sees it and a restart keeps it: the URLs already fetched (the seen set,
// expiring after a horizon), the conditional-GET validators of each URL, poll leases that
// let exactly one replica poll a source per interval, and short-lived claims on requested
// links so a link waiting in the queue is not requested again.
package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Bucket names.
const (
	SeenBucket       = "NEWS_FETCH_SEEN"
	ValidatorsBucket = "NEWS_FETCH_VALIDATORS"
	LeasesBucket     = "NEWS_FETCH_LEASES"
)

// ErrState wraps every key-value failure; such failures are transient.
var ErrState = errors.New("state: key-value store")

// Options configure Open. Zero fields take the defaults given.
type Options struct {
	// Horizon is how long a fetched URL counts as seen, and how long its validators
	// are kept (default 30 days).
	Horizon time.Duration
	// Replicas of the buckets (default 1).
	Replicas int
}

// Store is the fetcher's state. Safe for concurrent use.
type Store struct {
	seen, validators, leases jetstream.KeyValue
}

// Open opens the three buckets, creating them when missing (or updating their TTL).
func Open(ctx context.Context, js jetstream.KeyValueManager, opt Options) (*Store, error) {
	if opt.Horizon <= 0 {
		opt.Horizon = 30 * 24 * time.Hour
	}
	if opt.Replicas <= 0 {
		opt.Replicas = 1
	}
	open := func(cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
		cfg.Replicas, cfg.Storage = opt.Replicas, jetstream.FileStorage
		kv, err := js.CreateOrUpdateKeyValue(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("%w: opening bucket %s: %w", ErrState, cfg.Bucket, err)
		}
		return kv, nil
	}
	var s Store
	var err error
	if s.seen, err = open(jetstream.KeyValueConfig{Bucket: SeenBucket, Description: "URLs the fetcher fetched", TTL: opt.Horizon}); err != nil {
		return nil, err
	}
	if s.validators, err = open(jetstream.KeyValueConfig{Bucket: ValidatorsBucket, Description: "ETag/Last-Modified per URL", TTL: opt.Horizon}); err != nil {
		return nil, err
	}
	if s.leases, err = open(jetstream.KeyValueConfig{Bucket: LeasesBucket, Description: "poll leases and pending requests", LimitMarkerTTL: time.Minute}); err != nil {
		return nil, err
	}
	return &s, nil
}

// key maps a URL to a valid key: the hex id of its normalised form.
func key(rawURL string) string {
	if n, err := schema.NormalizeURL(rawURL); err == nil {
		rawURL = n
	}
	return schema.ID("url", rawURL)
}

// Seen reports whether rawURL (normalised) was fetched within the horizon.
func (s *Store) Seen(ctx context.Context, rawURL string) (bool, error) {
	_, err := s.seen.Get(ctx, key(rawURL))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return false, nil
	}
	return false, fmt.Errorf("%w: seen %s: %w", ErrState, rawURL, err)
}

// MarkSeen records that rawURL was fetched at t.
func (s *Store) MarkSeen(ctx context.Context, rawURL string, t time.Time) error {
	if _, err := s.seen.Put(ctx, key(rawURL), []byte(t.UTC().Format(time.RFC3339))); err != nil {
		return fmt.Errorf("%w: marking %s seen: %w", ErrState, rawURL, err)
	}
	return nil
}

// Validators are what a conditional GET of a URL sends, and until when the last answer
// stays fresh by its caching headers.
type Validators struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	FreshUntil   time.Time `json:"fresh_until,omitzero"`
}

// Validators returns the validators stored for rawURL; ok is false when there are none.
func (s *Store) Validators(ctx context.Context, rawURL string) (v Validators, ok bool, err error) {
	e, err := s.validators.Get(ctx, key(rawURL))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return v, false, nil
	case err != nil:
		return v, false, fmt.Errorf("%w: validators of %s: %w", ErrState, rawURL, err)
	}
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		// A value this build cannot read is as good as none: the next GET is unconditional.
		return Validators{}, false, nil
	}
	return v, true, nil
}

// SaveValidators stores rawURL's validators; empty validators delete the entry.
func (s *Store) SaveValidators(ctx context.Context, rawURL string, v Validators) error {
	if v.ETag == "" && v.LastModified == "" && v.FreshUntil.IsZero() {
		if err := s.validators.Delete(ctx, key(rawURL)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("%w: deleting validators of %s: %w", ErrState, rawURL, err)
		}
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: encoding validators: %w", ErrState, err)
	}
	if _, err := s.validators.Put(ctx, key(rawURL), b); err != nil {
		return fmt.Errorf("%w: saving validators of %s: %w", ErrState, rawURL, err)
	}
	return nil
}

// ClaimRequest records that a request for rawURL (normalised) is on its way, for ttl,
// and reports whether no such claim was live: a link that several feeds, or several
// polls of one feed, point at while its request waits in the queue is requested once.
func (s *Store) ClaimRequest(ctx context.Context, rawURL string, ttl time.Duration) (bool, error) {
	ttl = max(ttl.Round(time.Second), time.Second)
	_, err := s.leases.Create(ctx, schema.ID("pending", key(rawURL)), nil, jetstream.KeyTTL(ttl))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyExists):
		return false, nil
	}
	return false, fmt.Errorf("%w: claiming %s: %w", ErrState, rawURL, err)
}

// AcquireLease takes the lease named name for ttl (at least one second) on behalf of
// holder. It returns the lease's revision (unique per grant) and true when taken, or
// false when another holder's lease has not expired yet. Leases are never released
// early: the lease is the schedule, and expires by itself.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (uint64, bool, error) {
	ttl = max(ttl.Round(time.Second), time.Second)
	rev, err := s.leases.Create(ctx, schema.ID("lease", name), []byte(holder), jetstream.KeyTTL(ttl))
	switch {
	case err == nil:
		return rev, true, nil
	case errors.Is(err, jetstream.ErrKeyExists):
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("%w: lease %s: %w", ErrState, name, err)
}
