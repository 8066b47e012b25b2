package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
	"github.com/newsjet/newsjet/services/fetcher"
	"github.com/newsjet/newsjet/services/sink"
)

// pipelineMaxPayload is the embedded server's max payload, as `newsjet run` sets it.
const pipelineMaxPayload = 8 << 20

// Cost is the wall time, the process's CPU time (user and system) and the heap
// allocation of a phase.
type Cost struct {
	Wall, CPU time.Duration
	// AllocBytes and Allocs count the heap bytes and objects the process allocated.
	AllocBytes, Allocs uint64
}

// Hops are the bytes of the messages a page becomes on its way, summed over the
// pages: the raw page as published, the cleaned page as the cleaner publishes it
// (Wire) and its JSON (decompressed), and the article.
type Hops struct {
	Pages                                      int
	Raw, CleanedJSON, CleanedWire, ArticleJSON int
}

// PipelineResult compares one pass of pages through the four stages on an
// embedded JetStream server with the same pages through clean and extract in
// process.
type PipelineResult struct {
	Pages               int // pages per phase (the corpus times the rounds)
	InProcess, Pipeline Cost
	// Articles counts the article messages the pipeline published (a page seen in
	// several rounds is one article: the extracted stream drops the repeats), and
	// DeadLetters the messages it dead-lettered.
	Articles, DeadLetters int
	// Hops are the message bytes of one round of the pages.
	Hops Hops
	// Parts is the pipeline phase's CPU time by where it went (its CPU profile's).
	Parts Parts
}

// Throughput is the pipeline's pages per second over the in-process path's.
func (r PipelineResult) Throughput() float64 {
	return r.InProcess.Wall.Seconds() / r.Pipeline.Wall.Seconds()
}

// CPU is the pipeline's CPU time over the in-process path's, for the same pages.
func (r PipelineResult) CPU() float64 {
	return r.Pipeline.CPU.Seconds() / r.InProcess.CPU.Seconds()
}

// Print writes the figures; the last two lines are the ratios.
func (r PipelineResult) Print(w io.Writer) {
	line := func(name string, c Cost) {
		fmt.Fprintf(w, "%-10s %6d pages  %8.2fs wall  %8.1f pages/s  %8.2fs cpu  %6.3f MB alloc/page  %6.0f allocs/page\n",
			name, r.Pages, c.Wall.Seconds(), float64(r.Pages)/c.Wall.Seconds(), c.CPU.Seconds(),
			float64(c.AllocBytes)/float64(r.Pages)/1e6, float64(c.Allocs)/float64(r.Pages))
	}
	line("in-process", r.InProcess)
	line("pipeline", r.Pipeline)
	fmt.Fprintf(w, "pipeline published %d articles, dead-lettered %d messages\n", r.Articles, r.DeadLetters)
	if h := r.Hops; h.Pages > 0 {
		per := func(n int) float64 { return float64(n) / float64(h.Pages) }
		fmt.Fprintf(w, "bytes/page: raw message %.0f, cleaned JSON %.0f, cleaned on the wire %.0f (%.3f of its JSON), article %.0f\n",
			per(h.Raw), per(h.CleanedJSON), per(h.CleanedWire), float64(h.CleanedWire)/float64(max(h.CleanedJSON, 1)), per(h.ArticleJSON))
	}
	if in := r.InProcess.CPU.Seconds(); in > 0 {
		fmt.Fprintf(w, "pipeline cpu by part, as shares of the in-process cpu:")
		for p, d := range r.Parts {
			fmt.Fprintf(w, " %s %.2f", Part(p), d.Seconds()/in)
		}
		fmt.Fprintf(w, "\nsink + broker + publish, which the in-process path does not do: %.2f of the in-process cpu\n",
			r.Parts.Outside().Seconds()/in)
	}
	fmt.Fprintf(w, "pipeline/in-process throughput %.2f\n", r.Throughput())
	fmt.Fprintf(w, "pipeline/in-process cpu %.2f\n", r.CPU())
}

// PipelineOptions set up RunPipeline.
type PipelineOptions struct {
	// Rounds is how many times the pages go through each path (at least once), and
	// Workers how many run at a time in process and in each stage (at least one).
	Rounds, Workers int
	// Dir holds the embedded server's store and the sink's database.
	Dir string
	// CPUProfile, when set, is the file for the CPU profile of the pipeline phase
	// (which is always taken, for PipelineResult.Parts).
	CPUProfile string
	// Bare publishes each page as a user's `nats pub` does, its bytes with the URL and
	// type in headers, instead of the RawPage JSON the fetcher publishes.
	Bare bool
}

