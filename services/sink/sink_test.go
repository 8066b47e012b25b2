package sink_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink"
	"github.com/newsjet/newsjet/services/sink/client"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// harness runs the sink stage against an in-process JetStream server.
type harness struct {
	t    *testing.T
	js   jetstream.JetStream
	st   store.Store
	http string
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs a sink on st against a new in-process server until the test ends.
func start(t *testing.T, st store.Store) *harness {
	t.Helper()
	return startOn(t, natstest.Connect(t, natstest.Start(t)), st)
}

// startOn runs a sink on st, connected by nc, until the test ends; it returns once the
// sink is ready.
func startOn(t *testing.T, nc *nats.Conn, st store.Store) *harness {
	t.Helper()
	h := run(t, nc, sink.NewWithStore(st, &sink.Config{}).Service(), nil)
	h.st = st
	waitFor(t, 10*time.Second, "sink ready", func() bool { return h.get("/readyz") == http.StatusOK })
	return h
}

// run runs the sink service svc, connected by nc, until the test ends; adjust may change
// the stage configuration and service first. It returns at once.
func run(t *testing.T, nc *nats.Conn, svc stage.Service, adjust func(*stage.Config, *stage.Service)) *harness {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, js: js, http: freeAddr(t)}
	cfg := stage.Config{
		Conn: nc, HTTPAddr: h.http, Concurrency: 16, DrainTimeout: 10 * time.Second,
		RetryBackoff: 50 * time.Millisecond, RetryBackoffMax: 500 * time.Millisecond,
	}
	if adjust != nil {
		adjust(&cfg, &svc)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- stage.Run(ctx, cfg, svc, zaptest.NewLogger(t))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("stage.Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the sink did not stop within 30s")
		}
	})
	return h
}

