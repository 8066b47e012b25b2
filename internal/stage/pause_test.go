package stage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// dependency is a switchable stand-in for a database: handlers and Ready fail with
// errDown while it is down.
type dependency struct {
	down atomic.Bool
	// calls counts handler calls while down; seen records, per payload, the delivery
	// count of the call that went through.
	calls atomic.Int64
	mu    sync.Mutex
	seen  map[string]uint64
}

var errDown = errors.New("database down")

func (d *dependency) handler(ctx context.Context, m *Msg) ([]Output, error) {
	if d.down.Load() {
		d.calls.Add(1)
		return nil, Unavailable(fmt.Errorf("storing: %w", errDown))
	}
	d.mu.Lock()
	if d.seen == nil {
		d.seen = map[string]uint64{}
	}
	d.seen[string(m.Data)] = m.Deliveries
	d.mu.Unlock()
	return echo(ctx, m)
}

func (d *dependency) ready(context.Context) error {
	if d.down.Load() {
		return errDown
	}
	return nil
}

// An outage much longer than MaxDeliver x back-off pauses the stage: it stops taking
// messages, reports not ready with the reason, holds what it was given, and when the
// dependency is back handles every message on its first delivery: nothing
// dead-lettered, no delivery used up.
func TestUnavailablePausesWithoutUsingDeliveries(t *testing.T) {
	var dep dependency
	h := newHarness(t, dep.handler)
	h.cfg.HTTPAddr = freeAddr(t)
	h.svc.Ready = dep.ready
	h.svc.Consumer.MaxDeliver = 3
	h.start()
	base := "http://" + h.cfg.HTTPAddr
	dep.down.Store(true)
	const n = 40
	for i := range n {
		h.publish("test.in.a", fmt.Appendf(nil, "msg-%d", i), nil)
	}
	waitFor(t, "paused", func() bool {
		code, body, _ := getJSON(t, base+"/readyz")
		return code == 503 && strings.Contains(body["error"], "paused") && strings.Contains(body["error"], "database down")
	})
	outage := 3 * time.Second // 30 times MaxDeliver x the back-off cap
	time.Sleep(outage)
	if c := dep.calls.Load(); c > int64(2*h.cfg.Concurrency) {
		t.Errorf("%d handler calls while the dependency was down: the stage kept taking messages", c)
	}
	if info := h.consumerInfo(); info.NumRedelivered != 0 {
		t.Errorf("%d messages redelivered during the outage", info.NumRedelivered)
	}
	dep.down.Store(false)
	h.waitMsgs(testOut.Name, n)
	h.waitSettled(n)
	waitFor(t, "ready again", func() bool { code, _, _ := getJSON(t, base+"/readyz"); return code == 200 })
	if dls := h.msgs(schema.DeadLetterStream.Name); len(dls) != 0 {
		t.Errorf("%d dead letters", len(dls))
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for i := range n {
		if d, ok := dep.seen[fmt.Sprintf("msg-%d", i)]; !ok || d != 1 {
			t.Errorf("msg-%d handled on delivery %d (handled: %v), want its first", i, d, ok)
		}
	}
	t.Logf("outage %v, %d messages, %d handled, 0 dead-lettered, %d handler calls while down", outage, n, len(dep.seen), dep.calls.Load())
}

// A stage stopped while paused hands its held messages back at once instead of
// waiting for the drain timeout; the next replica handles them.
func TestStopWhilePaused(t *testing.T) {
	var dep dependency
	h := newHarness(t, dep.handler)
	h.svc.Ready = dep.ready
	h.cfg.DrainTimeout = 20 * time.Second
	h.start()
	dep.down.Store(true)
	h.publish("test.in.a", []byte("held"), nil)
	waitFor(t, "held", func() bool { return dep.calls.Load() > 0 })
	began := time.Now()
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("stopping took %v", d)
	}
	dep.down.Store(false)
	h2 := newHarness(t, dep.handler)
	h2.srv, h2.nc, h2.js, h2.cfg.Conn, h2.svc.Consumer = h.srv, h.nc, h.js, h.nc, h.svc.Consumer
	h2.start()
	if out := h2.waitMsgs(testOut.Name, 1); string(out[0].Data) != "HELD" {
		t.Errorf("output %q", out[0].Data)
	}
}

