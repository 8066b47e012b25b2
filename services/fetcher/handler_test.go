package fetcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

// runStage runs the fetcher stage on b until the test ends.
func runStage(t *testing.T, b *broker, cfg *Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- stage.Run(ctx, stage.Config{Conn: b.nc, Concurrency: 4, RetryBackoff: 50 * time.Millisecond}, Service(cfg), zap.NewNop())
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stage stopped with %v", err)
		}
	})
	// Wait until the stage has provisioned its streams and bound its consumer.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := b.js.Consumer(context.Background(), schema.FetchStream.Name, schema.FetcherConsumer.Durable); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("fetcher stage did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func publish(t *testing.T, b *broker, req *schema.FetchRequest) {
	t.Helper()
	msg, err := RequestMsg(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

// collect reads n messages from stream (all subjects), failing after a deadline.
func collect(t *testing.T, b *broker, stream, filter string, n int) []jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	cons, err := b.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatal(err)
	}
	var got []jetstream.Msg
	// Generous: the 25 MiB page takes a while under the race detector on a busy machine.
	deadline := time.Now().Add(2 * time.Minute)
	for len(got) < n && time.Now().Before(deadline) {
		batch, err := cons.Fetch(n-len(got), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			got = append(got, m)
		}
	}
	if len(got) < n {
		t.Fatalf("%s: got %d messages, want %d", stream, len(got), n)
	}
	return got
}

