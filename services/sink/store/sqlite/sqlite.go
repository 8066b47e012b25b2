// Package sqlite is the embedded article store: a single SQLite file (pure Go,
// modernc.org/sqlite) with the semantics of package store, full-text search by FTS5.
//
// The file is opened in WAL mode with synchronous=FULL, so a committed put survives a
// crash of the process or the machine. Writers take the database's write lock at the
// start of each transaction (BEGIN IMMEDIATE), so several stores, even in several
// processes, can share one file: they serialise, and a version is never lost or
// numbered twice.
//
// A store writes through one connection of its own, with a page cache of
// writerCacheKiB, and reads through a pool of others. The writer's cache stays warm
// from one transaction to the next (a connection drops its cache when another one
// wrote the file since its last transaction, which a pool of writers does nearly every
// time), so the index pages a put looks up and changes (the story keys above all) are
// seldom read from the file again; its temporary files (statement journals) are kept
// in memory.
//
// Text search: FTS5 over the current title and body, with the Porter stemmer (English
// only) after Unicode folding (diacritics removed), whatever the article's language.
// Words with a non-ASCII letter, and all words under a language filter other than
// English, match as prefixes instead ("ремонт" finds "ремонта"; "wahl" without a
// filter does not find "wahlen"). Chinese, Japanese and Korean words are found inside
// runs of text by substring, through a second FTS5 table with the trigram tokenizer
// that holds only the articles with CJK characters; words of one or two such characters
// are matched there by LIKE, which scans that table.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/segmentio/encoding/json"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/internal/migfs"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrBadPath: Open was given an empty path.
var ErrBadPath = errors.New("sqlite: empty database path")

// Store is a store.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	// db reads; w, one connection, writes.
	db, w  *sql.DB
	opts   store.Options
	closed atomic.Bool
	// recentKeys counts the rows of story_keys_recent, as the writer claims them;
	// recentMax is how many it holds before they are merged (recentKeysMax).
	recentKeys atomic.Int64
	recentMax  int64
}

// writerCacheKiB is the page cache of the writing connection: 64 MiB, room for the
// story keys and the indexes a put touches in a store of some 100,000 articles. It is
// filled only as pages are read.
const writerCacheKiB = 64 << 10

var _ store.Store = (*Store)(nil)