func (h *harness) get(path string) int {
	resp, err := http.Get("http://" + h.http + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publish sends data on the article's subject with its own message id, so that the
// stream keeps every copy (a duplicate delivery past JetStream's de-duplication).
func (h *harness) publish(subject, msgID string, data []byte) {
	h.t.Helper()
	m := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	m.Header.Set(schema.HeaderMsgID, msgID)
	m.Header.Set(schema.HeaderSchema, schema.ArticleV1)
	if _, err := h.js.PublishMsg(context.Background(), m); err != nil {
		h.t.Fatalf("publish: %v", err)
	}
}

func (h *harness) publishArticle(a *schema.Article, msgID string) {
	h.t.Helper()
	b, err := schema.Encode(a)
	if err != nil {
		h.t.Fatal(err)
	}
	h.publish(schema.ExtractedSubject(a.URL), msgID, b)
}

// settled waits until the sink's consumer has nothing pending or unacknowledged.
func (h *harness) settled(d time.Duration) {
	h.t.Helper()
	waitFor(h.t, d, "consumer settled", func() bool {
		c, err := h.js.Consumer(context.Background(), schema.SinkConsumer.Stream, schema.SinkConsumer.Durable)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
}

// deadLetters returns the sink's dead letters.
func (h *harness) deadLetters() []*schema.DeadLetter {
	h.t.Helper()
	ctx := context.Background()
	s, err := h.js.Stream(ctx, schema.DeadLetterStream.Name)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []*schema.DeadLetter
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		dl, err := schema.DecodeDeadLetter(m.Data)
		if err != nil {
			h.t.Fatalf("dead letter %d: %v", seq, err)
		}
		if dl.Stage == sink.Name {
			out = append(out, dl)
		}
	}
	return out
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	st, err := sink.OpenStore(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "articles.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestDuplicateDeliveryAndEdit(t *testing.T) {
	h := start(t, openSQLite(t))
	a := storetest.NewArticle("https://example.com/politics/vote", "Vote tonight", "Parliament votes tonight.", storetest.Base)
	h.publishArticle(a, "copy-1")
	h.publishArticle(a, "copy-2") // the same article delivered again
	edit := storetest.NewArticle(a.URL, "Vote passed", "Parliament passed the bill.", storetest.Base.Add(time.Hour))
	h.publishArticle(edit, "edit")
	h.settled(15 * time.Second)

	vs, err := h.st.Versions(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].ContentHash != a.ContentHash || vs[1].ContentHash != edit.ContentHash || !vs[1].Current {
		t.Fatalf("versions = %+v, want the original and the edit, edit current", vs)
	}
	if dls := h.deadLetters(); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
	// The read API is served on the stage's HTTP port.
	c, err := client.New("http://"+h.http, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Get(context.Background(), a.ID)
	if err != nil || rec.Version != 2 || rec.Article.Title != edit.Title {
		t.Fatalf("GET /articles/{id} = %+v, %v", rec, err)
	}
	page, err := c.List(context.Background(), store.Query{Text: "bill", Site: "example.com"})
	if err != nil || len(page.Articles) != 1 {
		t.Fatalf("GET /articles = %+v, %v", page, err)
	}
}

func TestMalformedDeadLettered(t *testing.T) {
	h := start(t, openSQLite(t))
	wrongID := storetest.NewArticle("https://example.com/a", "T", "B.", storetest.Base)
	wrongID.ID = schema.ArticleID("https://example.com/elsewhere")
	wrongIDJSON, err := schema.Encode(wrongID)
	if err != nil {
		t.Fatal(err)
	}
	h.publish("news.extracted.example_com", "junk", []byte("<html>not json</html>"))
	h.publish("news.extracted.example_com", "no-hash", []byte(`{"schema":"newsjet.article.v1","id":"x","extracted_at":"2026-01-01T00:00:00Z"}`))
	h.publish("news.extracted.example_com", "future", []byte(`{"schema":"newsjet.article.v9","id":"x"}`))
	h.publish("news.extracted.example_com", "wrong-id", wrongIDJSON)
	h.settled(15 * time.Second)

	reasons := map[string]int{}
	for _, dl := range h.deadLetters() {
		reasons[dl.Reason]++
	}
	want := map[string]int{schema.ReasonMalformed: 1, schema.ReasonInvalid: 2, schema.ReasonUnknownVersion: 1}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Errorf("dead-letter reasons = %v, want %v", reasons, want)
	}
	page, err := h.st.List(context.Background(), store.Query{})
	if err != nil || len(page.Articles) != 0 {
		t.Errorf("store holds %d articles (%v), want none", len(page.Articles), err)
	}
}

// TestTwoSinksRacing runs two sink replicas, each with its own store connection, on
// one consumer, and publishes every edit of one article twice: no version is lost and
// none is numbered twice.
func TestTwoSinksRacing(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "articles.db") },
		"postgres": func(t *testing.T) string { return pgtest.DSN(t) },
	}
	for name, dsn := range stores {
		t.Run(name, func(t *testing.T) {
			dsn := dsn(t)
			nc := natstest.Connect(t, natstest.Start(t))
			var hs []*harness
			for range 2 {
				st, err := sink.OpenStore(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				hs = append(hs, startOn(t, nc, st))
			}
			const edits = 40
			var arts []*schema.Article
			for i := range edits {
				arts = append(arts, storetest.NewArticle("https://race.example.com/live", fmt.Sprintf("Live %d", i),
					fmt.Sprintf("Update number %d.", i), storetest.Base.Add(time.Duration(i)*time.Minute)))
			}
			for round := range 2 {
				for _, a := range arts {
					hs[round].publishArticle(a, fmt.Sprintf("%s-%d", a.ContentHash, round))
				}
			}
			hs[0].settled(30 * time.Second)
			vs, err := hs[0].st.Versions(context.Background(), arts[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for i, v := range vs {
				if v.Number != i+1 || seen[v.ContentHash] {
					t.Errorf("version %d: number %d, hash seen before: %v", i+1, v.Number, seen[v.ContentHash])
				}
				seen[v.ContentHash] = true
			}
			if len(vs) != edits {
				t.Errorf("%d versions, want %d", len(vs), edits)
			}
			rec, err := hs[1].st.Get(context.Background(), arts[0].ID)
			if err != nil || rec.Article.Title != arts[edits-1].Title {
				t.Errorf("current = %+v, %v; want the last fetched edit", rec, err)
			}
			if dls := hs[0].deadLetters(); len(dls) != 0 {
				t.Errorf("dead letters: %+v", dls)
			}
		})
	}
}

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{"sqlite:" + filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db"), filepath.Join(dir, "c.db")} {
		st, err := sink.OpenStore(ctx, dsn)
		if err != nil {
			t.Errorf("OpenStore(%q): %v", dsn, err)
			continue
		}
		if err := st.Ping(ctx); err != nil {
			t.Errorf("%q: Ping: %v", dsn, err)
		}
		st.Close()
	}
	for _, dsn := range []string{"", "mysql://x", "redis://localhost"} {
		if _, err := sink.OpenStore(ctx, dsn); !errors.Is(err, sink.ErrUnknownStore) {
			t.Errorf("OpenStore(%q) err = %v, want ErrUnknownStore", dsn, err)
		}
	}
}

func TestNotReadyBeforeSetup(t *testing.T) {
	svc := sink.New(&sink.Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "a.db")}).Service()
	if err := svc.Ready(context.Background()); !errors.Is(err, sink.ErrNotOpen) {
		t.Errorf("Ready before setup = %v, want ErrNotOpen", err)
	}
}

// Environment for TestPostgresOutage: shell commands that stop and start the test's
// PostgreSQL server (see /work/coord/ci-postgres.md).
const (
	envStop  = "NEWSJET_TEST_PG_STOP_CMD"
	envStart = "NEWSJET_TEST_PG_START_CMD"
)

// TestPostgresOutage stops PostgreSQL in the middle of a stream of articles for much
// longer than the consumer's deliveries and back-off last, and starts it again.
func TestPostgresOutage(t *testing.T) {
	stopCmd, startCmd := os.Getenv(envStop), os.Getenv(envStart)
	if stopCmd == "" || startCmd == "" {
		t.Skipf("outage test skipped: set %s and %s to commands that stop and start the server", envStop, envStart)
	}
	dsn := pgtest.Exclusive(t)
	shell := func(cmd string) {
		t.Helper()
		if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
	}
	var restarted sync.Once
	restart := func() { restarted.Do(func() { shell(startCmd) }) }
	t.Cleanup(restart) // never leave the server down
	outage(t, dsn, func() { shell(stopCmd) }, restart)
}

// outage runs the sink on the PostgreSQL store at dsn with 5 deliveries per message
// (back-off 50ms doubling to 500ms: the last delivery would fail within a second),
// publishes 500 articles, the last two thirds while down() holds the database
// unreachable for 10 seconds, then calls up(). The sink reports not ready while paused,
// and every article ends up stored exactly once, none dead-lettered.
func outage(t *testing.T, dsn string, down, up func()) {
	t.Helper()
	st, err := sink.OpenStore(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := run(t, natstest.Connect(t, natstest.Start(t)), sink.NewWithStore(st, &sink.Config{}).Service(),
		func(_ *stage.Config, svc *stage.Service) { svc.Consumer.MaxDeliver = 5 })
	h.st = st
	waitFor(t, 10*time.Second, "sink ready", func() bool { return h.get("/readyz") == http.StatusOK })

	const n = 500
	const length = 10 * time.Second
	arts := make([]*schema.Article, n)
	for i := range arts {
		arts[i] = storetest.NewArticle(fmt.Sprintf("https://outage.example.com/%d", i), fmt.Sprintf("Story %d", i),
			fmt.Sprintf("Body of story %d.", i), storetest.Base.Add(time.Duration(i)*time.Second))
	}
	var downAt time.Time
	for i, a := range arts {
		if i == n/3 {
			down()
			downAt = time.Now()
		}
		h.publishArticle(a, "outage-"+a.ID)
	}
	waitFor(t, 20*time.Second, "paused while the database is down", func() bool {
		code, body := h.readyz()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "paused")
	})
	time.Sleep(length - time.Since(downAt))
	up()
	h.settled(60 * time.Second)
	waitFor(t, 10*time.Second, "ready after the outage", func() bool { return h.get("/readyz") == http.StatusOK })

	stored := 0
	for _, a := range arts {
		vs, err := st.Versions(context.Background(), a.ID)
		if err != nil || len(vs) != 1 {
			t.Errorf("%s: %d versions, %v; want exactly one", a.Title, len(vs), err)
			continue
		}
		stored++
	}
	dls := h.deadLetters()
	if len(dls) != 0 {
		t.Errorf("%d articles dead-lettered during the outage, e.g. %s: %s", len(dls), dls[0].Reason, dls[0].Error)
	}
	t.Logf("outage %v (max deliveries 5, back-off 50ms..500ms), %d articles, %d stored, %d dead-lettered",
		length, n, stored, len(dls))
}

// readyz returns /readyz's status and body.
func (h *harness) readyz() (int, string) {
	resp, err := http.Get("http://" + h.http + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestArticleWithoutURLStored: a bare page published without a URL header and without
// a canonical link reaches the sink as an article without any URL, identified by its
// raw page; it is stored, not dead-lettered.
func TestArticleWithoutURLStored(t *testing.T) {
	h := start(t, openSQLite(t))
	a := storetest.NewBareArticle("raw-bare", "Harbour opens", "The new harbour opened today.", storetest.Base)
	h.publishArticle(a, "bare-1")
	h.publishArticle(a, "bare-2")
	waitFor(t, 15*time.Second, "both copies handled", func() bool {
		return h.stored("new_article") == 1 && h.stored("duplicate") == 1
	})
	if dls := h.deadLetters(); len(dls) != 0 {
		t.Fatalf("dead letters: %+v", dls[0])
	}
	vs, err := h.st.Versions(context.Background(), a.ID)
	if err != nil || len(vs) != 1 || vs[0].Article.Title != a.Title {
		t.Fatalf("versions = %+v, %v; want one", vs, err)
	}
}

// stored reads the sink's StoredMetric series for result from /metrics, -1 when absent.
func (h *harness) stored(result string) int {
	h.t.Helper()
	resp, err := http.Get("http://" + h.http + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		h.t.Fatal(err)
	}
	prefix := fmt.Sprintf("%s{result=%q} ", sink.StoredMetric, result)
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				h.t.Fatalf("metric line %q: %v", line, err)
			}
			return n
		}
	}
	return -1
}

