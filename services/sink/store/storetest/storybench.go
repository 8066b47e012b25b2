package storetest

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
)

// StoryWorkload makes articles for the stories benchmark, the same ones on every run:
// bodies of about 500 words in paragraphs, drawn from a vocabulary of 20,000 words
// with Zipf frequencies (common words repeat as in prose, so unrelated bodies share a
// few common runs of words). A quarter of the articles are copies of an earlier one on
// another site (a new headline, its last paragraph cut, a paragraph and two lines of
// chrome added); a tenth are new versions of an earlier article (a paragraph added).
type StoryWorkload struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	words []string
	seq   int
	// bodies are the paragraphs of the articles made so far, by index, for copies.
	bodies [][]string
	urls   []string
}

// NewStoryWorkload returns a workload seeded with seed.
func NewStoryWorkload(seed uint64) *StoryWorkload {
	r := rand.New(rand.NewPCG(seed, 15))
	words := make([]string, 20000)
	for i := range words {
		words[i] = fmt.Sprintf("w%x", i)
	}
	return &StoryWorkload{r: r, zipf: rand.NewZipf(r, 1.1, 2, uint64(len(words)-1)), words: words}
}

func (w *StoryWorkload) paragraph(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = w.words[w.zipf.Uint64()]
	}
	return strings.Join(ws, " ") + "."
}

// Next returns the workload's next n articles.
func (w *StoryWorkload) Next(n int) []*schema.Article {
	out := make([]*schema.Article, n)
	for i := range out {
		w.seq++
		at := Base.Add(time.Duration(w.seq) * time.Second)
		var url string
		var paras []string
		switch k := w.r.IntN(20); {
		case k < 5 && len(w.bodies) > 0: // a copy of an earlier article
			src := w.bodies[w.r.IntN(len(w.bodies))]
			paras = append([]string{"Advertisement"}, src[:max(1, len(src)-1)]...)
			paras = append(paras, w.paragraph(60), "Share this article")
			url = fmt.Sprintf("https://copy%d.example/%d", w.r.IntN(50), w.seq)
		case k < 7 && len(w.bodies) > 0: // a new version of an earlier article
			j := w.r.IntN(len(w.bodies))
			paras = append(append([]string(nil), w.bodies[j]...), w.paragraph(40))
			url = w.urls[j]
		default:
			paras = make([]string, 8)
			for p := range paras {
				paras[p] = w.paragraph(60)
			}
			url = fmt.Sprintf("https://site%d.example/%d", w.r.IntN(200), w.seq)
		}
		a := NewArticle(url, fmt.Sprintf("Article %d", w.seq), strings.Join(paras, "\n\n"), at)
		published := at.Add(-time.Minute)
		a.PublishedAt = &published
		out[i] = a
		w.bodies, w.urls = append(w.bodies, paras), append(w.urls, url)
	}
	return out
}

// BenchChunk is the number of new articles each store takes per benchmark iteration.
const BenchChunk = 500

var storedSizes = flag.String("stories.stored", "10000,100000", "comma-separated numbers of articles stored before BenchmarkStories measures")

// StoredSizes returns the sizes of the -stories.stored flag (default 10,000 and
// 100,000), failing the benchmark on one that is not a number.
func StoredSizes(b *testing.B) []int {
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

// BenchStories measures the sink's store throughput with stories against the same
// store without them, in one run: for each size in stored, two fresh stores (open
// with stories on and off) are filled with the same stored articles (not timed); then
// each iteration gives both the same BenchChunk new articles through the sink's path
// (64 concurrent handlers, the group-commit batcher with two writers), one store after
// the other, so that both see the same load on a shared machine. It reports both
// rates, their ratio (stories/plain: the throughput kept with stories) and the time per
// article with stories, which must not grow with the number stored. Run it with
// -benchtime Nx (N iterations): the stores are filled once per size. In a CPU profile
// the timed puts carry the label store=plain or store=stories (pprof -tagfocus), the
// batcher's writers included.
func BenchStories(b *testing.B, open func(b *testing.B, stories bool) store.Store, stored []int) {
	for _, n := range stored {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			ctx := context.Background()
			plain, stories := open(b, false), open(b, true)
			w := NewStoryWorkload(42)
			for left := n; left > 0; {
				batch := w.Next(min(256, left))
				for _, s := range []store.Store{plain, stories} {
					if _, err := s.PutBatch(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				left -= len(batch)
			}
			var plainTime, storiesTime time.Duration
			articles := 0
			for b.Loop() {
				chunk := w.Next(BenchChunk)
				t0 := time.Now()
				pprof.Do(ctx, pprof.Labels("store", "plain"), func(context.Context) { putThroughBatcher(b, plain, chunk) })
				t1 := time.Now()
				pprof.Do(ctx, pprof.Labels("store", "stories"), func(context.Context) { putThroughBatcher(b, stories, chunk) })
				plainTime, storiesTime = plainTime+t1.Sub(t0), storiesTime+time.Since(t1)
				articles += len(chunk)
			}
			b.ReportMetric(float64(articles)/plainTime.Seconds(), "plain-articles/s")
			b.ReportMetric(float64(articles)/storiesTime.Seconds(), "stories-articles/s")
			b.ReportMetric(plainTime.Seconds()/storiesTime.Seconds(), "stories/plain")
			b.ReportMetric(float64(storiesTime.Microseconds())/float64(articles), "stories-us/article")
		})
	}
}

// putThroughBatcher stores arts as the sink does: 64 concurrent calls through a
// group-commit batcher with two writers.
func putThroughBatcher(b *testing.B, s store.Store, arts []*schema.Article) {
	batcher := store.NewBatcher(s, store.BatcherConfig{Writers: 2})
	defer batcher.Close()
	next := make(chan *schema.Article)
	errs := make(chan error, len(arts))
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				res, err := batcher.Put(context.Background(), a)
				if err == nil {
					err = res.StoryErr
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, a := range arts {
		next <- a
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