// Open opens (creating when missing) the database file at path and applies the
// embedded migrations it lacks; opts set the store up (stories on by default, see
// store.WithStories). It returns ErrBadPath for an empty path.
func Open(ctx context.Context, path string, opts ...store.Option) (*Store, error) {
	if path == "" {
		return nil, ErrBadPath
	}
	w, err := openDB(path, 1, fmt.Sprintf("cache_size(-%d)", writerCacheKiB), "temp_store(MEMORY)", "wal_autocheckpoint(10000)")
	if err != nil {
		return nil, err
	}
	db, err := openDB(path, 8)
	if err != nil {
		w.Close()
		return nil, err
	}
	s := &Store{db: db, w: w, opts: store.NewOptions(opts...), recentMax: recentKeysMax}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	var recent int64
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM story_keys_recent`).Scan(&recent); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: counting recent story keys: %w", err)
	}
	s.recentKeys.Store(recent)
	return s, nil
}

// openDB opens a pool of at most conns connections to the file at path, each set up
// with the store's pragmas and then extra.
func openDB(path string, conns int, extra ...string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range append([]string{"busy_timeout(30000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)"}, extra...) {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	// The path travels in a file: URI, where '%', '?' and '#' must be escaped.
	uriPath := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", "file:"+uriPath+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	return db, nil
}

// migrate applies the migrations newer than the database's user_version, each in its
// own write transaction, so concurrent openers apply each exactly once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migfs.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var have int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
				return err
			}
			if have >= m.Version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
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
	var d store.Decision
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		heads, existing, err := loadState(ctx, tx, store.IDs(rows))
		if err != nil {
			return err
		}
		d = store.Decide(rows, heads, existing)
		if err := write(ctx, tx, d, store.Micro(time.Now()).UnixMicro()); err != nil {
			return err
		}
		return s.assignStories(ctx, tx, rows, &d)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: storing %d articles: %w", len(rows), err)
	}
	return d.Results, nil
}

// maxParams bounds the ids in one IN list, below SQLite's variable limit.
const maxParams = 500

func loadState(ctx context.Context, tx *sql.Tx, ids []string) (map[string]store.Head, map[store.VersionKey]int, error) {
	heads := make(map[string]store.Head, len(ids))
	existing := make(map[store.VersionKey]int)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxParams)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		in := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		rs, err := tx.QueryContext(ctx, `SELECT id, versions, version, current_fetched_at, current_extracted_at
			FROM articles WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return nil, nil, err
		}
		for rs.Next() {
			var id string
			var h store.Head
			var fetched, extracted int64
			if err := rs.Scan(&id, &h.Versions, &h.Current, &fetched, &extracted); err != nil {
				rs.Close()
				return nil, nil, err
			}
			h.CurrentFetchedAt, h.CurrentExtractedAt = time.UnixMicro(fetched).UTC(), time.UnixMicro(extracted).UTC()
			heads[id] = h
		}
		if err := closeRows(rs); err != nil {
			return nil, nil, err
		}
		rs, err = tx.QueryContext(ctx, `SELECT article_id, content_hash, number FROM versions WHERE article_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, nil, err
		}
		for rs.Next() {
			var k store.VersionKey
			var n int
			if err := rs.Scan(&k.ID, &k.ContentHash, &n); err != nil {
				rs.Close()
				return nil, nil, err
			}
			existing[k] = n
		}
		if err := closeRows(rs); err != nil {
			return nil, nil, err
		}
	}
	return heads, existing, nil
}

func closeRows(rs *sql.Rows) error {
	err := rs.Err()
	if cerr := rs.Close(); err == nil {
		err = cerr
	}
	return err
}

func write(ctx context.Context, tx *sql.Tx, d store.Decision, now int64) error {
	insVersion, err := tx.PrepareContext(ctx, `INSERT INTO versions
		(article_id, number, content_hash, fetched_at, extracted_at, stored_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insVersion.Close()
	for _, c := range d.Changes {
		if err := writeArticle(ctx, tx, c, now); err != nil {
			return err
		}
	}
	for _, in := range d.Inserts {
		r := in.Row
		if _, err := insVersion.ExecContext(ctx, r.ID, in.Number, r.ContentHash,
			r.FetchedAt.UnixMicro(), r.ExtractedAt.UnixMicro(), now, string(r.Doc)); err != nil {
			return err
		}
	}
	return nil
}

func writeArticle(ctx context.Context, tx *sql.Tx, c store.Change, now int64) error {
	var seq int64
	switch r := c.Current; {
	case c.New:
		authors, err := json.Marshal(r.Authors)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO articles (id, canonical_url, site, language, authors, sort_at,
			version, versions, current_fetched_at, current_extracted_at, first_seen, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			c.ID, r.CanonicalURL, r.Site, r.Language, string(authors), r.SortAt.UnixMicro(),
			c.Head.Current, c.Head.Versions, r.FetchedAt.UnixMicro(), r.ExtractedAt.UnixMicro(), now, now).Scan(&seq)
		if err != nil {
			return err
		}
	case r != nil:
		authors, err := json.Marshal(r.Authors)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `UPDATE articles SET canonical_url = ?, site = ?, language = ?, authors = ?,
			sort_at = ?, version = ?, versions = ?, current_fetched_at = ?, current_extracted_at = ?, updated_at = ?
			WHERE id = ? RETURNING seq`,
			r.CanonicalURL, r.Site, r.Language, string(authors), r.SortAt.UnixMicro(), c.Head.Current,
			c.Head.Versions, r.FetchedAt.UnixMicro(), r.ExtractedAt.UnixMicro(), now, c.ID).Scan(&seq)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM articles_fts WHERE rowid = ?`, seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM articles_cjk WHERE rowid = ?`, seq); err != nil {
			return err
		}
	default:
		_, err := tx.ExecContext(ctx, `UPDATE articles SET versions = ?, updated_at = ? WHERE id = ?`,
			c.Head.Versions, now, c.ID)
		return err
	}
	r := c.Current
	if _, err := tx.ExecContext(ctx, `INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)`,
		seq, r.Title, r.Body); err != nil {
		return err
	}
	if !store.HasCJK(r.Title) && !store.HasCJK(r.Body) {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO articles_cjk (rowid, title, body) VALUES (?, ?, ?)`, seq, r.Title, r.Body)
	return err
}

// Get implements store.Reader.
func (s *Store) Get(ctx context.Context, id string) (*store.Record, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	row := s.db.QueryRowContext(ctx, selectRecord+` WHERE a.id = ?`, id)
	rec, _, err := scanRecord(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", store.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading article %q: %w", id, err)
	}
	return rec, nil
}

const selectRecord = `SELECT a.id, a.site, a.version, a.versions, a.first_seen, a.updated_at, a.sort_at, v.doc,
		coalesce(m.story_id, '')
	FROM articles a JOIN versions v ON v.article_id = a.id AND v.number = a.version
		LEFT JOIN story_members m ON m.seq = a.seq`

type scanner interface{ Scan(dest ...any) error }

// scanRecord reads a selectRecord row; it also returns the row's sort time.
func scanRecord(sc scanner) (*store.Record, time.Time, error) {
	var rec store.Record
	var first, updated, sortAt int64
	var doc string
	if err := sc.Scan(&rec.ID, &rec.Site, &rec.Version, &rec.Versions, &first, &updated, &sortAt, &doc, &rec.StoryID); err != nil {
		return nil, time.Time{}, err
	}
	rec.FirstSeen, rec.UpdatedAt = time.UnixMicro(first).UTC(), time.UnixMicro(updated).UTC()
	a, err := schema.DecodeArticle([]byte(doc))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("stored article %q: %w", rec.ID, err)
	}
	rec.Article = a
	return &rec, time.UnixMicro(sortAt).UTC(), nil
}

// List implements store.Reader.
func (s *Store) List(ctx context.Context, q store.Query) (*store.Page, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	f, err := q.Compile()
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	where, args = textFilter(f, where, args)
	if f.Site != "" {
		where, args = append(where, `a.site = ?`), append(args, f.Site)
	}
	if f.Language != "" {
		where, args = append(where, `a.language = ?`), append(args, f.Language)
	}
	if f.Story != "" {
		where, args = append(where, `m.story_id = ?`), append(args, f.Story)
	}
	if f.Author != "" {
		where, args = append(where, `EXISTS (SELECT 1 FROM json_each(a.authors) WHERE value = ?)`), append(args, f.Author)
	}
	if !f.Since.IsZero() {
		where, args = append(where, `a.sort_at >= ?`), append(args, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		where, args = append(where, `a.sort_at < ?`), append(args, f.Until.UnixMicro())
	}
	if f.After {
		at := f.AfterAt.UnixMicro()
		where = append(where, `(a.sort_at < ? OR (a.sort_at = ? AND a.id < ?))`)
		args = append(args, at, at, f.AfterID)
	}
	query := selectRecord
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY a.sort_at DESC, a.id DESC LIMIT ?`
	args = append(args, f.Limit+1)
	rs, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing articles: %w", err)
	}
	defer rs.Close()
	page := &store.Page{Articles: []store.Record{}}
	var lastAt time.Time
	for rs.Next() {
		if len(page.Articles) == f.Limit {
			last := page.Articles[len(page.Articles)-1]
			page.Next = store.Cursor(lastAt, last.ID)
			break
		}
		rec, at, err := scanRecord(rs)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing articles: %w", err)
		}
		page.Articles, lastAt = append(page.Articles, *rec), at
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing articles: %w", err)
	}
	return page, nil
}

