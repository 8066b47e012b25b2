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
	dataDir      string
	listen       string
	httpAddr     string
	sink         sink.Config
	concurrency  int
	drainTimeout time.Duration
	once         bool
	timeout      time.Duration
	contentType  string
	logLevel     string
	fetcher      fetcher.Config
}

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir, "directory of the JetStream store and the SQLite database (with --once: a temporary directory unless given)")
	fs.StringVar(&f.listen, "listen", defaultListen, "client address of the embedded NATS server, for `nats pub/sub` and newsjet publish/tail; empty for none (with --once: none unless given)")
	fs.StringVar(&f.httpAddr, "http-addr", defaultHTTPAddr, "address of /healthz, /readyz, /metrics and the read API (/articles); empty for none (with --once: none unless given)")
	f.sink.RegisterFlags(fs)
	fs.Lookup("store").Usage = "article store: postgres://... DSN, sqlite:PATH or a SQLite file PATH (default <data-dir>/articles.db)"
	fs.IntVar(&f.concurrency, "concurrency", runtime.GOMAXPROCS(0), "messages each stage handles at once (the sink at least 64, for group commit)")
	fs.DurationVar(&f.drainTimeout, "drain-timeout", stage.DefaultDrainTimeout, "how long in-flight messages may take to finish on shutdown")
	fs.BoolVar(&f.once, "once", false, "publish the FILE and URL arguments, wait until each is stored or dead-lettered, print the articles (one JSON line each, in argument order) and exit; dead-lettered inputs are reported on stderr and do not change the exit code, only a failing pipeline does")
	fs.StringVar(&f.contentType, "content-type", "", "with --once: Content-Type of the page files, e.g. \"text/html; charset=shift_jis\" for pages that do not declare their charset")
	fs.DurationVar(&f.timeout, "timeout", defaultTimeout, "with --once: give up waiting after this long")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.fetcher.RegisterFlags(fs)
}

// cmdRun runs the pipeline in this process: an embedded NATS server with JetStream and
// the four stages. Without --once it serves until ctx ends (SIGINT/SIGTERM). With --once
// it processes its arguments, prints the articles and returns.
func (a *app) cmdRun(ctx context.Context, args []string) error {
	fs := a.flagSet("run", "[--once FILE|URL...]")
	var f runFlags
	f.register(fs)
	if err := stage.ParseFlags(fs, args, lookupEnv); err != nil {
		return usageErr(err)
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

	if f.once {
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
		DrainTimeout:       f.drainTimeout,
		Services: []stage.Service{
			fetcher.Service(&f.fetcher),
			cleaner.Service(version),
			extractor.Service(version),
			sink.New(&f.sink).Service(),
		},
	}
	for i := range opts.Services {
		opts.Services[i].Version = version // one binary, one version in logs and /healthz
	}
	p, err := startPipeline(ctx, opts, log)
	if err != nil {
		return err
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.drainTimeout+10*time.Second)
	defer cancel()
	if f.once {
		runErr := a.once(ctx, p, fs.Args(), pageSource{ContentType: f.contentType, Stdin: a.stdin}, f.timeout, log)
		return errors.Join(runErr, p.stop(stopCtx))
	}
	fields := []zap.Field{zap.String("version", version), zap.String("data_dir", f.dataDir), zap.String("store", redactDSN(f.sink.Store))}
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
