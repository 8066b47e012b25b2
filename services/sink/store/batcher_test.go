package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// countingWriter counts transactions and can fail them.
type countingWriter struct {
	store.RowWriter
	calls atomic.Int64
	fail  error
}

func (w *countingWriter) PutRows(ctx context.Context, rows []*store.Row) ([]store.PutResult, error) {
	w.calls.Add(1)
	if w.fail != nil {
		return nil, w.fail
	}
	return w.RowWriter.PutRows(ctx, rows)
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBatcherGroupsConcurrentPuts(t *testing.T) {
	s := openSQLite(t)
	w := &countingWriter{RowWriter: s}
	b := store.NewBatcher(w, store.BatcherConfig{MaxBatch: 64, MaxDelay: 20 * time.Millisecond})
	defer b.Close()
	const n = 200
	var wg sync.WaitGroup
	var created, unchanged atomic.Int64
	errs := make(chan error, 2*n)
	for i := range n {
		a := storetest.NewArticle(fmt.Sprintf("https://example.com/%d", i), fmt.Sprintf("T%d", i), "Body.", storetest.Base)
		for range 2 { // every article delivered twice at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := b.Put(context.Background(), a)
				switch {
				case err != nil:
					errs <- err
				case res.Outcome == store.Created:
					created.Add(1)
				case res.Outcome == store.Unchanged && res.Version == 1:
					unchanged.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if created.Load() != n || unchanged.Load() != n {
		t.Errorf("created %d unchanged %d, want %d each", created.Load(), unchanged.Load(), n)
	}
	if calls := w.calls.Load(); calls >= n {
		t.Errorf("%d transactions for %d puts: no grouping", calls, 2*n)
	}
	p, err := s.List(context.Background(), store.Query{Limit: store.MaxLimit})
	if err != nil || len(p.Articles) != store.MaxLimit || p.Next == "" {
		t.Errorf("stored articles: %d, next %q, %v", len(p.Articles), p.Next, err)
	}
}

func TestBatcherRejectsInvalidAlone(t *testing.T) {
	s := openSQLite(t)
	w := &countingWriter{RowWriter: s}
	b := store.NewBatcher(w, store.BatcherConfig{})
	defer b.Close()
	bad := storetest.NewArticle("https://example.com/bad", "T", "B.", storetest.Base)
	bad.ContentHash = "x"
	if _, err := b.Put(context.Background(), bad); !errors.Is(err, store.ErrInvalidArticle) {
		t.Fatalf("err = %v, want ErrInvalidArticle", err)
	}
	if w.calls.Load() != 0 {
		t.Errorf("an invalid article reached the store")
	}
	good := storetest.NewArticle("https://example.com/good", "T", "B.", storetest.Base)
	if res, err := b.Put(context.Background(), good); err != nil || res.Outcome != store.Created {
		t.Fatalf("good put = %+v, %v", res, err)
	}
}

func TestBatcherReportsStoreError(t *testing.T) {
	down := errors.New("database down")
	b := store.NewBatcher(&countingWriter{RowWriter: openSQLite(t), fail: down}, store.BatcherConfig{})
	defer b.Close()
	a := storetest.NewArticle("https://example.com/a", "T", "B.", storetest.Base)
	if _, err := b.Put(context.Background(), a); !errors.Is(err, down) {
		t.Fatalf("err = %v, want the store's error", err)
	}
}

func TestBatcherClosed(t *testing.T) {
	b := store.NewBatcher(openSQLite(t), store.BatcherConfig{})
	b.Close()
	b.Close()
	a := storetest.NewArticle("https://example.com/a", "T", "B.", storetest.Base)
	if _, err := b.Put(context.Background(), a); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}
