package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// copier is the baseline: a plain COPY of prepared rows into the sink's own tables
// (articles, with its indexes and generated tsvector, and article_versions), one
// transaction per chunk.
type copier struct {
	conn      *pgx.Conn
	regconfig map[string]uint32 // text search configuration oids: regconfig travels as an oid in binary COPY
}

func newCopier(b *testing.B, dsn string) *copier {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(ctx) })
	var english, regconfig uint32
	if err := conn.QueryRow(ctx, `SELECT 'english'::regconfig::oid, 'regconfig'::regtype::oid`).Scan(&english, &regconfig); err != nil {
		b.Fatal(err)
	}
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "regconfig", OID: regconfig, Codec: pgtype.Uint32Codec{}})
	return &copier{conn: conn, regconfig: map[string]uint32{"en": english}}
}

func (c *copier) copy(ctx context.Context, rows []*store.Row) error {
	now := time.Now()
	return pgx.BeginFunc(ctx, c.conn, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"articles"},
			[]string{"id", "canonical_url", "site", "language", "authors", "sort_at", "version", "versions",
				"current_fetched_at", "current_extracted_at", "first_seen", "updated_at", "ts_config", "title", "body"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				r := rows[i]
				return []any{r.ID, r.CanonicalURL, r.Site, r.Language, r.Authors, r.SortAt, 1, 1,
					r.FetchedAt, r.ExtractedAt, now, now, c.regconfig[r.Language], r.Title, r.Body}, nil
			})); err != nil {
			return fmt.Errorf("copying articles: %w", err)
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"article_versions"},
			[]string{"article_id", "number", "content_hash", "fetched_at", "extracted_at", "stored_at", "doc"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				r := rows[i]
				return []any{r.ID, 1, r.ContentHash, r.FetchedAt, r.ExtractedAt, now, string(r.Doc)}, nil
			}))
		return err
	})
}

// benchChunk is how many articles each side writes before the other takes its turn.
const benchChunk = 500

// benchAgainstCopy writes b.N articles (about 500 words each) with write and the
// same b.N as a plain COPY, alternating in chunks so that both see the same load on a
// shared machine, each into its own schema. It reports both rates and their ratio.
// The COPY side gets its rows prepared (validated, JSON-encoded) before the clock
// starts; the sink side prepares them itself.
func benchAgainstCopy(b *testing.B, write func(ctx context.Context, s *postgres.Store, arts []*schema.Article) error) {
	ctx := context.Background()
	copyDSN := pgtest.DSN(b)
	tables, err := postgres.Open(ctx, copyDSN) // creates the tables COPY fills
	if err != nil {
		b.Fatal(err)
	}
	tables.Close()
	c := newCopier(b, copyDSN)
	s, err := postgres.Open(ctx, pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	arts := storetest.Articles(b.N)
	rows, err := store.PrepareBatch(arts)
	if err != nil {
		b.Fatal(err)
	}
	var copyTime, sinkTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i += benchChunk {
		j := min(i+benchChunk, b.N)
		t0 := time.Now()
		if err := c.copy(ctx, rows[i:j]); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := write(ctx, s, arts[i:j]); err != nil {
			b.Fatal(err)
		}
		copyTime, sinkTime = copyTime+t1.Sub(t0), sinkTime+time.Since(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/copyTime.Seconds(), "copy-articles/s")
	b.ReportMetric(float64(b.N)/sinkTime.Seconds(), "sink-articles/s")
	b.ReportMetric(copyTime.Seconds()/sinkTime.Seconds(), "sink/copy")
}

// BenchmarkWrite compares the sink's write paths with a plain COPY of the same rows
// into the same tables, in one run: sink/copy is the ratio of their rates.
//
//	PutBatch256: PutBatch with 256 articles per call, one caller.
//	Batcher:     the sink's real path, 64 concurrent handler calls (the sink's default
//	             concurrency) through the group-commit batcher with 1 or 2 writers.
func BenchmarkWrite(b *testing.B) {
	b.Run("PutBatch256", func(b *testing.B) {
		benchAgainstCopy(b, func(ctx context.Context, s *postgres.Store, arts []*schema.Article) error {
			for i := 0; i < len(arts); i += 256 {
				if _, err := s.PutBatch(ctx, arts[i:min(i+256, len(arts))]); err != nil {
					return err
				}
			}
			return nil
		})
	})
	for _, writers := range []int{1, 2} {
		b.Run(fmt.Sprintf("Batcher/handlers=64/writers=%d", writers), func(b *testing.B) {
			benchAgainstCopy(b, func(ctx context.Context, s *postgres.Store, arts []*schema.Article) error {
				batcher := store.NewBatcher(s, store.BatcherConfig{Writers: writers})
				defer batcher.Close()
				next := make(chan *schema.Article)
				errs := make(chan error, len(arts))
				var wg sync.WaitGroup
				for range 64 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for a := range next {
							if _, err := batcher.Put(ctx, a); err != nil {
								errs <- err
							}
						}
					}()
				}
				for _, a := range arts {
					next <- a
				}
				close(next)
				wg.Wait()
				close(errs)
				return <-errs
			})
		})
	}
}
