// Package stagetest runs stages against a test's NATS server and reads what they
// published: a small kit for stage tests (pair it with package natstest).
package stagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

// Timeout bounds every wait of this package.
const Timeout = 30 * time.Second

// Config returns a stage configuration for tests: the given connection, no HTTP
// server, two workers, and retries after 20ms (capped at 200ms).
func Config(nc *nats.Conn) stage.Config {
	return stage.Config{
		Conn: nc, Concurrency: 2, DrainTimeout: 10 * time.Second,
		RetryBackoff: 20 * time.Millisecond, RetryBackoffMax: 200 * time.Millisecond,
	}
}

// Running is a stage started by Start.
type Running struct {
	t      testing.TB
	cancel context.CancelFunc
	done   chan error
	err    error
	ended  bool
}

// Start runs svc with cfg until Stop or the end of the test, and returns once its
// consumer exists.
func Start(t testing.TB, cfg stage.Config, svc stage.Service) *Running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{t: t, cancel: cancel, done: make(chan error, 1)}
	log := zaptest.NewLogger(t)
	go func() { r.done <- stage.Run(ctx, cfg, svc, log) }()
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Errorf("stage %s: %v", svc.Name, err)
		}
	})
	js := JetStream(t, cfg.Conn)
	Wait(t, "consumer "+svc.Consumer.Durable, func() bool {
		select {
		case err := <-r.done:
			r.ended, r.err = true, err
			t.Fatalf("stage %s ended at start: %v", svc.Name, err)
		default:
		}
		_, err := js.Consumer(context.Background(), svc.Consumer.Stream, svc.Consumer.Durable)
		return err == nil
	})
	return r
}

// Stop cancels the stage and returns Run's result; later calls return it again.
func (r *Running) Stop() error {
	if r.ended {
		return r.err
	}
	r.cancel()
	select {
	case r.err = <-r.done:
	case <-time.After(Timeout):
		r.err = errors.New("stagetest: Run did not return after cancel")
	}
	r.ended = true
	return r.err
}

// JetStream returns a JetStream context on nc.
func JetStream(t testing.TB, nc *nats.Conn) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// Wait polls cond every 10ms until it holds, failing the test after Timeout.
func Wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("stagetest: timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Msgs returns every message in stream, in order (none when the stream does not exist).
func Msgs(t testing.TB, js jetstream.JetStream, stream string) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	if info.State.Msgs == 0 {
		return nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// WaitMsgs waits until stream holds at least n messages and returns them all.
func WaitMsgs(t testing.TB, js jetstream.JetStream, stream string, n int) []*jetstream.RawStreamMsg {
	t.Helper()
	var got []*jetstream.RawStreamMsg
	Wait(t, stream+" messages", func() bool {
		got = Msgs(t, js, stream)
		return len(got) >= n
	})
	return got
}

// DeadLetters waits until the dead-letter stream holds at least n messages and returns
// them decoded.
func DeadLetters(t testing.TB, js jetstream.JetStream, n int) []*schema.DeadLetter {
	t.Helper()
	var out []*schema.DeadLetter
	for _, m := range WaitMsgs(t, js, schema.DeadLetterStream.Name, n) {
		dl, err := schema.DecodeDeadLetter(m.Data)
		if err != nil {
			t.Fatalf("dead letter: %v", err)
		}
		out = append(out, dl)
	}
	return out
}

// WaitSettled waits until the consumer has no message left to deliver and none
// awaiting acknowledgement (a message waiting for a retry counts as awaiting).
func WaitSettled(t testing.TB, js jetstream.JetStream, spec schema.ConsumerSpec) {
	t.Helper()
	Wait(t, "consumer "+spec.Durable+" settled", func() bool {
		c, err := js.Consumer(context.Background(), spec.Stream, spec.Durable)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
}