// TestStoredCounter: /metrics tells new articles, new versions, duplicates and reverts
// apart.
func TestStoredCounter(t *testing.T) {
	h := start(t, openSQLite(t))
	for _, result := range []string{"new_article", "new_version", "duplicate", "reverted"} {
		if n := h.stored(result); n != 0 {
			t.Errorf("before any article, %s = %d, want 0", result, n)
		}
	}
	a := storetest.NewArticle("https://example.com/count", "First", "First text.", storetest.Base)
	edit := storetest.NewArticle(a.URL, "Second", "Second text.", storetest.Base.Add(time.Hour))
	revert := storetest.NewArticle(a.URL, a.Title, a.BodyText, storetest.Base.Add(2*time.Hour))
	// One at a time: the outcome of each depends on the previous ones.
	steps := []struct {
		a      *schema.Article
		result string
	}{{a, "new_article"}, {a, "duplicate"}, {edit, "new_version"}, {revert, "reverted"}}
	for i, step := range steps {
		h.publishArticle(step.a, fmt.Sprint("m", i))
		waitFor(t, 15*time.Second, step.result+" counted", func() bool { return h.stored(step.result) == 1 })
	}
	for _, result := range []string{"new_article", "new_version", "duplicate", "reverted"} {
		if n := h.stored(result); n != 1 {
			t.Errorf("%s = %d, want 1", result, n)
		}
	}
	if rec, err := h.st.Get(context.Background(), a.ID); err != nil || rec.Version != 1 || rec.Versions != 2 {
		t.Errorf("after the revert: %+v, %v; want version 1 of 2", rec, err)
	}
}
