package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// BenchmarkWrite measures the embedded store's write paths in articles/s: batches of
// 256, and the sink's group commit under 64 concurrent handler calls.
func BenchmarkWrite(b *testing.B) {
	open := func(b *testing.B) *sqlite.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	b.Run("PutBatch256", func(b *testing.B) {
		s, arts := open(b), storetest.Articles(b.N)
		b.ResetTimer()
		for i := 0; i < len(arts); i += 256 {
			if _, err := s.PutBatch(context.Background(), arts[i:min(i+256, len(arts))]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	})
	b.Run("Batcher/handlers=64", func(b *testing.B) {
		s, arts := open(b), storetest.Articles(b.N)
		batcher := store.NewBatcher(s, store.BatcherConfig{})
		defer batcher.Close()
		next := make(chan *schema.Article)
		var wg sync.WaitGroup
		b.ResetTimer()
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for a := range next {
					if _, err := batcher.Put(context.Background(), a); err != nil {
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
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
	})
}
