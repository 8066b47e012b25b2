package stage

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
)

var (
	testIn = schema.StreamSpec{
		Name: "TEST_IN", Subjects: []string{"test.in.>"}, Retention: schema.LimitsRetention,
		MaxAge: time.Hour, Duplicates: time.Minute,
	}
	testOut = schema.StreamSpec{
		Name: "TEST_OUT", Subjects: []string{"test.out.>"}, Retention: schema.LimitsRetention,
		MaxAge: time.Hour, Duplicates: time.Minute,
	}
	testConsumer = schema.ConsumerSpec{
		Durable: "tester", Stream: testIn.Name, FilterSubject: "test.in.>",
		AckWait: 5 * time.Second, MaxDeliver: 3, MaxAckPending: 100,
	}
)

// harness runs one stage against an in-process server.
type harness struct {
	t   *testing.T
	srv *server.Server
	nc  *nats.Conn
	js  jetstream.JetStream
	cfg Config
	svc Service
	// log is the stage's logger: zaptest's unless a test sets another before start.
	log     *zap.Logger
	cancel  context.CancelFunc
	done    chan error
	stopped bool
}

// newHarness prepares a stage named "tester" reading TEST_IN and writing TEST_OUT.
func newHarness(t *testing.T, h Handler) *harness {
	t.Helper()
	srv := natstest.Start(t)
	nc := natstest.Connect(t, srv)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{
		t: t, srv: srv, nc: nc, js: js,
		cfg: Config{
			Conn: nc, Metrics: NewMetrics(), Concurrency: 4, DrainTimeout: 5 * time.Second,
			RetryBackoff: 20 * time.Millisecond, RetryBackoffMax: 100 * time.Millisecond,
		},
		svc: Service{
			Name: "tester", Version: "test", Consumer: testConsumer, Streams: []schema.StreamSpec{testIn, testOut},
			Setup: func(context.Context, Deps) (Handler, error) { return h, nil },
		},
	}
}

// start runs the stage and waits until its consumer exists.
func (h *harness) start() *harness {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	log := h.log
	if log == nil {
		log = zaptest.NewLogger(h.t)
	}
	go func() { h.done <- Run(ctx, h.cfg, h.svc, log) }()
	h.t.Cleanup(func() { h.stop() })
	waitFor(h.t, "consumer bound", func() bool {
		c, err := h.js.Consumer(context.Background(), h.svc.Consumer.Stream, h.svc.Consumer.Durable)
		return err == nil && c != nil
	})
	return h
}

// stop cancels the stage and returns Run's result.
func (h *harness) stop() error {
	if h.stopped {
		return nil
	}
	h.stopped = true
	h.cancel()
	select {
	case err := <-h.done:
		return err
	case <-time.After(30 * time.Second):
		h.t.Fatal("Run did not return 30s after cancel")
		return nil
	}
}

func (h *harness) publish(subject string, data []byte, header nats.Header) {
	h.t.Helper()
	m := &nats.Msg{Subject: subject, Data: data, Header: header}
	if _, err := h.js.PublishMsg(context.Background(), m); err != nil {
		h.t.Fatalf("publish %s: %v", subject, err)
	}
}

// msgs returns every message of a stream, in order.
func (h *harness) msgs(stream string) []*jetstream.RawStreamMsg {
	h.t.Helper()
	ctx := context.Background()
	s, err := h.js.Stream(ctx, stream)
	if err != nil {
		h.t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// waitMsgs waits until stream holds n messages and returns them.
func (h *harness) waitMsgs(stream string, n int) []*jetstream.RawStreamMsg {
	h.t.Helper()
	var got []*jetstream.RawStreamMsg
	waitFor(h.t, stream+" messages", func() bool {
		got = h.msgs(stream)
		return len(got) >= n
	})
	return got
}

// deadLetters waits for n dead letters and decodes them.
func (h *harness) deadLetters(n int) []*schema.DeadLetter {
	h.t.Helper()
	var out []*schema.DeadLetter
	for _, m := range h.waitMsgs(schema.DeadLetterStream.Name, n) {
		dl, err := schema.DecodeDeadLetter(m.Data)
		if err != nil {
			h.t.Fatalf("dead letter: %v", err)
		}
		if got := m.Header.Get(schema.HeaderDeadReason); got != dl.Reason {
			h.t.Errorf("dead letter header reason %q, body %q", got, dl.Reason)
		}
		out = append(out, dl)
	}
	return out
}

// consumerInfo returns the stage consumer's state.
func (h *harness) consumerInfo() *jetstream.ConsumerInfo {
	h.t.Helper()
	ctx := context.Background()
	c, err := h.js.Consumer(ctx, h.svc.Consumer.Stream, h.svc.Consumer.Durable)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return info
}

// waitSettled waits until every message of the consumer's stream is acknowledged or
// terminated.
func (h *harness) waitSettled(lastSeq uint64) *jetstream.ConsumerInfo {
	h.t.Helper()
	var info *jetstream.ConsumerInfo
	waitFor(h.t, "consumer settled", func() bool {
		info = h.consumerInfo()
		return info.NumAckPending == 0 && info.NumPending == 0 && info.AckFloor.Stream >= lastSeq
	})
	return info
}

// counter reads a metric of the harness's registry.
func (h *harness) metric(name string, labels map[string]string) float64 {
	h.t.Helper()
	families, err := h.cfg.Metrics.Registry().Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
	}
	return 0
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// calls counts handler calls per payload.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) add(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
	return c.n[key]
}

func (c *calls) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}