// textFilter adds the conditions of f's text terms. Words of CJK terms are looked up in
// the trigram table articles_cjk by substring (MATCH for three characters or more, LIKE
// below, which trigrams cannot index: a scan of the CJK articles); the other terms in
// the word table articles_fts.
func textFilter(f store.Filter, where []string, args []any) ([]string, []any) {
	var pos, neg []string
	for _, t := range f.Terms {
		if t.CJK() {
			cond, targs := cjkMatch(t.Words)
			in := `a.seq IN `
			if t.Negated {
				in = `a.seq NOT IN `
			}
			where, args = append(where, in+`(SELECT rowid FROM articles_cjk WHERE `+cond+`)`), append(args, targs...)
			continue
		}
		q := ftsPhrase(t.Words, f.Language)
		if t.Negated {
			neg = append(neg, q)
		} else {
			pos = append(pos, q)
		}
	}
	switch {
	case len(pos) > 0:
		expr := "(" + strings.Join(pos, " AND ") + ")"
		for _, n := range neg {
			expr += " NOT " + n
		}
		where, args = append(where, `a.seq IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)`), append(args, expr)
	case len(neg) > 0:
		where = append(where, `a.seq NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)`)
		args = append(args, strings.Join(neg, " OR "))
	}
	return where, args
}

