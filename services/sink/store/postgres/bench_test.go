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

func openBench(b *testing.B) *postgres.Store {
	b.Helper()
	s, err := postgres.Open(context.Background(), pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}

// BenchmarkWrite compares the sink's write paths with a plain COPY of the same rows
// into the same tables (articles with its indexes and generated tsvector, and
// article_versions), in one run: compare the articles/s of PutBatch256 and Batcher
// with Copy's. Each article is about 500 words.
func BenchmarkWrite(b *testing.B) {
	b.Run("Copy", func(b *testing.B) {
		dsn := pgtest.DSN(b)
		s, err := postgres.Open(context.Background(), dsn) // creates the sink's tables
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		rows, err := store.PrepareBatch(storetest.Articles(b.N))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		// regconfig travels as its oid in binary COPY.
		var english, regconfig uint32
		if err := conn.QueryRow(ctx, `SELECT 'english'::regconfig::oid, 'regconfig'::regtype::oid`).Scan(&english, &regconfig); err != nil {
			b.Fatal(err)
		}
		conn.TypeMap().RegisterType(&pgtype.Type{Name: "regconfig", OID: regconfig, Codec: pgtype.Uint32Codec{}})
		now := time.Now()
		b.ResetTimer()
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"articles"},
				[]string{"id", "canonical_url", "site", "language", "authors", "sort_at", "version", "versions",
					"current_fetched_at", "current_extracted_at", "first_seen", "updated_at", "ts_config", "title", "body"},
				pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
					r := rows[i]
					return []any{r.ID, r.CanonicalURL, r.Site, r.Language, r.Authors, r.SortAt, 1, 1,
						r.FetchedAt, r.ExtractedAt, now, now, english, r.Title, r.Body}, nil
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
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		reportRate(b, b.N)
	})
	b.Run("PutBatch256", func(b *testing.B) {
		s := openBench(b)
		arts := storetest.Articles(b.N)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < len(arts); i += 256 {
			if _, err := s.PutBatch(ctx, arts[i:min(i+256, len(arts))]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		reportRate(b, b.N)
	})
	for _, writers := range []int{1, 2} {
		b.Run(fmt.Sprintf("Batcher/handlers=64/writers=%d", writers), func(b *testing.B) {
			s := openBench(b)
			arts := storetest.Articles(b.N)
			batcher := store.NewBatcher(s, store.BatcherConfig{Writers: writers})
			defer batcher.Close()
			ctx := context.Background()
			next := make(chan *schema.Article)
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 64 { // the sink's default concurrency: 64 handler calls in flight
				wg.Add(1)
				go func() {
					defer wg.Done()
					for a := range next {
						if _, err := batcher.Put(ctx, a); err != nil {
							b.Error(err)
						}
					}
				}()
			}
			for _, a := range arts {
				next <- a
			}
			close(next)
			wg.Wait()
			b.StopTimer()
			reportRate(b, b.N)
		})
	}
}
