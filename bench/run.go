package bench

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// PageResult is one system's output on one page. Article is the system's
// metadata as a newsjet article (the full article for newsjet; nil for systems
// without metadata): metadata scorers read it.
type PageResult struct {
	Page    *Page
	Text    string
	Article *schema.Article
	Err     error
	Score   PageScore
}

// SystemResult is one system's run over the corpus.
type SystemResult struct {
	System string
	Pages  []PageResult
	// Elapsed, Allocated and Bytes cover the timed rounds only.
	Elapsed   time.Duration
	Allocated uint64
	Bytes     int64
	Rounds    int
	Errors    int
	Score     CorpusScore
}

// PagesPerSec is the throughput in pages per second.
func (r SystemResult) PagesPerSec() float64 {
	return float64(len(r.Pages)*r.Rounds) / r.Elapsed.Seconds()
}

// MBPerSec is the throughput in MB (10^6 bytes) of raw HTML per second.
func (r SystemResult) MBPerSec() float64 {
	return float64(r.Bytes) / 1e6 / r.Elapsed.Seconds()
}

// AllocPerPage is the mean number of bytes allocated per page.
func (r SystemResult) AllocPerPage() float64 {
	return float64(r.Allocated) / float64(len(r.Pages)*r.Rounds)
}

// Run scores every system on every page, then measures them in rounds timed
// rounds (at least one), the systems taking turns within each round so that
// changing machine load affects them alike. Each system runs on the calling
// goroutine, one page at a time.
func Run(systems []System, pages []Page, rounds int) []SystemResult {
	rounds = max(rounds, 1)
	results := make([]SystemResult, len(systems))
	for k, sys := range systems {
		results[k] = score(sys, pages)
		results[k].Rounds = rounds
	}
	for range rounds {
		for k, sys := range systems {
			elapsed, alloc, size := timeRound(sys, pages)
			results[k].Elapsed += elapsed
			results[k].Allocated += alloc
			results[k].Bytes += size
		}
	}
	return results
}

// score runs sys once over pages and scores its output.
func score(sys System, pages []Page) SystemResult {
	res := SystemResult{System: sys.Name, Pages: make([]PageResult, len(pages))}
	scores := make([]PageScore, len(pages))
	for i := range pages {
		p := &pages[i]
		text, art, err := sys.Extract(p)
		if err != nil {
			res.Errors++
		}
		scores[i] = ScorePage(p.Truth, text)
		res.Pages[i] = PageResult{Page: p, Text: text, Article: art, Err: err, Score: scores[i]}
	}
	res.Score = Aggregate(scores)
	return res
}

// timeRound runs sys over pages once and returns the time taken, the bytes
// allocated and the bytes of HTML processed.
func timeRound(sys System, pages []Page) (time.Duration, uint64, int64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var size int64
	start := time.Now()
	for i := range pages {
		_, _, _ = sys.Extract(&pages[i])
		size += int64(len(pages[i].Raw))
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return elapsed, after.TotalAlloc - before.TotalAlloc, size
}

// A Report prints extra figures computed from newsjet's results (for example
// metadata scores). dataDir is the benchmark directory the pages came from.
type Report func(w io.Writer, dataDir string, res SystemResult) error

var (
	reportsMu sync.Mutex
	reports   []namedReport
)

type namedReport struct {
	name string
	fn   Report
}

// RegisterReport adds a report run after the newsjet system by the bench command.
// Call it from an init function.
func RegisterReport(name string, fn Report) {
	reportsMu.Lock()
	defer reportsMu.Unlock()
	reports = append(reports, namedReport{name, fn})
}

// RunReports runs every registered report on res.
func RunReports(w io.Writer, dataDir string, res SystemResult) error {
	reportsMu.Lock()
	rs := append([]namedReport(nil), reports...)
	reportsMu.Unlock()
	for _, r := range rs {
		if err := r.fn(w, dataDir, res); err != nil {
			return fmt.Errorf("report %s: %w", r.name, err)
		}
	}
	return nil
}

// PrintTable writes one line of figures per system and the newsjet ratios.
func PrintTable(w io.Writer, results []SystemResult) {
	fmt.Fprintf(w, "%-12s %6s %9s %8s %11s %6s %6s %6s %6s %4s\n",
		"system", "pages", "pages/s", "MB/s", "alloc/page", "F1", "P", "R", "acc", "err")
	byName := map[string]SystemResult{}
	for _, r := range results {
		byName[r.System] = r
		fmt.Fprintf(w, "%-12s %6d %9.1f %8.2f %8.2f MB %6.3f %6.3f %6.3f %6.3f %4d\n",
			r.System, len(r.Pages), r.PagesPerSec(), r.MBPerSec(), r.AllocPerPage()/1e6,
			r.Score.F1, r.Score.Precision, r.Score.Recall, r.Score.Accuracy, r.Errors)
	}
	nj, ok := byName["newsjet"]
	if !ok {
		return
	}
	for _, other := range []string{"trafilatura", "readeck", "floor"} {
		if o, ok := byName[other]; ok {
			fmt.Fprintf(w, "newsjet/%-11s speed %.2fx  alloc %.2fx  F1 %+.3f\n", other,
				nj.PagesPerSec()/o.PagesPerSec(), nj.AllocPerPage()/o.AllocPerPage(), nj.Score.F1-o.Score.F1)
		}
	}
}

// PrintWorst writes the n pages with the lowest F1, with precision and recall.
func PrintWorst(w io.Writer, res SystemResult, n int) {
	idx := make([]int, len(res.Pages))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return res.Pages[idx[a]].Score.F1() < res.Pages[idx[b]].Score.F1() })
	fmt.Fprintf(w, "worst %d pages of %s:\n", min(n, len(idx)), res.System)
	for _, i := range idx[:min(n, len(idx))] {
		pr := res.Pages[i]
		errText := ""
		if pr.Err != nil {
			errText = " err=" + pr.Err.Error()
		}
		fmt.Fprintf(w, "  %s F1 %.3f P %.3f R %.3f%s %s\n", pr.Page.ID[:8], pr.Score.F1(),
			pr.Score.Precision(), pr.Score.Recall(), errText, pr.Page.URL)
	}
}