func TestStageFeedToRawPagesAndDeadLetters(t *testing.T) {
	s := newSite(t)
	b := startBroker(t)
	cfg := testConfig()
	runStage(t, b, &cfg)
	publish(t, b, request(schema.KindFeed, s.URL+"/feed.xml", ""))
	publish(t, b, request(schema.KindSitemap, s.URL+"/news-sitemap.xml", ""))
	publish(t, b, request(schema.KindArticle, s.URL+"/report.pdf", ""))

	raw := collect(t, b, schema.RawStream.Name, schema.RawSubjectPrefix+".>", 4)
	var paths []string
	for _, m := range raw {
		page, err := schema.DecodeRawPage(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		if !fromDelivery(m.Headers().Get(schema.HeaderMsgID), page.ID, schema.FetchStream.Name) || m.Headers().Get(schema.HeaderSchema) != schema.RawPageV1 {
			t.Errorf("headers %v for page %s", m.Headers(), page.ID)
		}
		if m.Subject() != schema.RawSubject(page.PageURL()) {
			t.Errorf("subject %s for %s", m.Subject(), page.PageURL())
		}
		body, err := page.PlainBody()
		if err != nil || !bytes.Contains(body, []byte("harbour reopened")) || page.RequestID == "" {
			t.Errorf("page %s: body %q, %v", page.URL, body, err)
		}
		paths = append(paths, strings.TrimPrefix(page.URL, s.URL))
	}
	sort.Strings(paths)
	if strings.Join(paths, " ") != "/a/1?utm_source=rss /a/2 /n/1 /n/2" {
		t.Fatalf("raw pages for %v", paths)
	}

	dead := collect(t, b, schema.DeadLetterStream.Name, schema.DeadSubject(Name), 2)
	reasons := map[string]string{}
	for _, m := range dead {
		dl, err := schema.DecodeDeadLetter(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		req, err := schema.DecodeFetchRequest(dl.Payload)
		if err != nil {
			t.Fatal(err)
		}
		reasons[strings.TrimPrefix(req.URL, s.URL)] = dl.Reason + ": " + dl.Error
	}
	if r := reasons["/private/3"]; !strings.HasPrefix(r, schema.ReasonFetchFailed+":") || !strings.Contains(r, "robots.txt") {
		t.Errorf("robots-disallowed page: %q", r)
	}
	if r := reasons["/report.pdf"]; !strings.HasPrefix(r, schema.ReasonFetchFailed+":") || !strings.Contains(r, "application/pdf") {
		t.Errorf("pdf: %q", r)
	}
}

// bigPage returns an HTML page of about size bytes that gzip cannot squeeze under 1 MiB.
func bigPage(size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	buf.WriteString("<!DOCTYPE html><html><head><title>Big</title></head><body>")
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	line := make([]byte, 100)
	for buf.Len() < size-20 {
		for i := range line {
			line[i] = letters[r.IntN(len(letters))]
		}
		buf.WriteString("<p>")
		buf.Write(line)
		buf.WriteString("</p>\n")
	}
	buf.WriteString("</body></html>")
	return buf.Bytes()
}

func TestStageLargePagesTravel(t *testing.T) {
	s := newSite(t)
	huge := bigPage(25 << 20)
	medium := bytes.Repeat([]byte("<p>The harbour reopened on Tuesday.</p>\n"), 3<<20/40) // ~3 MiB, compresses well
	s.handle("/huge", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(huge)
	})
	s.handle("/medium", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(medium)
	})
	b := startBroker(t)
	cfg := testConfig()
	cfg.MaxBody = 32 << 20
	cfg.TotalTimeout = time.Minute
	runStage(t, b, &cfg)
	publish(t, b, request(schema.KindArticle, s.URL+"/huge", ""))
	publish(t, b, request(schema.KindArticle, s.URL+"/medium", ""))
	raw := collect(t, b, schema.RawStream.Name, schema.RawSubjectPrefix+".>", 2)
	for _, m := range raw {
		if int64(len(m.Data())) > b.nc.MaxPayload() {
			t.Fatalf("message of %d bytes over max_payload", len(m.Data()))
		}
		page, err := schema.DecodeRawPage(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		body, err := claimcheck.PageBody(context.Background(), b.js, page)
		if err != nil {
			t.Fatal(err)
		}
		switch strings.TrimPrefix(page.URL, s.URL) {
		case "/huge":
			if page.BodyRef == nil || page.BodyRef.Bucket != schema.PageBucket || !bytes.Equal(body, huge) {
				t.Fatalf("25 MiB page: ref %+v, %d bytes back", page.BodyRef, len(body))
			}
		case "/medium":
			if page.BodyEncoding != "gzip" || page.BodyRef != nil || !bytes.Equal(body, medium) {
				t.Fatalf("3 MiB page: encoding %q ref %+v", page.BodyEncoding, page.BodyRef)
			}
		}
		if page.BodySize != int64(len(body)) || page.ContentHash != schema.ContentHash(body) {
			t.Fatalf("size/hash of %s", page.URL)
		}
	}
}

func TestPollerLeasesAcrossReplicas(t *testing.T) {
	s := newSite(t)
	b := startBroker(t)
	ctx := context.Background()
	if _, err := b.js.CreateOrUpdateStream(ctx, stage.StreamConfig(schema.FetchStream, 1)); err != nil {
		t.Fatal(err)
	}
	sources, err := ParseSources(strings.NewReader("# our sources\nfeed " + s.URL + "/feed.xml\n" + s.URL + "/news-sitemap.xml  # news\n\n"))
	if err != nil || len(sources) != 2 || sources[1].Kind != schema.KindSitemap {
		t.Fatalf("sources %+v, %v", sources, err)
	}
	f := newFetcher(t, b, testConfig())
	a := &Poller{Sources: sources, Store: f.state, Pub: b.js, Interval: time.Hour, Holder: "a"}
	c := &Poller{Sources: sources, Store: f.state, Pub: b.js, Interval: time.Hour, Holder: "c"}
	n, err := a.PollOnce(ctx)
	if err != nil || n != 2 {
		t.Fatalf("first replica polled %d, %v", n, err)
	}
	if n, err := c.PollOnce(ctx); err != nil || n != 0 {
		t.Fatalf("second replica polled %d sources under a live lease, %v", n, err)
	}
	if n, err := a.PollOnce(ctx); err != nil || n != 0 {
		t.Fatalf("the same replica repolled within the interval: %d, %v", n, err)
	}
	// The fetch stream is a work queue: read the enqueued requests by sequence.
	stream, err := b.js.Stream(ctx, schema.FetchStream.Name)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := stream.Info(ctx); info.State.Msgs != 2 {
		t.Fatalf("fetch stream holds %d requests, want 2", info.State.Msgs)
	}
	for seq := uint64(1); seq <= 2; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		req, err := schema.DecodeFetchRequest(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if req.Kind != schema.KindFeed && req.Kind != schema.KindSitemap {
			t.Fatalf("polled request %+v", req)
		}
	}
	// Short leases expire and the source is polled again, by whichever replica comes first.
	short := &Poller{Sources: []Source{{URL: s.URL + "/other.xml", Kind: schema.KindFeed}}, Store: f.state, Pub: b.js,
		Interval: time.Second, MaxInterval: time.Minute, Holder: "s"}
	if n, err := short.PollOnce(ctx); err != nil || n != 1 {
		t.Fatalf("short lease: %d, %v", n, err)
	}
	if n, _ := short.PollOnce(ctx); n != 0 {
		t.Fatal("repolled under a live one-second lease")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := short.PollOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lease never expired")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestPollHonoursCachingHeaders(t *testing.T) {
	s := newSite(t)
	s.handle("/cached.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=7200")
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<rss version="2.0"><channel><title>c</title><item><link>/a/9</link></item></channel></rss>`))
	})
	b := startBroker(t)
	f := newFetcher(t, b, testConfig())
	ctx := context.Background()
	src := Source{URL: s.URL + "/cached.xml", Kind: schema.KindFeed}
	p := &Poller{Store: f.state, Interval: 5 * time.Minute, MaxInterval: time.Hour}
	now := time.Now()
	if ttl := p.leaseTTL(ctx, src, now); ttl != 5*time.Minute {
		t.Fatalf("before any fetch: %s", ttl)
	}
	if _, err := f.Fetch(ctx, request(src.Kind, src.URL, ""), true); err != nil {
		t.Fatal(err)
	}
	if ttl := p.leaseTTL(ctx, src, now); ttl != time.Hour {
		t.Fatalf("max-age=7200 under a 1h cap: %s", ttl)
	}
	p.MaxInterval = 6 * time.Hour
	if ttl := p.leaseTTL(ctx, src, time.Now()); ttl < 119*time.Minute || ttl > 2*time.Hour {
		t.Fatalf("max-age=7200: next poll in %s, want ~2h", ttl)
	}
}

func TestStagePollsConfiguredSources(t *testing.T) {
	s := newSite(t)
	b := startBroker(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "sources.txt")
	if err := os.WriteFile(file, []byte(s.URL+"/feed.xml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.SourcesFile = file
	cfg.PollInterval = time.Hour
	runStage(t, b, &cfg)
	raw := collect(t, b, schema.RawStream.Name, schema.RawSubjectPrefix+".>", 2)
	if len(raw) != 2 || s.count("/feed.xml") != 1 {
		t.Fatalf("polled feed gave %d pages, feed read %d times", len(raw), s.count("/feed.xml"))
	}
}

func TestSourcesErrors(t *testing.T) {
	for _, bad := range []string{"ftp://x.test/feed", "feed sitemap https://x.test/", "podcast https://x.test/"} {
		if _, err := ParseSources(strings.NewReader(bad)); !errors.Is(err, ErrSources) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := LoadSources(filepath.Join(t.TempDir(), "missing"), nil); !errors.Is(err, ErrSources) {
		t.Errorf("missing file: %v", err)
	}
	got, err := LoadSources("", []string{"https://x.test/a-story", "https://X.test/a-story#dup"})
	if err != nil || len(got) != 1 || got[0].Kind != schema.KindFeed {
		t.Fatalf("direct sources %+v, %v", got, err)
	}
}

func TestMalformedRequestIsDeadLettered(t *testing.T) {
	b := startBroker(t)
	cfg := testConfig()
	runStage(t, b, &cfg)
	// A binary payload: the dead letter keeps its bytes, its error text quotes them.
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 0xff, 0x10, 0x80}, 256)...)
	if _, err := b.js.Publish(context.Background(), schema.FetchSubjectPrefix+".x", png); err != nil {
		t.Fatal(err)
	}
	dead := collect(t, b, schema.DeadLetterStream.Name, schema.DeadSubject(Name), 1)
	dl, err := schema.DecodeDeadLetter(dead[0].Data())
	if err != nil || dl.Reason != schema.ReasonMalformed || !bytes.Equal(dl.Payload, png) {
		t.Fatalf("dead letter %+v, %v", dl, err)
	}
	if !utf8.ValidString(dl.Error) || len(dl.Error) > 300 || !strings.Contains(dl.Error, `"\x89PNG\r\n`) {
		t.Errorf("dead letter error %q: want the payload's start quoted, valid UTF-8, short", dl.Error)
	}
	for _, r := range dl.Error {
		if !unicode.IsPrint(r) {
			t.Fatalf("dead letter error holds the unprintable %U: %q", r, dl.Error)
		}
	}
}

func TestServerMaxPayloadRespected(t *testing.T) {
	// With a small max_payload (above the object store's 128 KiB chunks) even a
	// modest page goes through the object store.
	s := newSite(t)
	srv := natstest.Start(t, func(o *server.Options) { o.MaxPayload = 256 << 10 })
	nc := natstest.Connect(t, srv)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	b := &broker{nc: nc, js: js}
	page := bigPage(600 << 10)
	s.handle("/p", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	})
	cfg := testConfig()
	runStage(t, b, &cfg)
	publish(t, b, request(schema.KindArticle, s.URL+"/p", ""))
	raw := collect(t, b, schema.RawStream.Name, schema.RawSubjectPrefix+".>", 1)
	got, err := schema.DecodeRawPage(raw[0].Data())
	if err != nil || got.BodyRef == nil {
		t.Fatalf("page under a 256 KiB max_payload: %+v, %v", got, err)
	}
}

