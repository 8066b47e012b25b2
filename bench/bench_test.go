package bench

import (
	"errors"
	"flag"
	"testing"
)

var dataDir = flag.String("aeb", DefaultDataDir(), "AEB benchmark directory (skipped when absent)")

func loadOrSkip(b *testing.B) []Page {
	b.Helper()
	pages, err := LoadCorpus(*dataDir)
	if errors.Is(err, ErrNoData) {
		b.Skipf("no benchmark data: %v", err)
	}
	if err != nil {
		b.Fatal(err)
	}
	return pages
}

// benchSystem runs sys over the whole corpus per iteration, reporting pages/s,
// MB/s (SetBytes) and allocation per page, and the corpus F1/P/R.
func benchSystem(b *testing.B, sys System) {
	pages := loadOrSkip(b)
	var size int64
	for _, p := range pages {
		size += int64(len(p.Raw))
	}
	scored := score(sys, pages)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range pages {
			_, _, _ = sys.Extract(&pages[i])
		}
	}
	b.ReportMetric(float64(b.N*len(pages))/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(scored.Score.F1, "F1")
	b.ReportMetric(scored.Score.Precision, "P")
	b.ReportMetric(scored.Score.Recall, "R")
}

func BenchmarkNewsjet(b *testing.B)     { benchSystem(b, Newsjet()) }
func BenchmarkTrafilatura(b *testing.B) { benchSystem(b, Trafilatura()) }
func BenchmarkReadeck(b *testing.B)     { benchSystem(b, Readeck()) }
func BenchmarkFloor(b *testing.B)       { benchSystem(b, Floor()) }
