// Package claimcheck keeps page bodies too large for one NATS message in the JetStream
// object store bucket schema.PageBucket, and decides how a raw page's body travels:
// inline when the message fits the server's max payload, gzip-compressed when that
// fits, and otherwise as a reference (a claim check) to an object in the bucket.
//
// Objects are named after the SHA-256 of the body, so storing the same body twice
// stores it once. They expire with schema.PageBucketTTL.
package claimcheck

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/pkg/schema"
)

var (
	// ErrMissing: the object does not exist, e.g. it expired.
	ErrMissing = errors.New("claimcheck: page body not found")
	// ErrNoBucket: the page bucket itself does not exist: a deployment that declares
	// its JetStream resources has not created it (yet). Not the page's fault.
	ErrNoBucket = errors.New("claimcheck: object store bucket " + schema.PageBucket + " does not exist")
	// ErrTooLarge: a stored body exceeds MaxBodySize.
	ErrTooLarge = errors.New("claimcheck: page body too large")
	// ErrCorrupt: a body does not match the page's content hash.
	ErrCorrupt = errors.New("claimcheck: page body does not match its content hash")
)

// MaxBodySize bounds a body read back from the store, in bytes.
const MaxBodySize = schema.MaxBareGzipSize

// HeaderReserve is the room EncodeRawPage leaves under the max payload for the
// message's headers.
const HeaderReserve = 1024

// Open returns the page bucket, or ErrNoBucket when it does not exist.
func Open(ctx context.Context, js jetstream.ObjectStoreManager) (jetstream.ObjectStore, error) {
	store, err := js.ObjectStore(ctx, schema.PageBucket)
	switch {
	case errors.Is(err, jetstream.ErrBucketNotFound):
		return nil, ErrNoBucket
	case err != nil:
		return nil, fmt.Errorf("claimcheck: opening bucket %s: %w", schema.PageBucket, err)
	}
	return store, nil
}

// Check reports whether the page bucket exists, creating it first when create is set
// (provisioning on). A missing bucket gives ErrNoBucket with a hint at who must declare
// it.
func Check(ctx context.Context, js jetstream.ObjectStoreManager, create bool) error {
	var err error
	if create {
		_, err = Bucket(ctx, js)
	} else {
		_, err = Open(ctx, js)
	}
	if errors.Is(err, ErrNoBucket) {
		return fmt.Errorf("%w (provisioning is off: declare it, e.g. as a NACK ObjectStore with NACK in --control-loop mode)", err)
	}
	return err
}

// Bucket returns the page bucket, creating it (file storage, TTL schema.PageBucketTTL)
// when it does not exist. Safe to call from many processes at once.
func Bucket(ctx context.Context, js jetstream.ObjectStoreManager) (jetstream.ObjectStore, error) {
	store, err := Open(ctx, js)
	if !errors.Is(err, ErrNoBucket) {
		return store, err
	}
	store, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      schema.PageBucket,
		Description: "newsjet page bodies too large for one message",
		TTL:         schema.PageBucketTTL,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("claimcheck: creating bucket %s: %w", schema.PageBucket, err)
	}
	return store, nil
}

// ChunkSize is the object store chunk size Put uses, lowered to fit a server whose max
// payload is smaller.
const ChunkSize = 128 << 10

// Put stores body in the page bucket (created when missing) and returns its reference.
// A body already stored under the same hash is not uploaded again. When js also has a
// Conn method (a jetstream.JetStream does), chunks are sized to fit the server's max
// payload.
func Put(ctx context.Context, js jetstream.ObjectStoreManager, body []byte) (*schema.ObjectRef, error) {
	var maxPayload int64
	if c, ok := js.(interface{ Conn() *nats.Conn }); ok && c.Conn() != nil {
		maxPayload = c.Conn().MaxPayload()
	}
	return put(ctx, js, body, maxPayload)
}

func put(ctx context.Context, js jetstream.ObjectStoreManager, body []byte, maxPayload int64) (*schema.ObjectRef, error) {
	chunk := int64(ChunkSize)
	if maxPayload > 0 {
		chunk = max(min(chunk, maxPayload-HeaderReserve), 1)
	}
	store, err := Bucket(ctx, js)
	if err != nil {
		return nil, err
	}
	name := schema.ContentHash(body)
	ref := &schema.ObjectRef{Bucket: schema.PageBucket, Name: name, Size: int64(len(body))}
	if info, err := store.GetInfo(ctx, name); err == nil && info.Size == uint64(len(body)) {
		return ref, nil
	}
	meta := jetstream.ObjectMeta{Name: name, Opts: &jetstream.ObjectMetaOptions{ChunkSize: uint32(chunk)}}
	if _, err := store.Put(ctx, meta, bytes.NewReader(body)); err != nil {
		return nil, fmt.Errorf("claimcheck: storing %d bytes as %s: %w", len(body), name, err)
	}
	return ref, nil
}

