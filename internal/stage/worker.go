package stage

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/pkg/schema"
)

// ErrTooLarge is wrapped when a message to publish exceeds the server's max payload.
var ErrTooLarge = errors.New("stage: message exceeds the server's max payload")

// worker handles delivered messages for one stage.
type worker struct {
	name    string
	js      jetstream.JetStream
	handler Handler
	log     *zap.Logger
	metrics *stageMetrics
	cfg     *Config
	gate    *gate
	// stopping closes when Run's context ends: held messages are handed back then.
	stopping   <-chan struct{}
	maxDeliver int
	ackWait    time.Duration
	// maxPayload returns the connected server's max payload (it may change on
	// reconnect).
	maxPayload func() int64
}

// process handles one delivery from start to its final ack, nak or term. ctx ends only
// when the drain deadline passes.
func (w *worker) process(ctx context.Context, jm jetstream.Msg) {
	start := time.Now()
	w.metrics.in.Inc()
	w.metrics.inFlight.Inc()
	defer func() {
		w.metrics.inFlight.Dec()
		w.metrics.seconds.Observe(time.Since(start).Seconds())
	}()

	meta, err := jm.Metadata()
	if err != nil {
		w.log.Error("message without JetStream metadata", zap.String("subject", jm.Subject()), zap.Error(err))
		_ = jm.Term()
		return
	}
	m := &Msg{
		Subject:    jm.Subject(),
		Header:     jm.Headers(),
		Data:       jm.Data(),
		Deliveries: meta.NumDelivered,
		Received:   meta.Timestamp,
		Stream:     meta.Stream,
		StreamSeq:  meta.Sequence.Stream,
	}
	// WithLazy: the fields are encoded only when a line is logged, not for every
	// message handled with nothing to say.
	log := w.log.WithLazy(zap.String("subject", m.Subject), zap.Uint64("stream_seq", m.StreamSeq),
		zap.Uint64("deliveries", m.Deliveries))

	stop := w.keepAlive(jm)
	defer stop()

	outs, err := w.call(ctx, jm, m, log)
	for errors.Is(err, ErrUnavailable) {
		// Not the message's fault: keep it (keepAlive runs) until the dependency is
		// back, then handle it again, with no delivery used up.
		opened, first := w.gate.close(err)
		if first {
			log.Warn("dependency unavailable; pausing the stage", zap.Error(err))
		}
		select {
		case <-opened:
		case <-w.stopping:
			log.Info("stopping while paused; handing the message back")
			_ = jm.Nak()
			return
		}
		outs, err = w.call(ctx, jm, m, log)
	}
	if err == nil {
		err = w.publish(ctx, m, outs)
	}
	if err == nil {
		w.gate.succeeded()
		if err := jm.DoubleAck(ctx); err != nil {
			log.Warn("ack not confirmed; the message will be redelivered and its outputs deduplicated", zap.Error(err))
			return
		}
		if ce := log.Check(zap.DebugLevel, "handled"); ce != nil {
			ce.Write(zap.Int("outputs", len(outs)), zap.Duration("took", time.Since(start)))
		}
		return
	}
	w.fail(ctx, jm, m, err, log)
}

// hold keeps a delivered message that no worker could start on before the stage paused,
// signalling progress, until the gate opens; then it handles it like any other, in one
// of the slots. It hands the message back when the stage stops first.
func (w *worker) hold(ctx context.Context, jm jetstream.Msg, slots chan struct{}) {
	stop := w.keepAlive(jm)
	_, opened, _ := w.gate.state()
	select {
	case <-opened:
	case <-w.stopping:
		stop()
		_ = jm.Nak()
		return
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		stop()
		_ = jm.Nak()
		return
	}
	defer func() { <-slots }()
	stop()
	w.process(ctx, jm)
}

// call runs the handler under the handler timeout, turning a panic into a permanent
// error.
func (w *worker) call(ctx context.Context, jm jetstream.Msg, m *Msg, log *zap.Logger) (outs []Output, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.HandlerTimeout)
	defer cancel()
	ctx = withProgress(ctx, func() {
		if err := jm.InProgress(); err != nil {
			log.Debug("progress signal failed", zap.Error(err))
		}
	})
	defer func() {
		if r := recover(); r != nil {
			log.Error("handler panicked", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			outs, err = nil, Permanent(ReasonPanic, fmt.Errorf("handler panicked: %v", r))
		}
	}()
	return w.handler(ctx, m)
}

