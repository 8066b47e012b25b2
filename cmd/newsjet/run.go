package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
	"github.com/newsjet/newsjet/services/fetcher"
	"github.com/newsjet/newsjet/services/sink"
)

// Defaults of `newsjet run`.
const (
	defaultDataDir  = "./newsjet-data"
	defaultListen   = "127.0.0.1:4222"
	defaultHTTPAddr = "127.0.0.1:8080"
	defaultTimeout  = 5 * time.Minute
)

// runFlags are the flags of `newsjet run`.
type runFlags struct {
	dataDir     string
	listen      string
	httpAddr    string
	sink        sink.Config
	concurrency int
	// stage holds the runtime flags that apply to an embedded pipeline: drain and
	// handler timeouts, retry back-off.
	stage       stage.Config
	once        bool
	timeout     time.Duration
	contentType string
	logLevel    string
	version     bool
	fetcher     fetcher.Config
}

// runFlagSet returns the flag set of `newsjet run` bound to a new runFlags: the
// runtime flags that apply to an embedded pipeline (not the NATS connection flags,
// --provision or --stream-replicas: it runs and provisions its own one-node server),
// the fetcher's and the sink's flags, and its own.
func (a *app) runFlagSet() (*flag.FlagSet, *runFlags) {
	fs := a.flagSet("run", "[--once FILE|URL...]")
	f := &runFlags{}
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir, "directory of the JetStream store and the SQLite database (with --once: a temporary directory unless given)")
	fs.StringVar(&f.listen, "listen", defaultListen, "client address of the embedded NATS server, for the NATS CLI and newsjet publish/tail; empty for none (with --once: none unless given)")
	fs.StringVar(&f.httpAddr, "http-addr", defaultHTTPAddr, "address of /healthz, /readyz, /metrics and the read API (/articles); empty for none (with --once: none unless given)")
	f.sink.RegisterFlags(fs)
	store := fs.Lookup("store")
	store.Usage = "article store: postgres://... DSN, sqlite:PATH or a SQLite file PATH (default sqlite:<data-dir>/articles.db)"
	store.DefValue = ""
	if err := store.Value.Set(""); err != nil {
		panic(err) // a string flag takes any value
	}
	fs.IntVar(&f.concurrency, "concurrency", runtime.GOMAXPROCS(0), "messages each stage handles at once (the sink at least 64, for group commit)")
	fs.DurationVar(&f.stage.DrainTimeout, "drain-timeout", stage.DefaultDrainTimeout, "how long in-flight messages may take to finish on shutdown")
	fs.DurationVar(&f.stage.HandlerTimeout, "handler-timeout", stage.DefaultHandlerTimeout, "bound of one message's processing in any stage")
	fs.DurationVar(&f.stage.RetryBackoff, "retry-backoff", stage.DefaultRetryBackoff, "redelivery delay after the first transient failure (doubles per delivery)")
	fs.DurationVar(&f.stage.RetryBackoffMax, "retry-backoff-max", stage.DefaultRetryBackoffMax, "redelivery delay cap")
	fs.BoolVar(&f.once, "once", false, "publish the FILE and URL arguments, wait until each is stored or dead-lettered, print the articles (one JSON line each, in argument order) and exit; inputs that fail are reported on stderr and make the exit code 3")
	fs.StringVar(&f.contentType, "content-type", "", "with --once: Content-Type of the page files, e.g. \"text/html; charset=shift_jis\" (a charset declared nowhere is detected from the bytes)")
	fs.DurationVar(&f.timeout, "timeout", defaultTimeout, "with --once: give up waiting after this long")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	f.fetcher.RegisterFlags(fs)
	return fs, f
}

// cmdRun runs the pipeline in this process: an embedded NATS server with JetStream and
// the four stages. Without --once it serves until ctx ends (SIGINT/SIGTERM). With --once
// it reads its arguments first, processes those it could read, prints the articles
// and returns ErrInputsFailed when any input failed.
func (a *app) cmdRun(ctx context.Context, args []string) error {
	fs, f := a.runFlagSet()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if f.version {
		return a.stdout.write(map[string]string{"version": stage.Version})
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if !f.once && fs.NArg() > 0 {
		return fmt.Errorf("%w: arguments are only taken with --once", ErrUsage)
	}
	if f.once && fs.NArg() == 0 {
		return fmt.Errorf("%w: --once needs at least one FILE or URL", ErrUsage)
	}
	if f.once && (len(f.fetcher.Sources) > 0 || f.fetcher.SourcesFile != "") {
		return fmt.Errorf("%w: --once polls no sources; give the feeds and sitemaps as arguments", ErrUsage)
	}
	log, err := a.logger(f.logLevel)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr

	var (
		items []*onceItem
		found *discoveries
	)
	if f.once {
		items = readInputs(fs.Args(), pageSource{ContentType: f.contentType, Stdin: a.stdin}, f.fetcher.MaxLinks, time.Now())
		if !anyReadable(items) {
			return a.reportOnce(items, nil, nil, nil)
		}
		if !given["listen"] {
			f.listen = ""
		}
		if !given["http-addr"] {
			f.httpAddr = ""
		}
		if !given["data-dir"] {
			dir, err := os.MkdirTemp("", "newsjet-once-")
			if err != nil {
				return fmt.Errorf("data directory: %w", err)
			}
			defer os.RemoveAll(dir)
			f.dataDir = dir
		}
		// Feeds and sitemaps given explicitly are read whole, whatever their items' age.
		found = &discoveries{bySource: map[string]fetcher.Discovery{}}
		f.fetcher.AnyAge, f.fetcher.OnDiscovery = true, found.add
	}
	if err := os.MkdirAll(f.dataDir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	release, err := lockDataDir(f.dataDir)
	if err != nil {
		return err
	}
	defer release()
	if !given["store"] {
		f.sink.Store = "sqlite:" + filepath.Join(f.dataDir, "articles.db")
	}
	opts := pipelineOptions{
		server:             serverOptions{DataDir: f.dataDir, Listen: f.listen},
		HTTPAddr:           f.httpAddr,
		Concurrency:        map[string]int{sink.Name: max(f.concurrency, sink.DefaultConcurrency)},
		DefaultConcurrency: f.concurrency,
		Stage:              f.stage,
		Services: []stage.Service{
			fetcher.Service(&f.fetcher),
			cleaner.Service(stage.Version),
			extractor.Service(stage.Version),
			sink.New(&f.sink).Service(),
		},
	}
	if err := opts.Stage.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	p, err := startPipeline(ctx, opts, log)
	if err != nil {
		return err
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.stage.DrainTimeout+10*time.Second)
	defer cancel()
	if f.once {
		runErr := a.once(ctx, p, items, found, f.timeout, log)
		return errors.Join(runErr, p.stop(stopCtx))
	}
	fields := []zap.Field{zap.String("version", stage.Version), zap.String("data_dir", f.dataDir), zap.String("store", redactDSN(f.sink.Store))}
	if f.listen != "" {
		fields = append(fields, zap.String("nats", p.ns.ClientURL()))
	}
	if f.httpAddr != "" {
		fields = append(fields, zap.String("http", f.httpAddr))
	}
	log.Info("newsjet running", fields...)
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("stopping")
	case runErr = <-p.failed():
		log.Error("pipeline failed, stopping", zap.Error(runErr))
	}
	return errors.Join(runErr, p.stop(stopCtx))
}

// redactDSN hides the password of a store URL for logging.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return dsn
}
