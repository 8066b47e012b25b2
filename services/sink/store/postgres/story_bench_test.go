package postgres_test

import (
	"context"
	"testing"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// BenchmarkStories compares the sink's writes with stories and without them, each
// store in its own schema, at the stored sizes of -stories.stored (see
// storetest.BenchStories).
func BenchmarkStories(b *testing.B) {
	storetest.BenchStories(b, func(b *testing.B, stories bool) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.DSN(b), store.WithStories(stories))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}, storetest.StoredSizes(b))
}
