package sqlite_test

import (
	"context"
	"flag"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
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
	}, sizes(b))
}