// RunPipeline runs pages (opts.Rounds times, each round under its own URLs, so no page
// is a duplicate of another) first through cleaner.CleanPage and extractor.Article
// in process, opts.Workers at a time, then through the fetcher, cleaner, extractor
// and sink stages running on an embedded JetStream server whose store (and the
// sink's SQLite database) lives in opts.Dir, each stage with opts.Workers workers
// (the sink with sink.DefaultConcurrency, as `newsjet run` has it). The pipeline
// phase runs from the first raw page published to the moment every stage's consumer
// is idle; its pages enter on the raw subject as RawPage messages, or bare with
// opts.Bare (the fetcher runs but fetches nothing: fetching measures the network). The CPU of a phase is the whole
// process's, embedded server included.
func RunPipeline(ctx context.Context, pages []Page, opts PipelineOptions) (*PipelineResult, error) {
	rounds, workers, dir := opts.Rounds, max(opts.Workers, 1), opts.Dir
	var raws []*schema.RawPage
	for r := range max(rounds, 1) {
		for _, p := range pages {
			url := p.URL + "#round-" + strconv.Itoa(r)
			raws = append(raws, &schema.RawPage{URL: url, StatusCode: 200, FetchedAt: time.Now().UTC(), Body: p.Raw})
		}
	}
	res := &PipelineResult{Pages: len(raws)}
	var err error
	if res.InProcess, err = measure(func() error { return inProcess(raws, workers) }); err != nil {
		return nil, err
	}
	pl, err := startPipeline(ctx, dir, workers)
	if err != nil {
		return nil, err
	}
	defer pl.stop()
	res.Pipeline, err = measure(func() error {
		var err error
		res.Parts, err = profileParts(opts.CPUProfile, func() error { return pl.process(ctx, raws, opts.Bare) })
		return err
	})
	if err != nil {
		return nil, err
	}
	if res.Articles, err = pl.count(ctx, schema.ExtractedStream.Name); err != nil {
		return nil, err
	}
	if res.DeadLetters, err = pl.count(ctx, schema.DeadLetterStream.Name); err != nil {
		return nil, err
	}
	if res.Hops, err = hopBytes(ctx, pl.js, raws[:len(pages)], opts.Bare); err != nil {
		return nil, err
	}
	return res, nil
}

// count returns the number of messages in a stream.
func (p *benchPipeline) count(ctx context.Context, stream string) (int, error) {
	s, err := p.js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return int(info.State.Msgs), nil
}

// hopBytes runs the cleaner's and the extractor's handlers, without NATS, on the raw
// messages of pages as the pipeline phase publishes them, and sums the bytes of each
// message: what every hop carries per page.
func hopBytes(ctx context.Context, js jetstream.JetStream, raws []*schema.RawPage, bare bool) (Hops, error) {
	cleanPage := cleaner.Handler("bench", js, pipelineMaxPayload)
	extractPage := extractor.Handler("bench", pipelineMaxPayload)
	var h Hops
	for _, r := range raws {
		msg, err := rawMessage(ctx, js, r, bare)
		if err != nil {
			return h, err
		}
		raw := msg.Data
		cleaned, err := cleanPage(ctx, &stage.Msg{Subject: msg.Subject, Data: raw, Header: msg.Header})
		if err != nil {
			continue // dead-lettered in the pipeline too
		}
		cp, err := schema.DecodeCleanedPage(cleaned[0].Data)
		if err != nil {
			return h, err
		}
		cleanedJSON, err := schema.Encode(cp)
		if err != nil {
			return h, err
		}
		article, err := extractPage(ctx, &stage.Msg{Subject: cleaned[0].Subject, Data: cleaned[0].Data, Header: cleaned[0].Header})
		if err != nil {
			continue
		}
		h.Pages++
		h.Raw += len(raw)
		h.CleanedWire += len(cleaned[0].Data)
		h.CleanedJSON += len(cleanedJSON)
		h.ArticleJSON += len(article[0].Data)
	}
	return h, nil
}

// measure runs f and returns its wall and CPU time and what it allocated.
func measure(f func() error) (Cost, error) {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0, start := processCPU(), time.Now()
	err := f()
	c := Cost{Wall: time.Since(start), CPU: processCPU() - cpu0}
	runtime.ReadMemStats(&m1)
	c.AllocBytes, c.Allocs = m1.TotalAlloc-m0.TotalAlloc, m1.Mallocs-m0.Mallocs
	return c, err
}