// Setup reporting an unavailable dependency (a database not up yet) is retried with
// back-off, the stage not ready meanwhile, instead of ending Run.
func TestSetupUnavailableRetried(t *testing.T) {
	var attempts atomic.Int32
	h := newHarness(t, echo)
	h.cfg.HTTPAddr = freeAddr(t)
	h.svc.Setup = func(context.Context, Deps) (Handler, error) {
		if attempts.Add(1) < 3 {
			return nil, Unavailable(errDown)
		}
		return echo, nil
	}
	h.start()
	base := "http://" + h.cfg.HTTPAddr
	waitFor(t, "ready after the retries", func() bool { code, _, _ := getJSON(t, base+"/readyz"); return code == 200 })
	if a := attempts.Load(); a != 3 {
		t.Errorf("%d Setup attempts, want 3", a)
	}
	h.publish("test.in.a", []byte("hello"), nil)
	h.waitMsgs(testOut.Name, 1)

	// Any other Setup error ends Run.
	other := newHarness(t, echo)
	other.svc.Setup = func(context.Context, Deps) (Handler, error) { return nil, errors.New("bad setting") }
	if err := Run(context.Background(), other.cfg, other.svc, nil); err == nil || !strings.Contains(err.Error(), "bad setting") {
		t.Errorf("Run = %v, want the Setup error", err)
	}
}

// N failed messages with one payload leave N dead letters; one message dead-lettered
// twice (its Term lost, redelivered) leaves one.
func TestDeadLettersOnePerFailedMessage(t *testing.T) {
	h := newHarness(t, func(context.Context, *Msg) ([]Output, error) {
		return nil, Permanent(schema.ReasonUnprocessable, errors.New("empty body"))
	}).start()
	const n = 22
	for range n {
		h.publish("test.in.a", nil, nil)
	}
	h.waitSettled(n)
	dls := h.deadLetters(n)
	seqs := map[uint64]bool{}
	for _, dl := range dls {
		seqs[dl.StreamSeq] = true
	}
	if len(dls) != n || len(seqs) != n {
		t.Fatalf("%d dead letters for %d distinct messages, want %d", len(dls), len(seqs), n)
	}
	w := &worker{name: "tester", js: h.js, cfg: &h.cfg, maxPayload: h.nc.MaxPayload}
	again := &Msg{Subject: "test.in.a", Stream: testIn.Name, StreamSeq: 1, Deliveries: 2}
	if err := w.deadLetter(context.Background(), again, schema.ReasonUnprocessable, errors.New("empty body")); err != nil {
		t.Fatal(err)
	}
	if got := len(h.msgs(schema.DeadLetterStream.Name)); got != n {
		t.Errorf("%d dead letters after a redelivered message failed again, want %d", got, n)
	}
	t.Logf("%d identical bad payloads: %d dead letters", n, len(dls))
}

// The same content in another input message within the duplicate window (a site
// reverting an edit, a page republished) is published again; only a redelivery of the
// same input is dropped.
func TestSameContentAgainIsPublished(t *testing.T) {
	h := newHarness(t, echo).start()
	for _, body := range []string{"v1", "v2", "v1"} {
		h.publish("test.in.a", []byte(body), nil)
	}
	out := h.waitMsgs(testOut.Name, 3)
	h.waitSettled(3)
	got := map[string]int{}
	for _, m := range out {
		got[string(m.Data)]++
	}
	if len(out) != 3 || got["V1"] != 2 || got["V2"] != 1 {
		t.Errorf("outputs %v, want V1 twice and V2 once", got)
	}
}
