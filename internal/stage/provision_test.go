package stage

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

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
func TestNoProvision(t *testing.T) {
	srv := natstest.Start(t)
	nc := natstest.Connect(t, srv)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	svc := Service{Name: "tester", Consumer: testConsumer, Streams: []schema.StreamSpec{testIn, testOut},
		Setup: func(context.Context, Deps) (Handler, error) { return echo, nil }}
	err = Run(context.Background(), Config{Conn: nc, NoProvision: true}, svc, nil)
	if err == nil {
		t.Fatal("Run without streams or consumer succeeded")
	}
	if _, serr := js.Stream(context.Background(), testIn.Name); serr == nil {
		t.Errorf("a stream was created with provisioning off (Run: %v)", err)
	}

	// Provisioned declaratively beforehand, the consumer is bound as it is.
	ctx := context.Background()
	if err := ProvisionStreams(ctx, js, []schema.StreamSpec{testIn, testOut, schema.DeadLetterStream}, 1); err != nil {
		t.Fatal(err)
	}
	declared := ConsumerConfig(testConsumer)
	declared.MaxDeliver = 7
	if _, err := js.CreateOrUpdateConsumer(ctx, testIn.Name, declared); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, echo)
	h.srv, h.nc, h.js, h.cfg.Conn = srv, nc, js, nc
	h.cfg.NoProvision = true
	h.start()
	h.publish("test.in.a", []byte("bound"), nil)
	h.waitMsgs(testOut.Name, 1)
	if info := h.waitSettled(1); info.Config.MaxDeliver != 7 {
		t.Errorf("consumer config changed: MaxDeliver %d", info.Config.MaxDeliver)
	}
}
