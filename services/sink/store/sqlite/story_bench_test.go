package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// BenchmarkStories compares the embedded store's writes with stories and without
// them, each in its own file, at the stored sizes of -stories.stored (see
// storetest.BenchStories).
func BenchmarkStories(b *testing.B) {
	storetest.BenchStories(b, func(b *testing.B, stories bool) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), store.WithStories(stories))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}, storetest.StoredSizes(b))
}