// keepAlive signals progress every AckWait/2 until the returned stop is called, so a slow
// handler keeps its message.
func (w *worker) keepAlive(jm jetstream.Msg) (stop func()) {
	every := w.ackWait / 2
	if every <= 0 {
		every = 15 * time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = jm.InProgress()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// publish sends every output of input m, with its Nats-Msg-Id scoped to m's delivery
// (see DeliveryMsgID) unless it is ContentScoped, and waits for each stream
// acknowledgement.
func (w *worker) publish(ctx context.Context, m *Msg, outs []Output) error {
	for i, o := range outs {
		if o.Subject == "" || o.MsgID == "" {
			return Permanent(ReasonBadOutput, fmt.Errorf("stage %s: output %d has no subject or message id", w.name, i))
		}
	}
	for _, o := range outs {
		nm := nats.NewMsg(o.Subject)
		for k, v := range o.Header {
			nm.Header[k] = append([]string(nil), v...)
		}
		id := o.MsgID
		if !o.ContentScoped {
			id = DeliveryMsgID(o.MsgID, m.Stream, m.StreamSeq)
		}
		nm.Header.Set(schema.HeaderMsgID, id)
		if o.Schema != "" {
			nm.Header.Set(schema.HeaderSchema, o.Schema)
		}
		nm.Data = o.Data
		if err := w.send(ctx, nm); err != nil {
			return err
		}
		w.metrics.out.Inc()
	}
	return nil
}

// send publishes one message and waits for its acknowledgement. A message over the max
// payload is a permanent failure; anything else is transient.
func (w *worker) send(ctx context.Context, nm *nats.Msg) error {
	if size, limit := MsgSize(nm), w.maxPayload(); limit > 0 && size > limit {
		return Permanent(ReasonTooLarge, fmt.Errorf("%w: %d bytes on %s, max_payload %d", ErrTooLarge, size, nm.Subject, limit))
	}
	if _, err := w.js.PublishMsg(ctx, nm); err != nil {
		if errors.Is(err, nats.ErrMaxPayload) {
			return Permanent(ReasonTooLarge, fmt.Errorf("%w: on %s: %w", ErrTooLarge, nm.Subject, err))
		}
		return fmt.Errorf("publishing to %s: %w", nm.Subject, err)
	}
	return nil
}

// MsgSize returns the bytes a message counts against the server's max payload: its
// data and its encoded headers.
func MsgSize(nm *nats.Msg) int64 {
	n := len(nm.Data)
	if len(nm.Header) > 0 {
		n += len("NATS/1.0\r\n\r\n")
		for k, vs := range nm.Header {
			for _, v := range vs {
				n += len(k) + len(": ") + len(v) + len("\r\n")
			}
		}
	}
	return int64(n)
}

// fail settles a failed delivery: redelivery after a back-off for a transient error
// with deliveries left; otherwise a dead letter, then Term.
func (w *worker) fail(ctx context.Context, jm jetstream.Msg, m *Msg, herr error, log *zap.Logger) {
	if ctx.Err() != nil {
		log.Warn("stopping before the message was done; it will be redelivered", zap.Error(herr))
		_ = jm.Nak()
		return
	}
	reason, permanent := ReasonOf(herr)
	if permanent {
		w.metrics.permanent.Inc()
	} else {
		w.metrics.transient.Inc()
		if w.maxDeliver <= 0 || m.Deliveries < uint64(w.maxDeliver) {
			delay := w.backoff(m.Deliveries)
			log.Warn("transient failure, retrying", zap.Duration("delay", delay), zap.Error(herr))
			if err := jm.NakWithDelay(delay); err != nil {
				log.Warn("nak failed; the message returns after AckWait", zap.Error(err))
			}
			return
		}
		reason = schema.ReasonMaxDeliveries
	}
	if err := w.deadLetter(ctx, m, reason, herr); err != nil {
		log.Error("dead letter not published; retrying the message", zap.String("reason", reason),
			zap.NamedError("cause", herr), zap.Error(err))
		_ = jm.NakWithDelay(w.backoff(m.Deliveries))
		return
	}
	w.metrics.deadLettered.WithLabelValues(reason).Inc()
	log.Warn("dead-lettered", zap.String("reason", reason), zap.Error(herr))
	if err := jm.TermWithReason(reason); err != nil {
		log.Warn("term failed; a redelivery will be dead-lettered again under the same id", zap.Error(err))
	}
}

// backoff is the redelivery delay after the given delivery failed: RetryBackoff doubled
// per earlier delivery, capped at RetryBackoffMax.
func (w *worker) backoff(deliveries uint64) time.Duration {
	d := w.cfg.RetryBackoff
	for i := uint64(1); i < deliveries && d < w.cfg.RetryBackoffMax; i++ {
		d *= 2
	}
	return min(d, w.cfg.RetryBackoffMax)
}

// deadLetter publishes a DeadLetter for m. A payload too large to fit the max payload is
// truncated, and the error text says so and where the original is.
func (w *worker) deadLetter(ctx context.Context, m *Msg, reason string, cause error) error {
	dl := &schema.DeadLetter{
		ID:         schema.DeadLetterID(w.name, m.Stream, m.StreamSeq),
		Stage:      w.name,
		Reason:     reason,
		Error:      cause.Error(),
		Deliveries: m.Deliveries,
		Subject:    m.Subject,
		Stream:     m.Stream,
		StreamSeq:  m.StreamSeq,
		Headers:    m.Header,
		Payload:    m.Data,
		FailedAt:   time.Now().UTC(),
	}
	nm := nats.NewMsg(schema.DeadSubject(w.name))
	nm.Header.Set(schema.HeaderMsgID, dl.ID)
	nm.Header.Set(schema.HeaderSchema, schema.DeadLetterV1)
	nm.Header.Set(schema.HeaderDeadReason, reason)
	data, err := schema.Encode(dl)
	if err != nil {
		return fmt.Errorf("encoding dead letter: %w", err)
	}
	nm.Data = data
	if limit := w.maxPayload(); limit > 0 && MsgSize(nm) > limit {
		over := MsgSize(nm) - limit
		keep := max(0, len(m.Data)-base64.StdEncoding.DecodedLen(int(over)+4096))
		dl.Payload, dl.PayloadTruncated = m.Data[:keep], true
		dl.Error = fmt.Sprintf("%s [payload truncated to %d of %d bytes; the original is %s sequence %d]",
			cause.Error(), keep, len(m.Data), m.Stream, m.StreamSeq)
		if nm.Data, err = schema.Encode(dl); err != nil {
			return fmt.Errorf("encoding dead letter: %w", err)
		}
	}
	return w.send(ctx, nm)
}
