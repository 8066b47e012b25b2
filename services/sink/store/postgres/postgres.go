// Package postgres is the article store on PostgreSQL, through pgx (pgxpool), with the
// semantics of package store.
//
// Writes: PutBatch stores a batch in one transaction of four round trips whatever its
// size (the story step's first statements ride on the third, see assignStories): lock the batch's known articles (SELECT ... FOR UPDATE, in id order), read
// which of the batch's content hashes are stored, then insert the new articles and
// versions and move the current versions with set-based statements over arrays
// (unnest). Two writers racing on one article serialise on its row lock; when both
// create the same new article, the second trips the primary key and the whole
// transaction is retried, as it is on a deadlock or a serialisation failure. A unique
// (article, content hash) and a primary key (article, number) back this up: a version
// can be neither lost nor numbered twice.
//
// Search: each article keeps its current title and body and a generated tsvector of
// them (title weight A, body weight B), built with the text search configuration of
// its language where PostgreSQL has one ("en" -> english, "de" -> german, ...) and
// 'simple' otherwise, under a GIN index. A text query matches each article as parsed
// under the article's own configuration (only the language filter's one when that
// filter is given). Languages without a configuration match exact words only. Words
// with Chinese, Japanese or Korean characters, which no parser splits out of a run of
// text, match as substrings of the title or body (ILIKE, not indexed: a scan of the
// articles the other filters leave).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
)

// Store is a store.Store on a PostgreSQL database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	// configs maps a language subtag to the text search configuration PostgreSQL has
	// for it; all lists the distinct configurations, 'simple' included.
	configs map[string]string
	all     []string
	opts    store.Options
	closed  atomic.Bool
}

var _ store.Store = (*Store)(nil)

// ErrDSN: Open was given a DSN it cannot parse.
var ErrDSN = errors.New("postgres: invalid dsn")

// MaxAttempts bounds the tries of one write transaction that collides with concurrent
// writers (unique violation, deadlock, serialisation failure) before ErrConflict.
const MaxAttempts = 10

// Open connects to the database named by dsn (a postgres:// URL or a key=value
// string, as pgx accepts; a search_path parameter selects the schema), applies the
// embedded migrations it lacks and returns the store, set up by opts (stories on by
// default, see store.WithStories). Errors wrap the connection or migration failure; a
// DSN that does not parse gives ErrDSN.
func Open(ctx context.Context, dsn string, opts ...store.Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDSN, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	s := &Store{pool: pool, opts: store.NewOptions(opts...)}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrating: %w", err)
	}
	if err := s.loadConfigs(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: reading text search configurations: %w", err)
	}
	return s, nil
}

// languageConfigs maps language subtags to the names of PostgreSQL's built-in text
// search configurations. Those the server lacks are dropped at Open.
var languageConfigs = map[string]string{
	"ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish", "nl": "dutch",
	"en": "english", "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
	"hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
	"ne": "nepali", "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "pt": "portuguese",
	"ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil",
	"tr": "turkish", "yi": "yiddish",
}

func (s *Store) loadConfigs(ctx context.Context) error {
	rows, err := s.pool.Query(ctx, `SELECT cfgname FROM pg_ts_config`)
	if err != nil {
		return err
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	s.configs = map[string]string{}
	s.all = []string{"simple"}
	for lang, cfg := range languageConfigs {
		if slices.Contains(have, cfg) {
			s.configs[lang] = cfg
			s.all = append(s.all, cfg)
		}
	}
	slices.Sort(s.all)
	s.all = slices.Compact(s.all)
	return nil
}

func (s *Store) config(lang string) string {
	if c, ok := s.configs[lang]; ok {
		return c
	}
	return "simple"
}

// Put implements store.Writer.
func (s *Store) Put(ctx context.Context, a *schema.Article) (store.PutResult, error) {
	res, err := s.PutBatch(ctx, []*schema.Article{a})
	if err != nil {
		return store.PutResult{}, err
	}
	return res[0], nil
}

// PutBatch implements store.Writer.
func (s *Store) PutBatch(ctx context.Context, as []*schema.Article) ([]store.PutResult, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	rows, err := store.PrepareBatch(as)
	if err != nil {
		return nil, err
	}
	return s.PutRows(ctx, rows)
}

// PutRows implements store.RowWriter.
func (s *Store) PutRows(ctx context.Context, rows []*store.Row) ([]store.PutResult, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	if len(rows) == 0 {
		return nil, nil
	}
	for attempt := 1; ; attempt++ {
		d, err := s.putOnce(ctx, rows)
		if err == nil {
			return d.Results, nil
		}
		if rejected(err) {
			return nil, fmt.Errorf("%w: postgres: storing %d articles: %w", store.ErrRejected, len(rows), err)
		}
		if !retryable(err) {
			return nil, fmt.Errorf("postgres: storing %d articles: %w", len(rows), err)
		}
		if attempt == MaxAttempts {
			return nil, fmt.Errorf("%w: %d attempts storing %d articles, last: %w", store.ErrConflict, attempt, len(rows), err)
		}
		backoff := time.Duration(rand.Int64N(int64(attempt) * int64(5*time.Millisecond)))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("postgres: storing %d articles: %w", len(rows), ctx.Err())
		case <-time.After(backoff):
		}
	}
}

