package cleaner_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/internal/stagetest"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
)

func readyz(t *testing.T, addr string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With provisioning off, a cleaner whose page bucket is not declared yet waits, not
// ready with the bucket named; once it is declared the cleaner is ready. If the bucket
// goes away later, a claim-checked page pauses the cleaner (not ready again) instead of
// being dead-lettered, and is cleaned once the bucket is back.
func TestWaitsForPageBucket(t *testing.T) {
	nc := natstest.Connect(t, natstest.Start(t))
	js := stagetest.JetStream(t, nc)
	ctx := context.Background()
	if err := stage.ProvisionStreams(ctx, js, []schema.StreamSpec{schema.RawStream, schema.CleanedStream, schema.DeadLetterStream}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, schema.RawStream.Name, stage.ConsumerConfig(schema.CleanerConsumer)); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := stagetest.Config(nc)
	cfg.NoProvision, cfg.HTTPAddr = true, addr
	stagetest.Start(t, cfg, cleaner.Service("test-1"))

	stagetest.Wait(t, "not ready naming the bucket", func() bool {
		code, body := readyz(t, addr)
		return code == http.StatusServiceUnavailable && strings.Contains(body, schema.PageBucket) && strings.Contains(body, "provisioning is off")
	})
	declared := time.Now()
	if _, err := claimcheck.Bucket(ctx, js); err != nil {
		t.Fatal(err)
	}
	stagetest.Wait(t, "ready once the bucket exists", func() bool { code, _ := readyz(t, addr); return code == http.StatusOK })
	t.Logf("ready %v after the bucket was declared", time.Since(declared).Round(time.Millisecond))

	// A claim-checked page while the bucket is gone.
	body := []byte(page("", "Harbour reopens", "The harbour reopened on Wednesday after six weeks of repairs to the sea wall."))
	ref, err := claimcheck.Put(ctx, js, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteObjectStore(ctx, schema.PageBucket); err != nil {
		t.Fatal(err)
	}
	// The server may still answer for the deleted bucket's stream a moment after the
	// delete returns (seen on a loaded machine: the page's object then reads as missing
	// and is dead-lettered, which is right for a bucket that exists without it).
	stagetest.Wait(t, "the bucket gone", func() bool {
		_, err := js.ObjectStore(ctx, schema.PageBucket)
		return errors.Is(err, jetstream.ErrBucketNotFound)
	})
	raw := &schema.RawPage{URL: "https://example.com/big", BodyRef: ref, BodySize: int64(len(body)),
		ContentHash: schema.ContentHash(body), FetchedAt: time.Now().UTC()}
	raw.ID = schema.RawPageID(raw.URL, raw.ContentHash)
	data, err := schema.Encode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "news.raw.example_com", data); err != nil {
		t.Fatal(err)
	}
	stagetest.Wait(t, "paused", func() bool {
		code, body := readyz(t, addr)
		return code == http.StatusServiceUnavailable && strings.Contains(body, schema.PageBucket)
	})
	if _, err := claimcheck.Put(ctx, js, body); err != nil { // the bucket declared again, the body stored again
		t.Fatal(err)
	}
	stagetest.WaitMsgs(t, js, schema.CleanedStream.Name, 1)
	if dls := stagetest.Msgs(t, js, schema.DeadLetterStream.Name); len(dls) != 0 {
		t.Errorf("%d dead letters", len(dls))
	}
}

// A claim-checked body missing from the bucket (a bucket declared again after an
// outage, its objects not yet put back) fails as transient until the delivery
// MissingBodyDeliveries, which dead-letters the page as unprocessable; a body back in
// time is cleaned.
func TestMissingBodyRetriedBeforeDeadLetter(t *testing.T) {
	nc := natstest.Connect(t, natstest.Start(t))
	js := stagetest.JetStream(t, nc)
	ctx := context.Background()
	body := []byte(page("", "Harbour reopens", "The harbour reopened on Wednesday after six weeks of repairs to the sea wall."))
	ref, err := claimcheck.Put(ctx, js, body)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := claimcheck.Open(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	if err := bucket.Delete(ctx, ref.Name); err != nil {
		t.Fatal(err)
	}
	raw := &schema.RawPage{URL: "https://example.com/big", BodyRef: ref, BodySize: int64(len(body)),
		ContentHash: schema.ContentHash(body), FetchedAt: time.Now().UTC()}
	raw.ID = schema.RawPageID(raw.URL, raw.ContentHash)
	data, err := schema.Encode(raw)
	if err != nil {
		t.Fatal(err)
	}
	handle := cleaner.Handler("test-1", js, 0)
	msg := func(deliveries uint64) *stage.Msg {
		return &stage.Msg{Subject: "news.raw.example_com", Data: data, Deliveries: deliveries, Received: time.Now()}
	}
	for d := uint64(1); d < cleaner.MissingBodyDeliveries; d++ {
		_, err := handle(ctx, msg(d))
		if _, permanent := stage.ReasonOf(err); err == nil || permanent || !errors.Is(err, claimcheck.ErrMissing) {
			t.Fatalf("delivery %d: %v (permanent %v), want a transient ErrMissing", d, err, permanent)
		}
	}
	_, err = handle(ctx, msg(cleaner.MissingBodyDeliveries))
	if reason, _ := stage.ReasonOf(err); reason != schema.ReasonUnprocessable {
		t.Fatalf("delivery %d: %v (reason %q), want unprocessable", cleaner.MissingBodyDeliveries, err, reason)
	}
	if _, err := claimcheck.Put(ctx, js, body); err != nil {
		t.Fatal(err)
	}
	out, err := handle(ctx, msg(2))
	if err != nil || len(out) != 1 {
		t.Fatalf("with the body back: %d outputs, %v", len(out), err)
	}
}
