package postgres_test

import (
	"context"
	"flag"
	"strconv"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

var storedSizes = flag.String("stories.stored", "10000,100000", "comma-separated numbers of articles stored before BenchmarkStories measures")

func sizes(b *testing.B) []int {
	var out []int
	for _, f := range strings.Split(*storedSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			b.Fatalf("-stories.stored: %q is not a number", f)
		}
		out = append(out, n)
	}
	return out
}

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
	}, sizes(b))
}
