package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(t *testing.T) store.Store {
		dsn := pgtest.DSN(t)
		return func(t *testing.T) store.Store {
			s, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		}
	})
}

// TestOpenConcurrently starts several stores on one empty schema at once: the
// migration lock lets exactly one apply each migration.
func TestOpenConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
}

func TestOpenBadDSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"); err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
}

// TestRejectedArticleIsolated: one article PostgreSQL refuses, in a group commit with
// innocent ones, fails alone with ErrRejected; the others are stored at once.
func TestRejectedArticleIsolated(t *testing.T) {
	s, err := postgres.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	b := store.NewBatcher(s, store.BatcherConfig{MaxBatch: 8, MaxDelay: 200 * time.Millisecond})
	defer b.Close()
	arts := make([]*schema.Article, 8)
	for i := range arts {
		arts[i] = storetest.NewArticle(fmt.Sprintf("https://example.com/%d", i), fmt.Sprintf("Story %d", i), "Body.", storetest.Base)
	}
	arts[5] = storetest.UnindexableArticle("https://example.com/poison", storetest.Base)
	errs := make([]error, len(arts))
	var wg sync.WaitGroup
	for i, a := range arts {
		wg.Go(func() { _, errs[i] = b.Put(context.Background(), a) })
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i == 5 && !errors.Is(err, store.ErrRejected):
			t.Errorf("poison article: %v, want ErrRejected", err)
		case i != 5 && err != nil:
			t.Errorf("article %d: %v", i, err)
		}
	}
	if _, err := s.Get(context.Background(), arts[5].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("poison article stored: %v", err)
	}
}

func TestStories(t *testing.T) {
	storetest.RunStories(t, func(t *testing.T) storetest.StoryDB {
		dsn := pgtest.DSN(t)
		return storetest.StoryDB{
			Open: func(t *testing.T, opts ...store.Option) store.Store {
				s, err := postgres.Open(context.Background(), dsn, opts...)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return s
			},
			CorruptSketch: func(t *testing.T, articleID string) {
				conn, err := pgx.Connect(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(context.Background())
				if _, err := conn.Exec(context.Background(), `UPDATE story_members SET sketch = '\x01'::bytea WHERE article_id = $1`, articleID); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}