// inProcess cleans and extracts every page with the stages' own functions, workers
// at a time, without encoding any message.
func inProcess(raws []*schema.RawPage, workers int) error {
	next := make(chan *schema.RawPage)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for raw := range next {
				now := time.Now()
				page := *raw
				page.ContentHash = schema.ContentHash(raw.Body)
				page.ID = schema.RawPageID(page.URL, page.ContentHash)
				cp, err := cleaner.CleanPage(&page, raw.Body, "bench", now)
				if err != nil {
					continue // an unprocessable page: the pipeline dead-letters it
				}
				if _, err := extractor.Article(cp, "bench", now); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, r := range raws {
		next <- r
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// benchPipeline is the embedded server with the four stages running on it.
type benchPipeline struct {
	ns   *server.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	svcs []stage.Service
	// metrics are the stages' shared metrics.
	metrics *stage.Metrics
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	errs    chan error
}

func startPipeline(ctx context.Context, dir string, workers int) (*benchPipeline, error) {
	ns, err := server.NewServer(&server.Options{ServerName: "bench", JetStream: true, StoreDir: filepath.Join(dir, "jetstream"),
		MaxPayload: pipelineMaxPayload, DontListen: true, NoSigs: true, NoLog: true})
	if err != nil {
		return nil, fmt.Errorf("embedded server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("embedded server: not ready")
	}
	p := &benchPipeline{ns: ns, errs: make(chan error, 4)}
	if p.nc, err = nats.Connect("", nats.InProcessServer(ns)); err != nil {
		p.stop()
		return nil, err
	}
	if p.js, err = jetstream.New(p.nc, jetstream.WithDefaultTimeout(30*time.Second)); err != nil {
		p.stop()
		return nil, err
	}
	p.svcs = []stage.Service{
		fetcher.Service(&fetcher.Config{}),
		cleaner.Service("bench"),
		extractor.Service("bench"),
		sink.New(&sink.Config{Store: "sqlite:" + filepath.Join(dir, "articles.db")}).Service(),
	}
	// Streams, the page bucket and consumers first, one after the other (as `newsjet
	// run` does): the stages run with provisioning off.
	if err := stage.ProvisionStreams(ctx, p.js, schema.Streams(), 1); err != nil {
		p.stop()
		return nil, err
	}
	if err := claimcheck.Check(ctx, p.js, true); err != nil {
		p.stop()
		return nil, err
	}
	for _, svc := range p.svcs {
		if _, err := p.js.CreateOrUpdateConsumer(ctx, svc.Consumer.Stream, stage.ConsumerConfig(svc.Consumer)); err != nil {
			p.stop()
			return nil, fmt.Errorf("consumer %s: %w", svc.Consumer.Durable, err)
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	p.metrics = stage.NewMetrics()
	metrics := p.metrics
	// The stages log as an operator's do by default: JSON at info level.
	log, err := stage.NewLoggerTo(io.Discard, "info")
	if err != nil {
		p.stop()
		return nil, err
	}
	for _, svc := range p.svcs {
		cfg := stage.Config{Metrics: metrics, Concurrency: workers, NoProvision: true}
		if svc.Name == sink.Name {
			cfg.Concurrency = sink.DefaultConcurrency
		}
		// Each stage runs under the profiler label stage=<name>, its connection's
		// goroutines too (go tool pprof -tags, -tagfocus stage=cleaner).
		p.wg.Go(func() {
			pprof.Do(runCtx, pprof.Labels("stage", svc.Name), func(runCtx context.Context) {
				nc, err := nats.Connect("", nats.InProcessServer(ns), nats.Name("bench/"+svc.Name))
				if err != nil {
					p.errs <- fmt.Errorf("stage %s: %w", svc.Name, err)
					return
				}
				defer nc.Close()
				cfg.Conn = nc
				if err := stage.Run(runCtx, cfg, svc, log); err != nil || runCtx.Err() == nil {
					p.errs <- fmt.Errorf("stage %s stopped: %v", svc.Name, err)
				}
			})
		})
	}
	return p, p.waitIdle(ctx)
}

// rawMessage is r as the pipeline phase publishes it on the raw subject: the RawPage
// JSON the fetcher publishes (the body inline, gzip-compressed or claim-checked, as
// it fits), or with bare the page's bytes, its URL and type in headers, as a user
// publishing with `nats pub` sends it.
func rawMessage(ctx context.Context, js jetstream.JetStream, r *schema.RawPage, bare bool) (*nats.Msg, error) {
	subject := schema.RawSubject(r.URL)
	if bare {
		return &nats.Msg{Subject: subject, Data: r.Body, Header: nats.Header{
			schema.HeaderURL: {r.URL}, schema.HeaderContentType: {"text/html"}}}, nil
	}
	page := *r
	page.Body = nil
	data, err := claimcheck.EncodeRawPage(ctx, js, &page, r.Body, pipelineMaxPayload)
	if err != nil {
		return nil, err
	}
	return &nats.Msg{Subject: subject, Data: data, Header: nats.Header{
		schema.HeaderSchema: {schema.RawPageV1}, schema.HeaderMsgID: {page.ID}}}, nil
}

// process publishes every raw page on the raw subject (see rawMessage) and waits
// until the pipeline is idle.
func (p *benchPipeline) process(ctx context.Context, raws []*schema.RawPage, bare bool) error {
	for _, r := range raws {
		msg, err := rawMessage(ctx, p.js, r, bare)
		if err != nil {
			return err
		}
		if _, err := p.js.PublishMsgAsync(msg); err != nil {
			return err
		}
	}
	select {
	case <-p.js.PublishAsyncComplete():
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := p.waitSettled(ctx, len(raws)); err != nil {
		return err
	}
	return p.waitIdle(ctx)
}

// waitSettled returns once the stages' metrics (read in process, without asking
// the server) count at least n messages settled by the sink or dead-lettered by any
// stage, polling every 20 ms: the end of the pipeline phase is then confirmed by
// waitIdle, whose consumer-info requests cost the server far more.
func (p *benchPipeline) waitSettled(ctx context.Context, n int) error {
	for {
		settled, err := p.settled()
		if err != nil || settled >= n {
			return err
		}
		select {
		case err := <-p.errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// settled counts the messages the sink finished handling and those any stage
// dead-lettered.
func (p *benchPipeline) settled() (int, error) {
	families, err := p.metrics.Registry().Gather()
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetName() {
			case "newsjet_stage_processing_seconds":
				if label(m, "stage") == sink.Name {
					n += m.GetHistogram().GetSampleCount()
				}
			case "newsjet_stage_messages_dead_lettered_total":
				n += uint64(m.GetCounter().GetValue())
			}
		}
	}
	return int(n), nil
}

// label returns the value of a metric's label.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// waitIdle returns once every stage's consumer has nothing pending nor unacked at
// two polls 10 ms apart.
func (p *benchPipeline) waitIdle(ctx context.Context) error {
	for quiet := 0; quiet < 2; {
		select {
		case err := <-p.errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		idle := true
		for _, svc := range p.svcs {
			c, err := p.js.Consumer(ctx, svc.Consumer.Stream, svc.Consumer.Durable)
			if err != nil {
				return err
			}
			info, err := c.Info(ctx)
			if err != nil {
				return err
			}
			idle = idle && info.NumPending == 0 && info.NumAckPending == 0 && info.NumWaiting > 0
		}
		if idle {
			quiet++
		} else {
			quiet = 0
		}
	}
	return nil
}

func (p *benchPipeline) stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	if p.nc != nil {
		p.nc.Close()
	}
	p.ns.Shutdown()
	p.ns.WaitForShutdown()
}

// PipelineMain runs the pipeline benchmark with args (without the program name):
//
//	-data DIR    AEB directory (default DefaultDataDir())
//	-rounds N    times the corpus goes through each path (default 3)
//	-workers N   workers of the in-process path and of each stage (default GOMAXPROCS)
//	-cpuprofile F  write a CPU profile of the pipeline phase to F (each stage's
//	             samples labelled stage=<name>: go tool pprof -tags F)
//
// It prints both paths' figures, the pipeline's CPU by part (see Part) as shares of
// the in-process CPU, then "pipeline/in-process throughput R" and
// "pipeline/in-process cpu C".
func PipelineMain(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("pipelinebench", flag.ContinueOnError)
	fs.SetOutput(w)
	data := fs.String("data", DefaultDataDir(), "AEB directory holding ground-truth.json and html/")
	rounds := fs.Int("rounds", 3, "times the corpus goes through each path")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "workers of the in-process path and of each stage")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the pipeline phase to this file")
	raw := fs.String("raw", "json", "how pages enter: json (RawPage messages, as the fetcher publishes them) or bare (the page's bytes with Newsjet-Url, as `nats pub` users publish)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	pages, err := LoadCorpus(*data)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "newsjet-pipelinebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *raw != "json" && *raw != "bare" {
		return fmt.Errorf("%w: -raw %q: want json or bare", errUsage, *raw)
	}
	res, err := RunPipeline(context.Background(), pages,
		PipelineOptions{Rounds: *rounds, Workers: *workers, Dir: dir, CPUProfile: *cpuProfile, Bare: *raw == "bare"})
	if err != nil {
		return err
	}
	res.Print(w)
	return nil
}
