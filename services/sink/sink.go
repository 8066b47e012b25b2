// Package sink is the pipeline's last stage: it consumes Articles from the extracted
// stream (durable schema.SinkConsumer) and stores them with their version history in a
// store.Store (PostgreSQL, or the embedded SQLite file), and serves the read API
// (package api) on the stage's HTTP port.
//
// Delivery: each message is decoded and handed to a group-commit batcher; the handler
// returns, and the runtime acknowledges the message, only after the transaction holding
// the article committed. A message that is not a readable Article, or an Article the
// store refuses (an id not derived from its canonical URL, ...), is dead-lettered
// without writing anything; so is one the database refuses (reason store_rejected),
// alone: the rest of its batch is stored. A failed write while the database does not
// answer is an outage, not the message's fault: the stage pauses (stage.Unavailable)
// until the database answers again, so an outage of any length loses nothing and uses
// up no delivery. Another write error is transient (redelivery with back-off). A
// PostgreSQL server unreachable at start is waited for, not ready meanwhile.
//
// Stories: the store gives every article a story, the group of stored copies of its
// text (see store's stories.go). When an article joins a story, the handler returns a
// schema.StoryUpdate for schema.StoriesSubject, which the runtime publishes before it
// acknowledges the article. When the story step failed (the article is stored
// without its story), the handler fails transiently, so the redelivery retries it.
package sink

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/api"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
)

// Name is the stage's name: its consumer, metrics label and dead-letter subject.
const Name = "sink"

// Defaults of Config.
const (
	// DefaultStore is the SQLite file used when no store is configured.
	DefaultStore = "sqlite:newsjet-articles.db"
	// DefaultConcurrency replaces the runtime's default concurrency (GOMAXPROCS) for the
	// sink: group commit needs many messages in flight to fill its transactions.
	DefaultConcurrency = 64
)

// Config is the sink's configuration beyond the runtime's (stage.Config).
type Config struct {
	// Store names the article store, see OpenStore. Default DefaultStore.
	Store string
	// Batch tunes the group commit.
	Batch store.BatcherConfig
	// NoStories turns story assignment and story updates off (the flag --stories=false).
	NoStories bool
}

// RegisterFlags binds the configuration to flags of fs; each can also be set by its
// NEWSJET_* environment variable (see stage.ParseFlags):
//
//	--store          NEWSJET_STORE          postgres://... or sqlite:PATH or PATH
//	--batch-max      NEWSJET_BATCH_MAX      articles per transaction (256)
//	--batch-delay    NEWSJET_BATCH_DELAY    wait for more articles before a commit (0)
//	--batch-writers  NEWSJET_BATCH_WRITERS  transactions at once (2)
//	--stories        NEWSJET_STORIES        group copies into stories, publish updates (true)
//
// When fs already has the runtime's --concurrency flag, its default becomes
// DefaultConcurrency.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Store, "store", DefaultStore, "article store: postgres://... DSN, sqlite:PATH or a SQLite file PATH")
	fs.IntVar(&c.Batch.MaxBatch, "batch-max", 256, "most articles stored in one transaction")
	fs.DurationVar(&c.Batch.MaxDelay, "batch-delay", 0, "how long a transaction waits for more articles (0: commit what is waiting)")
	fs.IntVar(&c.Batch.Writers, "batch-writers", 2, "store transactions running at once")
	fs.Var(storiesFlag{&c.NoStories}, "stories", "group copies of one text into stories and publish story updates on news.stories.<site>")
	if f := fs.Lookup("concurrency"); f != nil {
		// Set the value behind the flag, not the flag: NEWSJET_CONCURRENCY still applies.
		if err := f.Value.Set(fmt.Sprint(DefaultConcurrency)); err == nil {
			f.DefValue = fmt.Sprint(DefaultConcurrency)
		}
	}
}

// ErrUnknownStore: OpenStore cannot tell which store a DSN names.
var ErrUnknownStore = errors.New("sink: unknown store")