// ftsPhrase writes words as an FTS5 phrase of quoted tokens (words are letters and
// digits only). The Porter stemmer knows only English, so words of other languages
// match as prefixes ("ремонт" finds "ремонта"): every word when the language filter
// names a language other than English, else the words with a non-ASCII letter.
func ftsPhrase(words []string, lang string) string {
	prefixAll := lang != "" && lang != "en"
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `"` + w + `"`
		if prefixAll || !isASCII(w) {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " + ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// cjkMatch returns the articles_cjk condition that every word occurs in the title or
// the body, with its arguments.
func cjkMatch(words []string) (string, []any) {
	var conds, match []string
	var args []any
	for _, w := range words {
		if utf8.RuneCountInString(w) >= 3 {
			match = append(match, `"`+w+`"`)
			continue
		}
		conds = append(conds, `(title LIKE ? OR body LIKE ?)`)
		args = append(args, "%"+w+"%", "%"+w+"%")
	}
	if len(match) > 0 {
		conds = append([]string{`articles_cjk MATCH ?`}, conds...)
		args = append([]any{strings.Join(match, " AND ")}, args...)
	}
	return strings.Join(conds, " AND "), args
}

// Versions implements store.Reader.
func (s *Store) Versions(ctx context.Context, id string) ([]store.Version, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	rs, err := s.db.QueryContext(ctx, `SELECT v.number, v.content_hash, v.fetched_at, v.extracted_at, v.stored_at,
		v.number = a.version, v.doc
		FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.article_id = ? ORDER BY v.number`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading versions of %q: %w", id, err)
	}
	defer rs.Close()
	var vs []store.Version
	for rs.Next() {
		var v store.Version
		var fetched, extracted, stored int64
		var doc string
		if err := rs.Scan(&v.Number, &v.ContentHash, &fetched, &extracted, &stored, &v.Current, &doc); err != nil {
			return nil, fmt.Errorf("sqlite: reading versions of %q: %w", id, err)
		}
		v.FetchedAt, v.ExtractedAt = time.UnixMicro(fetched).UTC(), time.UnixMicro(extracted).UTC()
		v.StoredAt = time.UnixMicro(stored).UTC()
		if v.Article, err = schema.DecodeArticle([]byte(doc)); err != nil {
			return nil, fmt.Errorf("sqlite: stored version %d of %q: %w", v.Number, id, err)
		}
		vs = append(vs, v)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading versions of %q: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: %q", store.ErrNotFound, id)
	}
	return vs, nil
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return s.db.PingContext(ctx)
}

// Close implements store.Store; it is safe to call more than once.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return errors.Join(s.w.Close(), s.db.Close())
}
