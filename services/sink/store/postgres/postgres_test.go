package postgres_test

import (
	"context"
	"github.com/jackc/pgx/v5"
	"testing"
	"time"

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
