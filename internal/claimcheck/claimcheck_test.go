package claimcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
)

func newJS(t *testing.T) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(natstest.Connect(t, natstest.Start(t)))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestPutGetRoundTrip5MiB(t *testing.T) {
	js := newJS(t)
	ctx := context.Background()
	body := randomBytes(5 << 20)
	ref, err := Put(ctx, js, body)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Bucket != schema.PageBucket || ref.Name != schema.ContentHash(body) || ref.Size != int64(len(body)) {
		t.Errorf("ref %+v", ref)
	}
	got, err := Get(ctx, js, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("got %d bytes back, want the %d put", len(got), len(body))
	}
	// Storing it again is idempotent.
	if again, err := Put(ctx, js, body); err != nil || *again != *ref {
		t.Errorf("second Put: %+v, %v", again, err)
	}
	store, err := js.ObjectStore(ctx, schema.PageBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != schema.PageBucketTTL {
		t.Errorf("bucket TTL %v, want %v", st.TTL(), schema.PageBucketTTL)
	}
}

func TestGetMissing(t *testing.T) {
	js := newJS(t)
	ctx := context.Background()
	ref := &schema.ObjectRef{Bucket: schema.PageBucket, Name: "nope"}
	if _, err := Get(ctx, js, ref); !errors.Is(err, ErrNoBucket) || errors.Is(err, ErrMissing) {
		t.Errorf("no bucket: %v, want ErrNoBucket", err)
	}
	if _, err := Open(ctx, js); !errors.Is(err, ErrNoBucket) {
		t.Errorf("Open without bucket: %v, want ErrNoBucket", err)
	}
	if _, err := Put(ctx, js, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, js); err != nil {
		t.Errorf("Open: %v", err)
	}
	if _, err := Get(ctx, js, ref); !errors.Is(err, ErrMissing) {
		t.Errorf("no object: %v, want ErrMissing", err)
	}
	if _, err := Get(ctx, js, nil); !errors.Is(err, ErrMissing) {
		t.Errorf("nil ref: %v, want ErrMissing", err)
	}
}

// EncodeRawPage picks inline, gzip or a claim check by size, and PageBody reads each
// form back to the same bytes.
func TestEncodeRawPagePolicy(t *testing.T) {
	js := newJS(t)
	ctx := context.Background()
	const maxPayload = 1 << 20
	compressible := bytes.Repeat([]byte("<p>The same paragraph, again and again.</p>\n"), (3<<20)/45)
	for _, tc := range []struct {
		name     string
		body     []byte
		encoding string
		ref      bool
	}{
		{"small inline", []byte("<html><title>x</title></html>"), "", false},
		{"compressible gzip", compressible, "gzip", false},
		{"random claim check", randomBytes(2 << 20), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := &schema.RawPage{URL: "https://example.com/a", FetchedAt: time.Now()}
			data, err := EncodeRawPage(ctx, js, page, tc.body, maxPayload)
			if err != nil {
				t.Fatal(err)
			}
			if len(data)+HeaderReserve > maxPayload {
				t.Errorf("message of %d bytes exceeds the max payload", len(data))
			}
			decoded, err := schema.DecodeRawPage(data)
			if err != nil {
				t.Fatal(err)
			}
			if decoded.BodyEncoding != tc.encoding || (decoded.BodyRef != nil) != tc.ref {
				t.Errorf("encoding %q ref %v", decoded.BodyEncoding, decoded.BodyRef)
			}
			if decoded.ID != schema.RawPageID(page.URL, schema.ContentHash(tc.body)) || decoded.BodySize != int64(len(tc.body)) {
				t.Errorf("id %s size %d", decoded.ID, decoded.BodySize)
			}
			got, err := PageBody(ctx, js, decoded)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.body) {
				t.Errorf("body changed: %d bytes, want %d", len(got), len(tc.body))
			}
		})
	}
}

func TestPageBodyChecksHash(t *testing.T) {
	page := &schema.RawPage{ID: "x", Body: []byte("tampered"), ContentHash: schema.ContentHash([]byte("original"))}
	if _, err := PageBody(context.Background(), nil, page); !errors.Is(err, ErrCorrupt) {
		t.Errorf("got %v, want ErrCorrupt", err)
	}
	page.BodyEncoding = "gzip"
	if _, err := PageBody(context.Background(), nil, page); !errors.Is(err, schema.ErrInvalid) {
		t.Errorf("bad gzip: %v, want schema.ErrInvalid", err)
	}
}

// A server with a max payload below the default chunk size still stores and serves
// large bodies.
func TestSmallMaxPayload(t *testing.T) {
	srv := natstest.Start(t, func(o *server.Options) { o.MaxPayload = 64 << 10 })
	js, err := jetstream.New(natstest.Connect(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	body := randomBytes(300 << 10)
	ref, err := Put(ctx, js, body)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Get(ctx, js, ref); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("Get: %d bytes, %v", len(got), err)
	}
	page := &schema.RawPage{URL: "https://example.com/big", FetchedAt: time.Now()}
	data, err := EncodeRawPage(ctx, js, page, randomBytes(200<<10), js.Conn().MaxPayload())
	if err != nil || page.BodyRef == nil || int64(len(data)+HeaderReserve) > js.Conn().MaxPayload() {
		t.Fatalf("EncodeRawPage: ref %v, %d bytes, %v", page.BodyRef, len(data), err)
	}
}

// A 16 MB page whose compressed form cannot fit 1 MiB goes to the object store without
// being compressed whole (that cost 1.4-2 CPU-seconds) or encoded inline: only samples
// of it are compressed to estimate.
func TestLargePageDecidedBySize(t *testing.T) {
	js := newJS(t)
	var compressed []int
	t.Cleanup(func() { compress = gzipBytes })
	compress = func(b []byte) ([]byte, error) {
		compressed = append(compressed, len(b))
		return gzipBytes(b)
	}
	words := strings.Fields("harbour council storm repairs boats ferry wall engineers residents budget vote mayor summer trade")
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < 16<<20 {
		fmt.Fprintf(&b, "<p class=\"c%d\">", r.IntN(50))
		for range 12 {
			b.WriteString(words[r.IntN(len(words))])
			fmt.Fprintf(&b, " %d ", r.IntN(1000))
		}
		b.WriteString("</p>\n")
	}
	page := &schema.RawPage{URL: "https://example.com/huge", FetchedAt: time.Now()}
	if _, err := EncodeRawPage(context.Background(), js, page, b.Bytes(), 1<<20); err != nil {
		t.Fatal(err)
	}
	if page.BodyRef == nil {
		t.Fatalf("body encoding %q, want a claim check", page.BodyEncoding)
	}
	total := 0
	for _, n := range compressed {
		total += n
	}
	if total > sampleCount*sampleSize {
		t.Errorf("compressed %v bytes of a %d-byte page that cannot fit", compressed, b.Len())
	}
}
