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
	// starting is why the start has not completed yet (the last failure of a step
	// being retried), nil once it has.
	starting atomic.Pointer[error]
	gate     *gate
}

// ready reports why the stage cannot take work, or nil.
func (s *state) ready(ctx context.Context, svc *Service) error {
	nc := s.conn.Load()
	switch {
	case nc == nil:
		return errors.New("nats: not connected yet")
	case nc.Status() != nats.CONNECTED:
		return fmt.Errorf("nats: %s", nc.Status())
	}
	if p := s.starting.Load(); p != nil {
		return fmt.Errorf("starting: %w", *p)
	}
	if cause, _, _ := s.gate.state(); cause != nil {
		return fmt.Errorf("paused: %w", cause)
	}
	if !s.bound.Load() {
		return errors.New("consumer not bound")
	}
	if svc.Ready != nil {
		if err := svc.Ready(ctx); err != nil {
			return fmt.Errorf("%s: %w", svc.Name, err)
		}
	}
	return nil
}

// pullHeartbeat is the idle heartbeat the consumer's pull requests ask for.
const pullHeartbeat = time.Second

// Back-off of the start steps that are retried.
const (
	startRetryFirst = 500 * time.Millisecond
	startRetryMax   = 5 * time.Second
)

// Run runs a stage until ctx ends: it serves HTTP (when cfg.HTTPAddr is set), connects
// (unless cfg.Conn is given), creates or updates the streams and the durable consumer
// (unless cfg.NoProvision: then it binds to the existing consumer), builds the handler
// with svc.Setup, and handles messages with cfg.Concurrency workers. A start step that
// fails (the broker or a cluster still forming, a stream or consumer not declared yet,
// Setup reporting an unavailable dependency) is retried with back-off from 500ms to 5s
// until it succeeds or ctx ends; meanwhile /readyz answers 503 with the step's error and
// every failure is logged. While a handler reports its dependency unavailable the stage
// pauses (see Unavailable). When ctx ends it drains: no new messages are pulled, those
// already delivered are finished, and Run returns nil, or ErrDrainTimeout when work
// was still in flight after cfg.DrainTimeout (that work is handed back for
// redelivery). Then svc.Close is called and a connection Run opened is closed. A ctx
// that ends before the start completed also gives nil.
//
// Errors: ErrConfig for a bad cfg or svc, a connection error that retrying cannot fix
// (credentials, TLS), a Setup error not wrapping ErrUnavailable (wrapped),
// ErrConsumerStopped when the consumer ends by itself, and the HTTP listener's error.
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
	st := &state{gate: newGate()}
	notStarted := errors.New("not started yet")
	st.starting.Store(&notStarted)

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
	cons, handler, err := start(ctx, js, &cfg, &svc, st, log)
	if err != nil {
		return startErr(ctx, err)
	}
	if svc.Close != nil {
		defer func() {
			if cerr := svc.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("closing %s: %w", svc.Name, cerr))
			}
		}()
	}
	st.starting.Store(nil)

	info := cons.CachedInfo()
	w := &worker{
		name: svc.Name, js: js, handler: handler, log: log,
		metrics: cfg.Metrics.forStage(svc.Name), cfg: &cfg, gate: st.gate, stopping: ctx.Done(),
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
	return consume(ctx, workCtx, cancelWork, cons, w, &cfg, &svc, st, log)
}

// start provisions the streams (unless cfg.NoProvision), binds the consumer and runs
// svc.Setup, retrying with back-off until all succeed: any provisioning or binding
// error, and a Setup error wrapping ErrUnavailable, is retried; another Setup error and
// the end of ctx are returned. Each failure is logged and shown on /readyz.
func start(ctx context.Context, js jetstream.JetStream, cfg *Config, svc *Service, st *state, log *zap.Logger) (jetstream.Consumer, Handler, error) {
	wait := startRetryFirst
	var failingSince time.Time
	for {
		cons, handler, err := startOnce(ctx, js, cfg, svc, log)
		if err == nil {
			if !failingSince.IsZero() {
				log.Info("start completed after retries", zap.Duration("waited", time.Since(failingSince)))
			}
			return cons, handler, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		var setupErr *setupError
		if errors.As(err, &setupErr) && !errors.Is(err, ErrUnavailable) {
			return nil, nil, err
		}
		if failingSince.IsZero() {
			failingSince = time.Now()
		}
		st.starting.Store(&err)
		log.Warn("not ready, retrying the start", zap.Duration("in", wait), zap.Error(err))
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, startRetryMax)
	}
}

