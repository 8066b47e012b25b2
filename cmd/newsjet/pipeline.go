package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/segmentio/encoding/json"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

// pipelineOptions configure the embedded pipeline of `newsjet run`.
type pipelineOptions struct {
	server serverOptions
	// HTTPAddr serves /healthz, /readyz, /metrics and the sink's read API; "" serves none.
	HTTPAddr string
	// Concurrency is the number of workers of the stages it names; the others have
	// DefaultConcurrency (0: GOMAXPROCS).
	Concurrency        map[string]int
	DefaultConcurrency int
	// Stage holds the runtime settings every stage gets (drain and handler timeouts,
	// retry back-off; zero fields take the stage defaults). Its connection, HTTP,
	// concurrency, provisioning and metrics fields are set by startPipeline.
	Stage stage.Config
	// Services are the stages to run.
	Services []stage.Service
}

// pipeline is an embedded NATS server with the stages running against it.
type pipeline struct {
	ns     *server.Server
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *zap.Logger
	http   *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errs   chan error
	conns  []*nats.Conn
	svcs   []stage.Service
}

// ErrStageFailed is returned when a stage stops on its own while the pipeline runs.
var ErrStageFailed = errors.New("stage stopped")

// startPipeline starts the server, provisions every stream and consumer, and runs each
// service with stage.Run on an in-process connection of its own, sharing one metrics
// registry. It returns once the pipeline is ready (the sink's store open), or with the
// first stage's error. Stop it with stop.
func startPipeline(ctx context.Context, opts pipelineOptions, log *zap.Logger) (_ *pipeline, err error) {
	ns, err := startServer(opts.server, log)
	if err != nil {
		return nil, err
	}
	p := &pipeline{ns: ns, log: log, errs: make(chan error, len(opts.Services)+1), svcs: opts.Services}
	defer func() {
		if err != nil {
			p.stop(context.WithoutCancel(ctx)) //nolint:errcheck // the start error is the one to report
		}
	}()
	if p.nc, err = p.connect("newsjet"); err != nil {
		return p, err
	}
	// A loaded machine can take longer than the client's 5 s default to create a stream.
	if p.js, err = jetstream.New(p.nc, jetstream.WithDefaultTimeout(30*time.Second)); err != nil {
		return p, fmt.Errorf("jetstream: %w", err)
	}
	if err := p.provision(ctx); err != nil {
		return p, err
	}
	metrics := stage.NewMetrics()
	if opts.HTTPAddr != "" {
		if err := p.serveHTTP(opts.HTTPAddr, metrics); err != nil {
			return p, err
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	for _, svc := range opts.Services {
		nc, err := p.connect("newsjet/" + svc.Name)
		if err != nil {
			return p, err
		}
		cfg := opts.Stage
		cfg.Conn, cfg.Metrics, cfg.Concurrency, cfg.HTTPAddr, cfg.NoProvision = nc, metrics, opts.DefaultConcurrency, "", true
		if n, ok := opts.Concurrency[svc.Name]; ok {
			cfg.Concurrency = n
		}
		p.wg.Go(func() {
			err := stage.Run(runCtx, cfg, svc, log.Named(svc.Name))
			if runCtx.Err() == nil {
				err = fmt.Errorf("%w: %s: %v", ErrStageFailed, svc.Name, err)
			}
			if err != nil {
				p.errs <- err
			}
		})
	}
	return p, p.waitReady(ctx)
}

// provision creates or updates every stream, the page bucket and the stages' consumers,
// one after the other. The stages then only bind their consumers: nats-server v2.15.2
// races (its data race detector says so) when one client updates a stream while another
// creates a consumer on it, which is what four stages provisioning at once would do.
func (p *pipeline) provision(ctx context.Context) error {
	if err := stage.ProvisionStreams(ctx, p.js, schema.Streams(), 1); err != nil {
		return err
	}
	if err := claimcheck.Check(ctx, p.js, true); err != nil {
		return err
	}
	for _, svc := range p.svcs {
		spec := svc.Consumer
		if _, err := p.js.CreateOrUpdateConsumer(ctx, spec.Stream, stage.ConsumerConfig(spec)); err != nil {
			return fmt.Errorf("provisioning consumer %s on %s: %w", spec.Durable, spec.Stream, err)
		}
	}
	return nil
}

// connect opens an in-process client connection to the embedded server.
func (p *pipeline) connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(p.ns), nats.Name(name), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("connecting to the embedded server: %w", err)
	}
	p.conns = append(p.conns, nc)
	return nc, nil
}

// waitReady waits until the pipeline is ready (see ready), or a stage fails.
func (p *pipeline) waitReady(ctx context.Context) error {
	for {
		err := p.ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case err := <-p.errs:
			return err
		case <-ctx.Done():
			return fmt.Errorf("waiting for the stages: %w (last: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// consumersBound returns nil when every stage's consumer exists.
func (p *pipeline) consumersBound(ctx context.Context) error {
	for _, svc := range p.svcs {
		if _, err := p.js.Consumer(ctx, svc.Consumer.Stream, svc.Consumer.Durable); err != nil {
			return fmt.Errorf("consumer %s: %w", svc.Consumer.Durable, err)
		}
	}
	return nil
}

// serveHTTP serves health, readiness, metrics and the services' own routes on addr.
func (p *pipeline) serveHTTP(addr string, metrics *stage.Metrics) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "stage": embeddedStage, "version": stage.Version})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := p.ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{
				"status": "not ready", "stage": embeddedStage, "version": stage.Version, "error": err.Error(),
			})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "stage": embeddedStage, "version": stage.Version})
	})
	mux.Handle("GET /metrics", metrics.Handler())
	for _, svc := range p.svcs {
		if svc.Routes != nil {
			svc.Routes(mux)
		}
	}
	p.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := p.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.errs <- fmt.Errorf("http server: %w", err)
		}
	}()
	p.log.Info("serving http", zap.String("addr", ln.Addr().String()))
	return nil
}

// embeddedStage is the stage named by the health endpoints of `newsjet run`, which
// runs all four.
const embeddedStage = "newsjet"

// writeJSON answers v as a JSON document with the status code.
func writeJSON(w http.ResponseWriter, code int, v map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // a map of strings encodes; the client may be gone
}

// ready reports whether the server is up, every consumer is bound and every stage's own
// readiness check passes.
func (p *pipeline) ready(ctx context.Context) error {
	if !p.ns.Running() || !p.nc.IsConnected() {
		return errors.New("nats server not running")
	}
	if err := p.consumersBound(ctx); err != nil {
		return err
	}
	for _, svc := range p.svcs {
		if svc.Ready != nil {
			if err := svc.Ready(ctx); err != nil {
				return fmt.Errorf("%s: %w", svc.Name, err)
			}
		}
	}
	return nil
}

// failed returns a channel that yields an error when a stage or the HTTP server fails.
func (p *pipeline) failed() <-chan error { return p.errs }

// stop drains the stages, stops the HTTP server, closes the connections and shuts the
// server down, within ctx. It returns every stage or HTTP error not yet received from
// failed, and the stages' drain errors.
func (p *pipeline) stop(ctx context.Context) error {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	var errs []error
drain:
	for {
		select {
		case err := <-p.errs:
			errs = append(errs, err)
		default:
			break drain
		}
	}
	if p.http != nil {
		if err := p.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http server: %w", err))
		}
	}
	for _, nc := range p.conns {
		nc.Close()
	}
	shutdownServer(ctx, p.ns)
	return errors.Join(errs...)
}
