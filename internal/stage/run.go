package stage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// ErrDrainTimeout is returned by Run when messages were still in flight when the drain
// timeout passed; they were handed back for redelivery.
var ErrDrainTimeout = errors.New("stage: drain timed out")

// ErrConsumerStopped is returned by Run when the consumer stopped on its own (e.g. it
// was deleted on the server).
var ErrConsumerStopped = errors.New("stage: consumer stopped")

// state is what the HTTP endpoints read while Run works.
type state struct {
	conn  atomic.Pointer[nats.Conn]
	bound atomic.Bool
}

// ready reports why the stage cannot take work, or nil.
func (s *state) ready(ctx context.Context, svc *Service) error {
	nc := s.conn.Load()
	switch {
	case nc == nil:
		return errors.New("nats: not connected yet")
	case nc.Status() != nats.CONNECTED:
		return fmt.Errorf("nats: %s", nc.Status())
	case !s.bound.Load():
		return errors.New("consumer not bound")
	}
	if svc.Ready != nil {
		if err := svc.Ready(ctx); err != nil {
			return fmt.Errorf("%s: %w", svc.Name, err)
		}
	}
	return nil
}

// Run runs a stage until ctx ends: it serves HTTP (when cfg.HTTPAddr is set), connects
// (unless cfg.Conn is given), creates or updates the streams and the durable consumer
// (unless cfg.NoProvision), builds the handler with svc.Setup, and handles messages with
// cfg.Concurrency workers. When ctx ends it drains: no new messages are pulled, those
// already delivered are finished, and Run returns nil, or ErrDrainTimeout when work
// was still in flight after cfg.DrainTimeout (that work is handed back for
// redelivery). Then svc.Close is called and a connection Run opened is closed. A ctx
// that ends before the start completed also gives nil.
//
// Errors: ErrConfig for a bad cfg or svc, connection, provisioning and Setup errors
// (wrapped), ErrConsumerStopped when the consumer ends by itself, and the HTTP
// listener's error.
func Run(ctx context.Context, cfg Config, svc Service, log *zap.Logger) (err error) {
	cfg.setDefaults()
	if err := errors.Join(cfg.Validate(), svc.validate()); err != nil {
		return err
	}
	if log == nil {
		log = zap.NewNop()
	}
	log = log.With(zap.String("stage", svc.Name), zap.String("version", svc.Version))
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	st := &state{}

	if cfg.HTTPAddr != "" {
		srv, err := serveHTTP(cfg.HTTPAddr, &svc, st, cfg.Metrics, log)
		if err != nil {
			return err
		}
		defer srv.shutdown(log)
	}

	nc := cfg.Conn
	if nc == nil {
		if nc, err = connect(ctx, &cfg, svc.Name+"/"+svc.Version, log); err != nil {
			return startErr(ctx, err)
		}
		defer nc.Close()
	}
	st.conn.Store(nc)
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if !cfg.NoProvision {
		if err := ProvisionStreams(ctx, js, withDeadLetters(svc.Streams), cfg.StreamReplicas); err != nil {
			return startErr(ctx, err)
		}
	}
	cons, err := bindConsumer(ctx, js, svc.Consumer, !cfg.NoProvision)
	if err != nil {
		return startErr(ctx, err)
	}
	handler, err := svc.Setup(ctx, Deps{Conn: nc, JS: js, Log: log, Registry: cfg.Metrics.Registry()})
	if err != nil {
		return startErr(ctx, fmt.Errorf("setting up %s: %w", svc.Name, err))
	}
	if svc.Close != nil {
		defer func() {
			if cerr := svc.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("closing %s: %w", svc.Name, cerr))
			}
		}()
	}

	info := cons.CachedInfo()
	w := &worker{
		name: svc.Name, js: js, handler: handler, log: log,
		metrics: cfg.Metrics.forStage(svc.Name), cfg: &cfg,
		maxDeliver: info.Config.MaxDeliver, ackWait: info.Config.AckWait, maxPayload: nc.MaxPayload,
	}
	// Work outlives ctx: in-flight messages finish during the drain, and are only
	// cancelled when the drain timeout passes.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	sub, err := watchAbandoned(workCtx, nc, js, w, info.Stream, info.Name)
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	return consume(ctx, workCtx, cancelWork, cons, w, &cfg, st, log)
}

// startErr returns a startup error, or nil when ctx ended meanwhile: being stopped
// before the start completed is a clean stop.
func startErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// consume dispatches deliveries to at most cfg.Concurrency goroutines until ctx ends,
// then drains. Handlers run under workCtx, which cancelWork ends at the drain deadline.
func consume(ctx, workCtx context.Context, cancelWork context.CancelFunc, cons jetstream.Consumer, w *worker, cfg *Config, st *state, log *zap.Logger) error {
	slots := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	var lastErr atomic.Pointer[error]
	cc, err := cons.Consume(func(jm jetstream.Msg) {
		select {
		case slots <- struct{}{}:
		case <-workCtx.Done():
			// Past the drain deadline with every worker stuck: hand the message back.
			_ = jm.Nak()
			return
		}
		wg.Go(func() {
			defer func() { <-slots }()
			w.process(workCtx, jm)
		})
	},
		// Pull no more than the workers can start on: a message waiting in a local
		// buffer uses up its AckWait without progress signals.
		jetstream.PullMaxMessages(cfg.Concurrency),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			lastErr.Store(&err)
			log.Warn("consumer", zap.Error(err))
		}))
	if err != nil {
		return fmt.Errorf("consuming: %w", err)
	}
	st.bound.Store(true)
	log.Info("consuming", zap.String("stream", cons.CachedInfo().Stream), zap.String("consumer", cons.CachedInfo().Name),
		zap.Int("concurrency", cfg.Concurrency))

	select {
	case <-ctx.Done():
	case <-cc.Closed():
		st.bound.Store(false)
		wg.Wait()
		if p := lastErr.Load(); p != nil {
			return fmt.Errorf("%w: %w", ErrConsumerStopped, *p)
		}
		return ErrConsumerStopped
	}
	st.bound.Store(false)
	log.Info("draining", zap.Duration("timeout", cfg.DrainTimeout))
	deadline := time.NewTimer(cfg.DrainTimeout)
	defer deadline.Stop()
	cc.Drain()
	drained := make(chan struct{})
	go func() {
		<-cc.Closed()
		wg.Wait()
		close(drained)
	}()
	select {
	case <-drained:
		log.Info("drained")
		return nil
	case <-deadline.C:
	}
	cc.Stop()
	cancelWork()
	// Cancelled handlers hand their messages back; give them a moment to do so.
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
	}
	log.Warn("drain timed out; unfinished messages will be redelivered")
	return ErrDrainTimeout
}