// OpenStore opens the store named by dsn:
//
//	postgres://... or postgresql://...   PostgreSQL (pgx DSN)
//	sqlite:PATH (or sqlite://PATH)       a SQLite file
//	PATH                                 a SQLite file
//
// opts set the store up (see store.WithStories). It returns ErrUnknownStore for an
// empty DSN or another URL scheme, and the store's error when it cannot open.
func OpenStore(ctx context.Context, dsn string, opts ...store.Option) (store.Store, error) {
	switch {
	case isPostgres(dsn):
		s, err := postgres.Open(ctx, dsn, opts...)
		if err != nil {
			return nil, err
		}
		return s, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		dsn = strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	case dsn == "":
		return nil, fmt.Errorf("%w: empty store name", ErrUnknownStore)
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("%w: %q (want postgres://..., sqlite:PATH or a file path)", ErrUnknownStore, dsn)
	}
	s, err := sqlite.Open(ctx, dsn, opts...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ReasonRejected is the dead-letter reason of an article the database refuses
// (store.ErrRejected).
const ReasonRejected = "store_rejected"

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// ErrNotOpen: the sink's store is not open yet (before Setup) or any more.
var ErrNotOpen = errors.New("sink: store not open")

// Sink is the sink stage. Build it with New or NewWithStore, run it with Service.
type Sink struct {
	cfg   *Config
	given store.Store

	mu      sync.RWMutex
	st      store.Store
	batcher *store.Batcher
	log     *zap.Logger
	// stored counts puts by outcome, stories story assignments by result; set by
	// setup, never changed after.
	stored  map[store.Outcome]prometheus.Counter
	stories map[string]prometheus.Counter
}

// StoredMetric is the name of the sink's counter of stored articles, labelled result:
// new_article (first version of an article), new_version (another version, current or
// a late old fetch), duplicate (content already stored: nothing written) or reverted
// (the site reverted an edit: current moved back to an older version).
const StoredMetric = "newsjet_sink_articles_stored_total"

// resultLabels are StoredMetric's result label per put outcome.
var resultLabels = map[store.Outcome]string{
	store.Created:   "new_article",
	store.Added:     "new_version",
	store.Unchanged: "duplicate",
	store.Reverted:  "reverted",
}

// storedCounters registers StoredMetric on reg (nil: counted but not exported) and
// returns its series by outcome, every one present from the start. A registry that
// already has the counter (the sink set up again in one process) keeps its series.
func storedCounters(reg prometheus.Registerer) (map[store.Outcome]prometheus.Counter, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: StoredMetric,
		Help: "Articles the sink handled, by result: new_article, new_version, duplicate or reverted.",
	}, []string{"result"})
	if reg != nil {
		if err := reg.Register(vec); err != nil {
			are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err)
			if !ok {
				return nil, fmt.Errorf("registering %s: %w", StoredMetric, err)
			}
			if vec, ok = are.ExistingCollector.(*prometheus.CounterVec); !ok {
				return nil, fmt.Errorf("registering %s: %w", StoredMetric, err)
			}
		}
	}
	out := make(map[store.Outcome]prometheus.Counter, len(resultLabels))
	for o, label := range resultLabels {
		out[o] = vec.WithLabelValues(label)
	}
	return out, nil
}

// New returns a sink that opens cfg.Store when the stage starts and closes it when the
// stage stops. cfg is read at start, so flags may fill it after New.
func New(cfg *Config) *Sink { return &Sink{cfg: cfg} }

// NewWithStore returns a sink writing to an open store, which it does not close (for
// the embedded mode and tests). cfg.Store and cfg.NoStories are ignored: the store was
// opened with or without stories.
func NewWithStore(st store.Store, cfg *Config) *Sink { return &Sink{cfg: cfg, given: st} }

// Service returns the stage description for stage.Run or stage.Main.
func (s *Sink) Service() stage.Service {
	return stage.Service{
		Name:     Name,
		Version:  stage.Version,
		Consumer: schema.SinkConsumer,
		Streams:  []schema.StreamSpec{schema.ExtractedStream, schema.StoriesStream},
		Setup:    s.setup,
		Ready:    s.ready,
		Routes:   func(mux *http.ServeMux) { api.Register(mux, reader{s}) },
		Close:    s.close,
	}
}

func (s *Sink) setup(ctx context.Context, d stage.Deps) (stage.Handler, error) {
	stored, err := storedCounters(d.Registry)
	if err != nil {
		return nil, err
	}
	stories, err := storyCounters(d.Registry)
	if err != nil {
		return nil, err
	}
	st := s.given
	if st == nil {
		var err error
		if st, err = OpenStore(ctx, s.cfg.Store, store.WithStories(!s.cfg.NoStories)); err != nil {
			err = fmt.Errorf("opening the store: %w", err)
			if isPostgres(s.cfg.Store) && !errors.Is(err, postgres.ErrDSN) {
				// The server is not up yet, or unreachable: wait for it.
				return nil, stage.Unavailable(err)
			}
			return nil, err
		}
	}
	s.mu.Lock()
	s.st, s.batcher, s.log, s.stored, s.stories = st, store.NewBatcher(st, s.cfg.Batch), d.Log, stored, stories
	s.mu.Unlock()
	return s.Handle, nil
}

