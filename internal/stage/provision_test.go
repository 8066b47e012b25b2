package stage

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
)

func TestStreamAndConsumerConfig(t *testing.T) {
	sc := StreamConfig(schema.CleanedStream, 3)
	if sc.Name != "NEWS_CLEANED" || sc.Retention != jetstream.WorkQueuePolicy || sc.Replicas != 3 ||
		sc.Storage != jetstream.FileStorage || sc.Duplicates != schema.CleanedStream.Duplicates ||
		sc.MaxAge != schema.CleanedStream.MaxAge || sc.Subjects[0] != "news.cleaned.>" {
		t.Errorf("cleaned stream config %+v", sc)
	}
	if rc := StreamConfig(schema.RawStream, 0); rc.Retention != jetstream.LimitsPolicy || rc.Replicas != 1 {
		t.Errorf("raw stream config %+v", rc)
	}
	cc := ConsumerConfig(schema.CleanerConsumer)
	if cc.Durable != "cleaner" || cc.AckPolicy != jetstream.AckExplicitPolicy || cc.FilterSubject != "news.raw.>" ||
		cc.MaxDeliver != 5 || cc.AckWait != 30*time.Second || cc.MaxAckPending != 256 {
		t.Errorf("cleaner consumer config %+v", cc)
	}
}

// Provisioning is idempotent, updates a changed limit, and refuses a retention change.
func TestProvisionStreams(t *testing.T) {
	js, err := jetstream.New(natstest.Connect(t, natstest.Start(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := ProvisionStreams(ctx, js, schema.Streams(), 1); err != nil {
			t.Fatal(err)
		}
	}
	names := js.StreamNames(ctx)
	n := 0
	for range names.Name() {
		n++
	}
	if n != len(schema.Streams()) {
		t.Errorf("%d streams, want %d", n, len(schema.Streams()))
	}
	longer := schema.RawStream
	longer.MaxAge = 14 * 24 * time.Hour
	if err := ProvisionStreams(ctx, js, []schema.StreamSpec{longer}, 1); err != nil {
		t.Fatalf("updating MaxAge: %v", err)
	}
	s, err := js.Stream(ctx, longer.Name)
	if err != nil {
		t.Fatal(err)
	}
	if s.CachedInfo().Config.MaxAge != longer.MaxAge {
		t.Errorf("MaxAge %v after update", s.CachedInfo().Config.MaxAge)
	}
	wq := schema.RawStream
	wq.Retention = schema.WorkQueueRetention
	if err := ProvisionStreams(ctx, js, []schema.StreamSpec{wq}, 1); err == nil {
		t.Error("changing retention was accepted")
	}
}

// With provisioning off, Run binds to what exists and creates nothing.
// With provisioning off and nothing declared yet (Kubernetes before NACK created the
// streams), a stage waits: not ready with the reason, retrying with back-off, creating
// nothing; once the streams and consumer are declared it binds to them as they are and
// works.
func TestNoProvisionWaitsForDeclaredStreams(t *testing.T) {
	h := newHarness(t, echo)
	h.cfg.NoProvision = true
	h.cfg.HTTPAddr = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- Run(ctx, h.cfg, h.svc, zaptest.NewLogger(t)) }()
	t.Cleanup(func() { h.stop() })
	base := "http://" + h.cfg.HTTPAddr
	waitFor(t, "HTTP served", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	waitFor(t, "not ready naming the missing consumer", func() bool {
		code, body, _ := getJSON(t, base+"/readyz")
		return code == 503 && strings.Contains(body["error"], "provisioning is off")
	})
	time.Sleep(1500 * time.Millisecond) // a few retries
	select {
	case err := <-h.done:
		t.Fatalf("Run ended while waiting for its stream: %v", err)
	default:
	}
	if _, err := h.js.Stream(ctx, testIn.Name); err == nil {
		t.Fatal("a stream was created with provisioning off")
	}

	// Declared now, the consumer is bound as it is.
	declaredAt := time.Now()
	if err := ProvisionStreams(ctx, h.js, []schema.StreamSpec{testIn, testOut, schema.DeadLetterStream}, 1); err != nil {
		t.Fatal(err)
	}
	declared := ConsumerConfig(testConsumer)
	declared.MaxDeliver = 7
	if _, err := h.js.CreateOrUpdateConsumer(ctx, testIn.Name, declared); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ready", func() bool { code, _, _ := getJSON(t, base+"/readyz"); return code == 200 })
	t.Logf("ready %v after the streams and consumer were declared", time.Since(declaredAt).Round(time.Millisecond))
	h.publish("test.in.a", []byte("bound"), nil)
	h.waitMsgs(testOut.Name, 1)
	if info := h.waitSettled(1); info.Config.MaxDeliver != 7 {
		t.Errorf("consumer config changed: MaxDeliver %d", info.Config.MaxDeliver)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
}
