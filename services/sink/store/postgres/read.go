package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
)

const selectRecord = `SELECT a.id, a.site, a.version, a.versions, a.first_seen, a.updated_at, a.sort_at, v.doc::text,
		coalesce(m.story_id, '')
	FROM articles a JOIN article_versions v ON v.article_id = a.id AND v.number = a.version
		LEFT JOIN story_members m ON m.article_id = a.id`

func scanRecord(sc pgx.Row) (*store.Record, time.Time, error) {
	var rec store.Record
	var sortAt time.Time
	var doc string
	if err := sc.Scan(&rec.ID, &rec.Site, &rec.Version, &rec.Versions, &rec.FirstSeen, &rec.UpdatedAt, &sortAt, &doc, &rec.StoryID); err != nil {
		return nil, time.Time{}, err
	}
	rec.FirstSeen, rec.UpdatedAt = rec.FirstSeen.UTC(), rec.UpdatedAt.UTC()
	a, err := schema.DecodeArticle([]byte(doc))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("stored article %q: %w", rec.ID, err)
	}
	rec.Article = a
	return &rec, sortAt.UTC(), nil
}

// Get implements store.Reader.
func (s *Store) Get(ctx context.Context, id string) (*store.Record, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	rec, _, err := scanRecord(s.pool.QueryRow(ctx, selectRecord+` WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", store.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: reading article %q: %w", id, err)
	}
	return rec, nil
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
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var words []store.Term
	for _, t := range f.Terms {
		if !t.CJK() {
			words = append(words, t)
			continue
		}
		// No text search parser splits CJK runs into words: each word must occur as a
		// substring of the title or the body (words are letters and digits only, never
		// a LIKE wildcard). Not indexed: a scan of the rows the other filters leave.
		conds := make([]string, len(t.Words))
		for i, w := range t.Words {
			p := arg("%" + w + "%")
			conds[i] = "(a.title ILIKE " + p + " OR a.body ILIKE " + p + ")"
		}
		cond := "(" + strings.Join(conds, " AND ") + ")"
		if t.Negated {
			cond = "NOT " + cond
		}
		where = append(where, cond)
	}
	if len(words) > 0 {
		text := arg(webSearch(words))
		configs := s.all
		if f.Language != "" {
			configs = []string{s.config(f.Language)}
		}
		// Each article is matched under its own configuration. c comes from pg_ts_config
		// names matched against a fixed list: safe to inline.
		parts := make([]string, len(configs))
		for i, c := range configs {
			parts[i] = fmt.Sprintf("(a.ts_config = '%[1]s'::regconfig AND a.tsv @@ websearch_to_tsquery('%[1]s', %[2]s))", c, text)
		}
		where = append(where, "("+strings.Join(parts, " OR ")+")")
	}
	if f.Site != "" {
		where = append(where, "a.site = "+arg(f.Site))
	}
	if f.Language != "" {
		where = append(where, "a.language = "+arg(f.Language))
	}
	if f.Story != "" {
		where = append(where, "m.story_id = "+arg(f.Story))
	}
	if f.Author != "" {
		where = append(where, "a.authors @> ARRAY["+arg(f.Author)+"::text]")
	}
	if !f.Since.IsZero() {
		where = append(where, "a.sort_at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "a.sort_at < "+arg(f.Until))
	}
	if f.After {
		where = append(where, "(a.sort_at, a.id) < ("+arg(f.AfterAt)+"::timestamptz, "+arg(f.AfterID)+"::text)")
	}
	query := selectRecord
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY a.sort_at DESC, a.id DESC LIMIT " + arg(f.Limit+1)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: listing articles: %w", err)
	}
	defer rows.Close()
	page := &store.Page{Articles: []store.Record{}}
	var lastAt time.Time
	for rows.Next() {
		if len(page.Articles) == f.Limit {
			page.Next = store.Cursor(lastAt, page.Articles[len(page.Articles)-1].ID)
			break
		}
		rec, at, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: listing articles: %w", err)
		}
		page.Articles, lastAt = append(page.Articles, *rec), at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: listing articles: %w", err)
	}
	return page, nil
}

// webSearch writes terms in websearch_to_tsquery syntax: each term quoted (so a word
// like "or" is a word, not an operator), exclusions prefixed with '-'.
func webSearch(terms []store.Term) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.Join(t.Words, " ") + `"`
		if t.Negated {
			parts[i] = "-" + parts[i]
		}
	}
	return strings.Join(parts, " ")
}

// Versions implements store.Reader.
func (s *Store) Versions(ctx context.Context, id string) ([]store.Version, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	rows, err := s.pool.Query(ctx, `SELECT v.number, v.content_hash, v.fetched_at, v.extracted_at, v.stored_at,
		v.number = a.version, v.doc::text
		FROM article_versions v JOIN articles a ON a.id = v.article_id WHERE v.article_id = $1 ORDER BY v.number`, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading versions of %q: %w", id, err)
	}
	var vs []store.Version
	var v store.Version
	var doc string
	_, err = pgx.ForEachRow(rows, []any{&v.Number, &v.ContentHash, &v.FetchedAt, &v.ExtractedAt, &v.StoredAt, &v.Current, &doc}, func() error {
		v.FetchedAt, v.ExtractedAt, v.StoredAt = v.FetchedAt.UTC(), v.ExtractedAt.UTC(), v.StoredAt.UTC()
		a, err := schema.DecodeArticle([]byte(doc))
		if err != nil {
			return fmt.Errorf("stored version %d: %w", v.Number, err)
		}
		v.Article = a
		vs = append(vs, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: reading versions of %q: %w", id, err)
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
	return s.pool.Ping(ctx)
}

// Close implements store.Store; it is safe to call more than once.
func (s *Store) Close() error {
	if !s.closed.Swap(true) {
		s.pool.Close()
	}
	return nil
}