func (s *Sink) current() (store.Store, *store.Batcher) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st, s.batcher
}

func (s *Sink) counters() (map[store.Outcome]prometheus.Counter, map[string]prometheus.Counter) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.stored, s.stories
}

// Handle stores one Article message; it is the stage's handler. A message that does
// not decode returns the schema's error, an article the store refuses as invalid a
// stage.Permanent error with reason schema.ReasonInvalid, one the database refuses
// (store.ErrRejected) reason ReasonRejected (all dead-lettered). A write that failed
// while the store does not answer a ping returns stage.Unavailable (the stage pauses);
// any other error is transient. A stored article counts in StoredMetric.
// When the article joined a story, Handle returns its story update to publish; it
// returns it again on a redelivery (the update of the first delivery may not have been
// published), under the same message id. A story step that failed is a transient
// error: the article is stored, and the redelivery assigns its story.
func (s *Sink) Handle(ctx context.Context, m *stage.Msg) ([]stage.Output, error) {
	a, err := schema.DecodeArticle(m.Data)
	if err != nil {
		return nil, err
	}
	db, b := s.current()
	if b == nil {
		return nil, ErrNotOpen
	}
	res, err := b.Put(ctx, a)
	switch {
	case errors.Is(err, store.ErrInvalidArticle):
		return nil, stage.Permanent(schema.ReasonInvalid, err)
	case errors.Is(err, store.ErrRejected):
		return nil, stage.Permanent(ReasonRejected, err)
	case err != nil && ctx.Err() == nil:
		if perr := ping(ctx, db); perr != nil {
			return nil, stage.Unavailable(fmt.Errorf("storing article %s: %w (store: %w)", a.ID, err, perr))
		}
		return nil, fmt.Errorf("storing article %s: %w", a.ID, err)
	case err != nil:
		return nil, fmt.Errorf("storing article %s: %w", a.ID, err)
	}
	stored, stories := s.counters()
	stored[res.Outcome].Inc()
	s.log.Debug("stored", zap.String("id", res.ID), zap.Int("version", res.Version),
		zap.Stringer("outcome", res.Outcome), zap.Bool("current", res.Current))
	if res.StoryErr != nil {
		stories[storyFailed].Inc()
		return nil, fmt.Errorf("article %s stored, its story not assigned: %w", a.ID, res.StoryErr)
	}
	st := res.Story
	if st == nil || (!st.Joined && m.Deliveries <= 1) {
		return nil, nil
	}
	if st.Joined {
		stories[storyKind(st)].Inc()
	}
	out, err := storyUpdate(a, res)
	if err != nil {
		return nil, fmt.Errorf("story update of article %s: %w", a.ID, err)
	}
	return []stage.Output{out}, nil
}

// ready fails while the store is not open or does not answer.
func (s *Sink) ready(ctx context.Context) error {
	st, _ := s.current()
	if st == nil {
		return ErrNotOpen
	}
	if err := ping(ctx, st); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// ping checks that the store answers within 3 seconds.
func ping(ctx context.Context, st store.Store) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return st.Ping(ctx)
}

func (s *Sink) close() error {
	s.mu.Lock()
	st, b := s.st, s.batcher
	s.st, s.batcher = nil, nil
	s.mu.Unlock()
	if b != nil {
		b.Close()
	}
	if st != nil && s.given == nil {
		return st.Close()
	}
	return nil
}

// reader serves the read API from the sink's store once it is open.
type reader struct{ s *Sink }

func (r reader) open() (store.Store, error) {
	st, _ := r.s.current()
	if st == nil {
		return nil, ErrNotOpen
	}
	return st, nil
}

func (r reader) Get(ctx context.Context, id string) (*store.Record, error) {
	st, err := r.open()
	if err != nil {
		return nil, err
	}
	return st.Get(ctx, id)
}

func (r reader) List(ctx context.Context, q store.Query) (*store.Page, error) {
	st, err := r.open()
	if err != nil {
		return nil, err
	}
	return st.List(ctx, q)
}

func (r reader) Versions(ctx context.Context, id string) ([]store.Version, error) {
	st, err := r.open()
	if err != nil {
		return nil, err
	}
	return st.Versions(ctx, id)
}

func (r reader) Story(ctx context.Context, id string) (*store.Story, error) {
	st, err := r.open()
	if err != nil {
		return nil, err
	}
	return st.Story(ctx, id)
}