// rejected reports an error PostgreSQL gives for a value it refuses, whatever else the
// transaction holds: a data exception (class 22: invalid text, value too long, ...), an
// integrity violation other than a unique one (class 23) or a program limit (54000: a
// tsvector over 1 MB).
func rejected(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch {
	case strings.HasPrefix(pe.Code, "22"), strings.HasPrefix(pe.Code, "23") && pe.Code != "23505", pe.Code == "54000":
		return true
	}
	return false
}

// retryable reports a collision with a concurrent writer: a unique violation (two
// writers created one article), a deadlock or a serialisation failure.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "23505", "40P01", "40001":
		return true
	}
	return false
}

func (s *Store) putOnce(ctx context.Context, rows []*store.Row) (store.Decision, error) {
	var d store.Decision
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ids := store.IDs(rows)
		keyIDs, keyHashes := make([]string, len(rows)), make([]string, len(rows))
		for i, r := range rows {
			keyIDs[i], keyHashes[i] = r.ID, r.ContentHash
		}
		b := &pgx.Batch{}
		heads := make(map[string]store.Head, len(ids))
		existing := make(map[store.VersionKey]int)
		b.Queue(`SELECT id, versions, version, current_fetched_at, current_extracted_at
			FROM articles WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids).Query(func(rs pgx.Rows) error {
			var id string
			var h store.Head
			_, err := pgx.ForEachRow(rs, []any{&id, &h.Versions, &h.Current, &h.CurrentFetchedAt, &h.CurrentExtractedAt}, func() error {
				h.CurrentFetchedAt, h.CurrentExtractedAt = h.CurrentFetchedAt.UTC(), h.CurrentExtractedAt.UTC()
				heads[id] = h
				return nil
			})
			return err
		})
		b.Queue(`SELECT v.article_id, v.content_hash, v.number FROM article_versions v
			JOIN unnest($1::text[], $2::text[]) AS k (id, hash) ON v.article_id = k.id AND v.content_hash = k.hash`,
			keyIDs, keyHashes).Query(func(rs pgx.Rows) error {
			var k store.VersionKey
			var n int
			_, err := pgx.ForEachRow(rs, []any{&k.ID, &k.ContentHash, &n}, func() error {
				existing[k] = n
				return nil
			})
			return err
		})
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		d = store.Decide(rows, heads, existing)
		wb, err := s.writes(d, store.Micro(time.Now()))
		if err != nil {
			return err
		}
		return s.assignStories(ctx, tx, rows, &d, wb)
	})
	return d, err
}

// writes queues the statements that apply a decision: new articles, moved (or
// reverted) current versions, version counts, then the versions themselves.
func (s *Store) writes(d store.Decision, now time.Time) (*pgx.Batch, error) {
	var created, moved, counted articleCols
	for _, c := range d.Changes {
		cols := &counted
		switch {
		case c.New:
			cols = &created
		case c.Current != nil:
			cols = &moved
		}
		if err := cols.add(s, c); err != nil {
			return nil, err
		}
	}
	b := &pgx.Batch{}
	if len(created.id) > 0 {
		b.Queue(`INSERT INTO articles (id, canonical_url, site, language, authors, sort_at, version, versions,
			current_fetched_at, current_extracted_at, first_seen, updated_at, ts_config, title, body)
			SELECT u.id, u.url, u.site, u.lang, ARRAY(SELECT jsonb_array_elements_text(u.authors)), u.sort_at, u.version,
				u.versions, u.fetched, u.extracted, $13, $13, u.cfg::regconfig, u.title, u.body
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::int[],
				$8::int[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $14::text[])
				AS u (id, url, site, lang, authors, sort_at, version, versions, fetched, extracted, cfg, title, body)`,
			created.id, created.url, created.site, created.lang, created.authors, created.sortAt, created.version,
			created.versions, created.fetched, created.extracted, created.cfg, created.title, now, created.body)
	}
	if len(moved.id) > 0 {
		b.Queue(`UPDATE articles a SET canonical_url = u.url, site = u.site, language = u.lang,
				authors = ARRAY(SELECT jsonb_array_elements_text(u.authors)), sort_at = u.sort_at, version = u.version,
				versions = u.versions, current_fetched_at = u.fetched, current_extracted_at = u.extracted,
				updated_at = $13, ts_config = u.cfg::regconfig, title = u.title, body = u.body
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::int[],
				$8::int[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $14::text[])
				AS u (id, url, site, lang, authors, sort_at, version, versions, fetched, extracted, cfg, title, body)
			WHERE a.id = u.id`,
			moved.id, moved.url, moved.site, moved.lang, moved.authors, moved.sortAt, moved.version,
			moved.versions, moved.fetched, moved.extracted, moved.cfg, moved.title, now, moved.body)
	}
	if len(counted.id) > 0 {
		b.Queue(`UPDATE articles a SET versions = u.versions, updated_at = $3
			FROM unnest($1::text[], $2::int[]) AS u (id, versions) WHERE a.id = u.id`,
			counted.id, counted.versions, now)
	}
	n := len(d.Inserts)
	if n == 0 {
		return b, nil
	}
	ids, numbers, hashes := make([]string, n), make([]int, n), make([]string, n)
	fetched, extracted, docs := make([]time.Time, n), make([]time.Time, n), make([]string, n)
	for i, in := range d.Inserts {
		r := in.Row
		ids[i], numbers[i], hashes[i] = r.ID, in.Number, r.ContentHash
		fetched[i], extracted[i], docs[i] = r.FetchedAt, r.ExtractedAt, string(r.Doc)
	}
	b.Queue(`INSERT INTO article_versions (article_id, number, content_hash, fetched_at, extracted_at, stored_at, doc)
		SELECT u.id, u.number, u.hash, u.fetched, u.extracted, $6, u.doc::jsonb
		FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::timestamptz[], $7::text[])
			AS u (id, number, hash, fetched, extracted, doc)`,
		ids, numbers, hashes, fetched, extracted, now, docs)
	return b, nil
}

// articleCols holds article rows column by column, as unnest takes them.
type articleCols struct {
	id, url, site, lang, authors, cfg, title, body []string
	sortAt, fetched, extracted                     []time.Time
	version, versions                              []int
}

// add appends an article's columns; only id and versions when its current version
// stays. Authors travel as one JSON array per article: unnest cannot take a text[][]
// of ragged rows.
func (c *articleCols) add(s *Store, ch store.Change) error {
	c.id = append(c.id, ch.ID)
	c.versions = append(c.versions, ch.Head.Versions)
	r := ch.Current
	if r == nil {
		return nil
	}
	authors, err := json.Marshal(r.Authors)
	if err != nil {
		return fmt.Errorf("encoding authors of %s: %w", r.ID, err)
	}
	c.url, c.site, c.lang = append(c.url, r.CanonicalURL), append(c.site, r.Site), append(c.lang, r.Language)
	c.authors = append(c.authors, string(authors))
	c.cfg, c.title, c.body = append(c.cfg, s.config(r.Language)), append(c.title, r.Title), append(c.body, r.Body)
	c.sortAt, c.fetched, c.extracted = append(c.sortAt, r.SortAt), append(c.fetched, r.FetchedAt), append(c.extracted, r.ExtractedAt)
	c.version = append(c.version, ch.Head.Current)
	return nil
}
