package stage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
)

// echo publishes the upper-cased input on test.out.<token>, with an id from the content.
func echo(_ context.Context, m *Msg) ([]Output, error) {
	return []Output{{
		Subject: "test.out." + schema.SubjectToken(m.Subject),
		Schema:  "test.echo.v1",
		MsgID:   schema.ID("echo", string(m.Data)),
		Data:    bytes.ToUpper(m.Data),
		Header:  map[string][]string{"X-Origin": {m.Subject}},
	}}, nil
}

func TestHappyPath(t *testing.T) {
	var c calls
	h := newHarness(t, func(ctx context.Context, m *Msg) ([]Output, error) {
		c.add(string(m.Data))
		if m.Deliveries != 1 || m.Stream != testIn.Name || m.StreamSeq != 1 || m.Received.IsZero() {
			return nil, Permanent("unexpected", fmt.Errorf("metadata %+v", m))
		}
		return echo(ctx, m)
	}).start()
	h.publish("test.in.site_a", []byte("hello"), nil)

	out := h.waitMsgs(testOut.Name, 1)
	h.waitSettled(1)
	got := out[0]
	if got.Subject != "test.out.site_a" || string(got.Data) != "HELLO" {
		t.Errorf("output %s %q", got.Subject, got.Data)
	}
	if id := got.Header.Get(schema.HeaderMsgID); id != DeliveryMsgID(schema.ID("echo", "hello"), testIn.Name, 1) {
		t.Errorf("Nats-Msg-Id %q", id)
	}
	if s := got.Header.Get(schema.HeaderSchema); s != "test.echo.v1" {
		t.Errorf("Newsjet-Schema %q", s)
	}
	if o := got.Header.Get("X-Origin"); o != "test.in.site_a" {
		t.Errorf("extra header %q", o)
	}
	if n := c.get("hello"); n != 1 {
		t.Errorf("handler called %d times", n)
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(h.msgs(testOut.Name)); n != 1 {
		t.Errorf("%d outputs, want exactly 1", n)
	}
	stage := map[string]string{"stage": "tester"}
	if v := h.metric("newsjet_stage_messages_in_total", stage); v != 1 {
		t.Errorf("messages_in %v", v)
	}
	if v := h.metric("newsjet_stage_messages_out_total", stage); v != 1 {
		t.Errorf("messages_out %v", v)
	}
	if v := h.metric("newsjet_stage_processing_seconds", stage); v != 1 {
		t.Errorf("processing_seconds count %v", v)
	}
	if v := h.metric("newsjet_stage_in_flight", stage); v != 0 {
		t.Errorf("in_flight %v", v)
	}
}

// A crash after publishing but before acking redelivers the input; the output published
// again under the same id is dropped. So is a replay of the whole stream through
// another consumer.
func TestRedeliveryPublishesNoDuplicate(t *testing.T) {
	var c calls
	h := newHarness(t, func(ctx context.Context, m *Msg) ([]Output, error) {
		c.add(string(m.Data))
		return echo(ctx, m)
	})
	// The output of an earlier, crashed attempt is already in the stream.
	h.start()
	h.publish("test.out.site_a", []byte("HELLO"), nats.Header{schema.HeaderMsgID: {DeliveryMsgID(schema.ID("echo", "hello"), testIn.Name, 1)}})
	h.publish("test.in.site_a", []byte("hello"), nil)
	h.publish("test.in.site_b", []byte("world"), nil)
	h.waitSettled(2)
	h.waitMsgs(testOut.Name, 2)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	// Replay through a second durable (a newer version of the stage).
	h2 := newHarness(t, nil)
	h2.srv, h2.nc, h2.js = h.srv, h.nc, h.js
	h2.cfg.Conn = h.nc
	h2.svc = h.svc
	h2.svc.Consumer.Durable = "tester-v2"
	h2.start()
	h2.waitSettled(2)
	if err := h2.stop(); err != nil {
		t.Fatal(err)
	}
	if c.get("hello") != 2 || c.get("world") != 2 {
		t.Errorf("handler calls %v, want each input handled twice", c.n)
	}
	out := h.msgs(testOut.Name)
	if len(out) != 2 {
		t.Fatalf("%d outputs, want 2 (one per input)", len(out))
	}
	if string(out[0].Data) != "HELLO" || string(out[1].Data) != "WORLD" {
		t.Errorf("outputs %q %q", out[0].Data, out[1].Data)
	}
}

func TestPermanentFailureDeadLetters(t *testing.T) {
	var c calls
	junk := errors.New("binary junk")
	h := newHarness(t, func(_ context.Context, m *Msg) ([]Output, error) {
		c.add(string(m.Data))
		return nil, Permanent(schema.ReasonUnprocessable, fmt.Errorf("cleaning: %w", junk))
	}).start()
	h.publish("test.in.site_a", []byte{0, 1, 2, 0xff}, nats.Header{"X-Test": {"yes"}})

	dl := h.deadLetters(1)[0]
	info := h.waitSettled(1)
	if dl.Stage != "tester" || dl.Reason != schema.ReasonUnprocessable || dl.Error != "cleaning: binary junk" {
		t.Errorf("dead letter %+v", dl)
	}
	if !bytes.Equal(dl.Payload, []byte{0, 1, 2, 0xff}) || dl.Subject != "test.in.site_a" ||
		dl.Stream != testIn.Name || dl.StreamSeq != 1 || dl.Deliveries != 1 || dl.FailedAt.IsZero() {
		t.Errorf("dead letter origin %+v", dl)
	}
	if v := dl.Headers["X-Test"]; len(v) != 1 || v[0] != "yes" {
		t.Errorf("dead letter headers %v", dl.Headers)
	}
	if dl.ID != schema.DeadLetterID("tester", testIn.Name, 1) {
		t.Errorf("dead letter id %s", dl.ID)
	}
	if info.NumRedelivered != 0 {
		t.Errorf("%d redelivered after Term", info.NumRedelivered)
	}
	// A later message is handled, and the first is not seen again.
	h.publish("test.in.site_a", []byte("next"), nil)
	h.waitSettled(2)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := c.get(string([]byte{0, 1, 2, 0xff})); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
	if v := h.metric("newsjet_stage_messages_dead_lettered_total", map[string]string{"stage": "tester", "reason": "unprocessable"}); v != 2 {
		t.Errorf("dead_lettered %v, want 2", v)
	}
	if v := h.metric("newsjet_stage_messages_failed_total", map[string]string{"stage": "tester", "kind": "permanent"}); v != 2 {
		t.Errorf("failed permanent %v, want 2", v)
	}
}

// TestMessageLogLinesNameTheDelivery: a line logged while handling a message carries
// the message's subject, stream sequence and delivery count (fields encoded lazily,
// when the line is written).
func TestMessageLogLinesNameTheDelivery(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	h := newHarness(t, func(context.Context, *Msg) ([]Output, error) {
		return nil, Permanent(schema.ReasonUnprocessable, errors.New("junk"))
	})
	h.log = zap.New(core)
	h.start()
	h.publish("test.in.site_a", []byte("x"), nil)
	h.deadLetters(1)
	h.waitSettled(1)
	waitFor(t, "the dead-letter line", func() bool { return logs.FilterMessage("dead-lettered").Len() == 1 })
	fields := logs.FilterMessage("dead-lettered").All()[0].ContextMap()
	if fields["subject"] != "test.in.site_a" || fields["stream_seq"] != uint64(1) || fields["deliveries"] != uint64(1) ||
		fields["reason"] != schema.ReasonUnprocessable {
		t.Errorf("fields %v", fields)
	}
}

func TestTransientFailureRetriedThenSucceeds(t *testing.T) {
	var c calls
	h := newHarness(t, func(ctx context.Context, m *Msg) ([]Output, error) {
		if n := c.add(string(m.Data)); n < 3 {
			return nil, fmt.Errorf("database unavailable (attempt %d)", n)
		}
		if m.Deliveries != 3 {
			return nil, Permanent("unexpected", fmt.Errorf("deliveries %d", m.Deliveries))
		}
		return echo(ctx, m)
	})
	h.svc.Consumer.MaxDeliver = 5
	h.start()
	h.publish("test.in.site_a", []byte("hello"), nil)
	h.waitMsgs(testOut.Name, 1)
	h.waitSettled(1)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := c.get("hello"); n != 3 {
		t.Errorf("handled %d times, want 3", n)
	}
	if n := len(h.msgs(schema.DeadLetterStream.Name)); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	if v := h.metric("newsjet_stage_messages_failed_total", map[string]string{"stage": "tester", "kind": "transient"}); v != 2 {
		t.Errorf("failed transient %v, want 2", v)
	}
}

func TestMaxDeliveriesDeadLetters(t *testing.T) {
	var c calls
	h := newHarness(t, func(_ context.Context, m *Msg) ([]Output, error) {
		c.add(string(m.Data))
		return nil, errors.New("upstream timeout")
	}).start()
	h.publish("test.in.site_a", []byte("hello"), nil)
	dl := h.deadLetters(1)[0]
	h.waitSettled(1)
	if dl.Reason != schema.ReasonMaxDeliveries || dl.Deliveries != 3 || dl.Error != "upstream timeout" || string(dl.Payload) != "hello" {
		t.Errorf("dead letter %+v", dl)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := c.get("hello"); n != 3 {
		t.Errorf("handled %d times, want MaxDeliver = 3", n)
	}
}

func TestDecodeErrorsDeadLettered(t *testing.T) {
	h := newHarness(t, func(_ context.Context, m *Msg) ([]Output, error) {
		if _, err := schema.DecodeArticle(m.Data); err != nil {
			return nil, fmt.Errorf("decoding article: %w", err)
		}
		return nil, nil
	}).start()
	cases := []struct{ payload, reason string }{
		{`not json at all`, schema.ReasonMalformed},
		{`{"title": "no schema member"}`, schema.ReasonMalformed},
		{`{"schema": "newsjet.article.v9", "id": "x"}`, schema.ReasonUnknownVersion},
		{`{"schema": "newsjet.raw_page.v1"}`, schema.ReasonMalformed},
		{`{"schema": "newsjet.article.v1"}`, schema.ReasonInvalid},
	}
	for _, tc := range cases {
		h.publish("test.in.site_a", []byte(tc.payload), nil)
	}
	byPayload := map[string]*schema.DeadLetter{}
	for _, dl := range h.deadLetters(len(cases)) {
		byPayload[string(dl.Payload)] = dl
	}
	h.waitSettled(uint64(len(cases)))
	for _, tc := range cases {
		dl := byPayload[tc.payload]
		if dl == nil || dl.Reason != tc.reason || dl.Deliveries != 1 {
			t.Errorf("%s: dead letter %+v, want reason %q", tc.payload, dl, tc.reason)
		}
	}
}

func TestPanicAndBadOutputsDeadLettered(t *testing.T) {
	h := newHarness(t, func(_ context.Context, m *Msg) ([]Output, error) {
		switch string(m.Data) {
		case "panic":
			var p *Msg
			return []Output{{Subject: p.Subject}}, nil
		case "no-id":
			return []Output{{Subject: "test.out.x", Data: m.Data}}, nil
		default:
			return []Output{{Subject: "test.out.x", MsgID: "big", Data: make([]byte, 2<<20)}}, nil
		}
	}).start()
	h.publish("test.in.a", []byte("panic"), nil)
	h.publish("test.in.a", []byte("no-id"), nil)
	h.publish("test.in.a", []byte("huge"), nil)
	byPayload := map[string]*schema.DeadLetter{}
	for _, dl := range h.deadLetters(3) {
		byPayload[string(dl.Payload)] = dl
	}
	h.waitSettled(3)
	for payload, want := range map[string]string{"panic": ReasonPanic, "no-id": ReasonBadOutput, "huge": ReasonTooLarge} {
		if dl := byPayload[payload]; dl == nil || dl.Reason != want {
			t.Errorf("%s: dead letter %+v, want reason %q", payload, dl, want)
		}
	}
	if dl := byPayload["panic"]; dl != nil && !strings.Contains(dl.Error, "nil pointer") {
		t.Errorf("panic error %q", dl.Error)
	}
	if n := len(h.msgs(testOut.Name)); n != 0 {
		t.Errorf("%d outputs published", n)
	}
}

// An input close to the max payload is dead-lettered with its payload truncated to fit.
func TestLargeDeadLetterTruncated(t *testing.T) {
	h := newHarness(t, func(context.Context, *Msg) ([]Output, error) {
		return nil, Permanent(schema.ReasonUnprocessable, errors.New("no text"))
	}).start()
	body := bytes.Repeat([]byte("<p>x</p>"), 900<<10/8)
	h.publish("test.in.a", body, nil)
	dl := h.deadLetters(1)[0]
	if len(dl.Payload) == 0 || len(dl.Payload) >= len(body) || !bytes.Equal(dl.Payload, body[:len(dl.Payload)]) {
		t.Errorf("payload %d bytes of %d, want a non-empty prefix", len(dl.Payload), len(body))
	}
	want := fmt.Sprintf("of %d bytes; the original is TEST_IN sequence 1", len(body))
	if !strings.Contains(dl.Error, want) || !strings.HasPrefix(dl.Error, "no text") {
		t.Errorf("error %q", dl.Error)
	}
}

func TestDrainFinishesInFlightWork(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := newHarness(t, func(ctx context.Context, m *Msg) ([]Output, error) {
		close(started)
		<-release
		return echo(ctx, m)
	}).start()
	h.publish("test.in.a", []byte("slow"), nil)
	<-started
	h.cancel()
	select {
	case err := <-h.done:
		t.Fatalf("Run returned %v while a message was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	h.stopped = true
	if err := <-h.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(h.msgs(testOut.Name)); n != 1 {
		t.Errorf("%d outputs", n)
	}
	if info := h.consumerInfo(); info.AckFloor.Stream != 1 || info.NumAckPending != 0 {
		t.Errorf("input not acked: ack floor %d, pending %d", info.AckFloor.Stream, info.NumAckPending)
	}
}

func TestDrainTimeoutHandsWorkBack(t *testing.T) {
	started := make(chan struct{})
	h := newHarness(t, func(ctx context.Context, _ *Msg) ([]Output, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	h.cfg.DrainTimeout = 100 * time.Millisecond
	h.start()
	h.publish("test.in.a", []byte("stuck"), nil)
	<-started
	if err := h.stop(); !errors.Is(err, ErrDrainTimeout) {
		t.Fatalf("Run: %v, want ErrDrainTimeout", err)
	}
	if info := h.consumerInfo(); info.AckFloor.Stream != 0 {
		t.Errorf("message acked by a stopped stage: ack floor %d", info.AckFloor.Stream)
	}
	if n := len(h.msgs(schema.DeadLetterStream.Name)); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	// The next replica to start gets the message.
	h2 := newHarness(t, echo)
	h2.srv, h2.nc, h2.js, h2.cfg.Conn, h2.svc.Consumer = h.srv, h.nc, h.js, h.nc, h.svc.Consumer
	h2.start()
	h2.waitSettled(1)
	if out := h2.waitMsgs(testOut.Name, 1); string(out[0].Data) != "STUCK" {
		t.Errorf("output %q", out[0].Data)
	}
}

func TestInProgressKeepsSlowWork(t *testing.T) {
	var c calls
	h := newHarness(t, func(ctx context.Context, m *Msg) ([]Output, error) {
		c.add(string(m.Data))
		InProgress(ctx)
		time.Sleep(2500 * time.Millisecond)
		return echo(ctx, m)
	})
	h.svc.Consumer.AckWait = time.Second
	h.start()
	h.publish("test.in.a", []byte("slow"), nil)
	h.waitMsgs(testOut.Name, 1)
	h.waitSettled(1)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := c.get("slow"); n != 1 {
		t.Errorf("handled %d times: the message was redelivered during slow work", n)
	}
	InProgress(context.Background())
}

// A message whose last delivery never settles (its replica stopped mid-work) is
// dead-lettered by a live replica from the server's max-deliveries advisory.
func TestAbandonedLastDeliveryDeadLettered(t *testing.T) {
	started := make(chan struct{})
	a := newHarness(t, func(ctx context.Context, _ *Msg) ([]Output, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	a.svc.Consumer.MaxDeliver = 1
	a.cfg.DrainTimeout = 100 * time.Millisecond
	a.start()
	a.publish("test.in.a", []byte("abandoned"), nats.Header{"X-Test": {"1"}})
	<-started

	var c calls
	b := newHarness(t, func(_ context.Context, m *Msg) ([]Output, error) {
		c.add(string(m.Data))
		return nil, nil
	})
	b.srv, b.nc, b.js, b.cfg.Conn, b.svc.Consumer = a.srv, a.nc, a.js, a.nc, a.svc.Consumer
	b.cfg.Metrics = a.cfg.Metrics
	b.start()
	if err := a.stop(); !errors.Is(err, ErrDrainTimeout) {
		t.Fatalf("stopping replica a: %v", err)
	}
	dl := b.deadLetters(1)[0]
	if dl.Reason != schema.ReasonMaxDeliveries || string(dl.Payload) != "abandoned" || dl.StreamSeq != 1 ||
		dl.Deliveries != 1 || dl.Headers["X-Test"][0] != "1" || !strings.Contains(dl.Error, "without a result") {
		t.Errorf("dead letter %+v", dl)
	}
	if n := c.get("abandoned"); n != 0 {
		t.Errorf("replica b handled the message %d times past MaxDeliver", n)
	}
}

// Two replicas bound to one durable share its messages: every input is handled and
// published once.
func TestReplicasShareTheConsumer(t *testing.T) {
	var c calls
	handler := func(ctx context.Context, m *Msg) ([]Output, error) {
		c.add(string(m.Data))
		return echo(ctx, m)
	}
	a := newHarness(t, handler).start()
	b := newHarness(t, handler)
	b.srv, b.nc, b.js, b.cfg.Conn, b.svc.Consumer = a.srv, a.nc, a.js, a.nc, a.svc.Consumer
	b.start()
	const n = 60
	for i := range n {
		a.publish(fmt.Sprintf("test.in.site_%d", i%3), fmt.Appendf(nil, "msg-%d", i), nil)
	}
	a.waitMsgs(testOut.Name, n)
	a.waitSettled(n)
	for _, h := range []*harness{a, b} {
		if err := h.stop(); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(a.msgs(testOut.Name)); got != n {
		t.Errorf("%d outputs, want %d", got, n)
	}
	for i := range n {
		if k := fmt.Sprintf("msg-%d", i); c.get(k) != 1 {
			t.Errorf("%s handled %d times", k, c.get(k))
		}
	}
	in := a.metric("newsjet_stage_messages_in_total", map[string]string{"stage": "tester"}) +
		b.metric("newsjet_stage_messages_in_total", map[string]string{"stage": "tester"})
	if in != n {
		t.Errorf("messages_in over both replicas %v, want %d", in, n)
	}
}

// Two stages started at once in one process (embedded mode) share a connection and a
// Metrics, provision the stream between them concurrently, and keep their series apart.
func TestEmbeddedStagesShareConnectionAndMetrics(t *testing.T) {
	srv := natstest.Start(t)
	nc := natstest.Connect(t, srv)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	mid := schema.StreamSpec{Name: "TEST_MID", Subjects: []string{"test.mid.>"}, Retention: schema.WorkQueueRetention,
		MaxAge: time.Hour, Duplicates: time.Minute}
	metrics := NewMetrics()
	first := Service{Name: "first", Version: "t", Consumer: testConsumer, Streams: []schema.StreamSpec{testIn, mid},
		Setup: func(context.Context, Deps) (Handler, error) {
			return func(_ context.Context, m *Msg) ([]Output, error) {
				return []Output{{Subject: "test.mid.a", MsgID: schema.ID("mid", string(m.Data)), Data: m.Data}}, nil
			}, nil
		}}
	second := Service{Name: "second", Version: "t", Streams: []schema.StreamSpec{mid, testOut},
		Consumer: schema.ConsumerSpec{Durable: "second", Stream: mid.Name, FilterSubject: "test.mid.>", AckWait: 5 * time.Second, MaxDeliver: 3},
		Setup:    func(context.Context, Deps) (Handler, error) { return echo, nil }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	for _, svc := range []Service{first, second} {
		go func() { done <- Run(ctx, Config{Conn: nc, Metrics: metrics}, svc, zaptest.NewLogger(t)) }()
	}
	waitFor(t, "both consumers", func() bool {
		_, err1 := js.Consumer(ctx, testIn.Name, testConsumer.Durable)
		_, err2 := js.Consumer(ctx, mid.Name, "second")
		return err1 == nil && err2 == nil
	})
	if _, err := js.Publish(ctx, "test.in.a", []byte("through")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "output", func() bool {
		s, err := js.Stream(ctx, testOut.Name)
		if err != nil {
			return false
		}
		m, err := s.GetLastMsgForSubject(ctx, "test.out.a")
		return err == nil && string(m.Data) == "THROUGH"
	})
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	h := &harness{t: t, cfg: Config{Metrics: metrics}}
	for _, name := range []string{"first", "second"} {
		if v := h.metric("newsjet_stage_messages_out_total", map[string]string{"stage": name}); v != 1 {
			t.Errorf("%s: messages_out %v", name, v)
		}
	}
}