// Get returns the bytes ref points at. Errors: ErrNoBucket when ref names the page
// bucket and it does not exist, ErrMissing when the object (or another bucket) does not,
// ErrTooLarge when the object exceeds MaxBodySize, others wrapped.
func Get(ctx context.Context, js jetstream.ObjectStoreManager, ref *schema.ObjectRef) ([]byte, error) {
	if ref == nil || ref.Bucket == "" || ref.Name == "" {
		return nil, fmt.Errorf("%w: empty reference", ErrMissing)
	}
	store, err := js.ObjectStore(ctx, ref.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		if ref.Bucket == schema.PageBucket {
			return nil, ErrNoBucket
		}
		return nil, fmt.Errorf("%w: bucket %s", ErrMissing, ref.Bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("claimcheck: opening bucket %s: %w", ref.Bucket, err)
	}
	info, err := store.GetInfo(ctx, ref.Name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: %s/%s", ErrMissing, ref.Bucket, ref.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("claimcheck: reading %s/%s: %w", ref.Bucket, ref.Name, err)
	}
	if info.Size > MaxBodySize {
		return nil, fmt.Errorf("%w: %s/%s is %d bytes, limit %d", ErrTooLarge, ref.Bucket, ref.Name, info.Size, MaxBodySize)
	}
	b, err := store.GetBytes(ctx, ref.Name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%w: %s/%s", ErrMissing, ref.Bucket, ref.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("claimcheck: reading %s/%s: %w", ref.Bucket, ref.Name, err)
	}
	return b, nil
}

// PageBody returns a raw page's uncompressed bytes, wherever they travel: inline,
// gzip-compressed inline, or in the object store. When the page has a content hash the
// bytes are checked against it. Errors: those of Get, ErrCorrupt on a hash mismatch,
// and schema.ErrInvalid (wrapped) for a body that does not decompress.
func PageBody(ctx context.Context, js jetstream.ObjectStoreManager, page *schema.RawPage) ([]byte, error) {
	p := *page
	if p.BodyRef != nil && len(p.Body) == 0 {
		b, err := Get(ctx, js, p.BodyRef)
		if err != nil {
			return nil, err
		}
		p.Body, p.BodyRef = b, nil
	}
	body, err := p.PlainBody()
	if err != nil {
		return nil, err
	}
	if p.ContentHash != "" && schema.ContentHash(body) != p.ContentHash {
		return nil, fmt.Errorf("%w: page %s", ErrCorrupt, p.ID)
	}
	return body, nil
}

// EncodeRawPage sets page's body from the uncompressed body and returns the encoded
// message, choosing the first form whose message (plus HeaderReserve for headers) fits
// maxPayload: inline, gzip-compressed, or a claim check stored with Put. The choice is
// made by size before any work: a body whose base64 form alone exceeds the payload is
// not encoded inline, and one whose compressed size, estimated from samples of it (see
// gzipMayFit), would not fit either is not compressed. It also sets BodySize and
// ContentHash, and ID when empty (schema.RawPageID of URL and hash). maxPayload is the
// server's (nats.Conn.MaxPayload); 0 or less means no limit.
func EncodeRawPage(ctx context.Context, js jetstream.ObjectStoreManager, page *schema.RawPage, body []byte, maxPayload int64) ([]byte, error) {
	page.BodySize = int64(len(body))
	page.ContentHash = schema.ContentHash(body)
	if page.ID == "" {
		page.ID = schema.RawPageID(page.URL, page.ContentHash)
	}
	budget := maxPayload - HeaderReserve
	fits := func(data []byte) bool { return maxPayload <= 0 || int64(len(data)) <= budget }

	page.Body, page.BodyEncoding, page.BodyRef = body, "", nil
	if maxPayload <= 0 || int64(base64.StdEncoding.EncodedLen(len(body))) < budget {
		data, err := schema.Encode(page)
		if err != nil || fits(data) {
			return data, err
		}
	}
	if gzipMayFit(body, budget) {
		gz, err := compress(body)
		if err != nil {
			return nil, err
		}
		page.Body, page.BodyEncoding = gz, "gzip"
		data, err := schema.Encode(page)
		if err != nil || fits(data) {
			return data, err
		}
	}
	ref, err := put(ctx, js, body, maxPayload)
	if err != nil {
		return nil, err
	}
	page.Body, page.BodyEncoding, page.BodyRef = nil, "", ref
	return schema.Encode(page)
}

// Sampling of gzipMayFit: up to sampleCount windows of sampleSize bytes, evenly spread.
const (
	sampleSize  = 64 << 10
	sampleCount = 4
)

// gzipMayFit estimates whether body, gzip-compressed and base64-encoded, fits in budget
// bytes: it compresses a few windows spread over the body (all of it when small) and
// extrapolates their ratio to the whole, with a 25% margin for the estimate's error. A
// body the estimate rules out goes to the object store without being compressed.
func gzipMayFit(body []byte, budget int64) bool {
	if int64(len(body)) <= sampleCount*sampleSize {
		return true
	}
	var sample bytes.Buffer
	step := (len(body) - sampleSize) / (sampleCount - 1)
	for i := range sampleCount {
		sample.Write(body[i*step : i*step+sampleSize])
	}
	gz, err := compress(sample.Bytes())
	if err != nil {
		return true
	}
	estimate := float64(len(body)) * float64(len(gz)) / float64(sample.Len()) * 4 / 3
	return estimate <= 1.25*float64(budget)
}

// compress gzips a body; a variable so tests can see what is compressed.
var compress = gzipBytes

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("claimcheck: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("claimcheck: gzip: %w", err)
	}
	return buf.Bytes(), nil
}