// setupError is a Setup failure, told apart from provisioning and binding ones.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

func startOnce(ctx context.Context, js jetstream.JetStream, cfg *Config, svc *Service, log *zap.Logger) (jetstream.Consumer, Handler, error) {
	if !cfg.NoProvision {
		if err := ProvisionStreams(ctx, js, withDeadLetters(svc.Streams), cfg.StreamReplicas); err != nil {
			return nil, nil, err
		}
	}
	cons, err := bindConsumer(ctx, js, svc.Consumer, !cfg.NoProvision)
	if err != nil {
		return nil, nil, err
	}
	handler, err := svc.Setup(ctx, Deps{Conn: js.Conn(), JS: js, Log: log, Registry: cfg.Metrics.Registry(), Provision: !cfg.NoProvision})
	if err != nil {
		return nil, nil, &setupError{fmt.Errorf("setting up %s: %w", svc.Name, err)}
	}
	return cons, handler, nil
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
// While the gate is closed (a dependency unavailable) it stops pulling: the messages
// already buffered are held, signalling progress, until the gate opens, and pulling
// resumes then.
func consume(ctx, workCtx context.Context, cancelWork context.CancelFunc, cons jetstream.Consumer, w *worker, cfg *Config, svc *Service, st *state, log *zap.Logger) error {
	slots := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	var lastErr atomic.Pointer[error]
	onMsg := func(jm jetstream.Msg) {
		_, _, closed := st.gate.state()
		select {
		case slots <- struct{}{}:
		case <-closed:
			// Paused with every worker busy: hold the message until the gate opens.
			wg.Go(func() { w.hold(workCtx, jm, slots) })
			return
		case <-workCtx.Done():
			// Past the drain deadline with every worker stuck: hand the message back.
			_ = jm.Nak()
			return
		}
		wg.Go(func() {
			defer func() { <-slots }()
			w.process(workCtx, jm)
		})
	}
	opts := []jetstream.PullConsumeOpt{
		// Pull no more than the workers can start on: a message waiting in a local
		// buffer uses up its AckWait without progress signals.
		jetstream.PullMaxMessages(cfg.Concurrency),
		// A pull request the client counts as pending but the server no longer holds
		// leaves the stage idle with messages waiting until two heartbeats are missed,
		// 30s at nats.go's default (the expiry's half); a pipeline benchmark run saw
		// such minute-long stalls. A 1s heartbeat bounds the stall to about 2s for one
		// idle heartbeat message a second.
		jetstream.PullHeartbeat(pullHeartbeat),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			lastErr.Store(&err)
			log.Warn("consumer", zap.Error(err))
		}),
	}
	for {
		cc, err := cons.Consume(onMsg, opts...)
		if err != nil {
			return fmt.Errorf("consuming: %w", err)
		}
		st.bound.Store(true)
		log.Info("consuming", zap.String("stream", cons.CachedInfo().Stream), zap.String("consumer", cons.CachedInfo().Name),
			zap.Int("concurrency", cfg.Concurrency))
		_, _, closed := st.gate.state()
		select {
		case <-ctx.Done():
			return drain(cc, &wg, cancelWork, cfg, st, log)
		case <-cc.Closed():
			st.bound.Store(false)
			wg.Wait()
			if p := lastErr.Load(); p != nil {
				return fmt.Errorf("%w: %w", ErrConsumerStopped, *p)
			}
			return ErrConsumerStopped
		case <-closed:
		}
		// Paused: stop pulling; what is buffered goes to onMsg, which holds it.
		cause, opened, _ := st.gate.state()
		log.Warn("dependency unavailable: paused, holding the delivered messages", zap.Error(cause))
		cc.Drain()
		go st.gate.probe(ctx, svc.Ready, cfg.RetryBackoff, log)
		select {
		case <-ctx.Done():
			return drain(cc, &wg, cancelWork, cfg, st, log)
		case <-opened:
		}
		select {
		case <-ctx.Done():
			return drain(cc, &wg, cancelWork, cfg, st, log)
		case <-cc.Closed():
		}
	}
}

// drain stops the consumption and waits for the work in flight, at most
// cfg.DrainTimeout; past it, it cancels the work (handing it back) and returns
// ErrDrainTimeout.
func drain(cc jetstream.ConsumeContext, wg *sync.WaitGroup, cancelWork context.CancelFunc, cfg *Config, st *state, log *zap.Logger) error {
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