// fromDelivery reports whether msgID is the content id scoped to the delivery of one of
// the first messages of the input stream (see stage.DeliveryMsgID).
func fromDelivery(msgID, contentID, stream string) bool {
	for seq := uint64(1); seq <= 1000; seq++ {
		if msgID == stage.DeliveryMsgID(contentID, stream, seq) {
			return true
		}
	}
	return false
}

// After a burst of large pages the fetcher, idle, gives their memory back instead of
// keeping it (it held ~380 MB after 20 MB pages): what the heap keeps idle is bounded.
func TestIdleAfterLargePagesReleasesMemory(t *testing.T) {
	s := newSite(t)
	huge := bigPage(16 << 20)
	s.handle("/huge", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(huge)
	})
	b := startBroker(t)
	cfg := testConfig()
	cfg.MaxBody = 32 << 20
	cfg.TotalTimeout = time.Minute
	cfg.idleRelease = 500 * time.Millisecond
	runStage(t, b, &cfg)
	for i := range 6 {
		publish(t, b, request(schema.KindArticle, fmt.Sprintf("%s/huge?copy=%d", s.URL, i), ""))
	}
	collect(t, b, schema.RawStream.Name, schema.RawSubjectPrefix+".>", 6)
	huge = nil
	var ms runtime.MemStats
	deadline := time.Now().Add(20 * time.Second)
	for {
		time.Sleep(time.Second)
		runtime.ReadMemStats(&ms)
		if kept := ms.HeapIdle - ms.HeapReleased; kept < 32<<20 || time.Now().After(deadline) {
			break
		}
	}
	if kept := ms.HeapIdle - ms.HeapReleased; kept >= 32<<20 {
		t.Errorf("idle: %d MB of free heap kept from the OS (heap in use %d MB)", kept>>20, ms.HeapInuse>>20)
	}
	t.Logf("idle after 6 pages of 16 MB: %d MB free heap kept, %d MB in use", (ms.HeapIdle-ms.HeapReleased)>>20, ms.HeapInuse>>20)
}
