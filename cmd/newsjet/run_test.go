package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
)

// testTimeout bounds a test that runs the pipeline.
const testTimeout = 2 * time.Minute

const (
	harbourTitle = "Harbour ferry returns after winter repairs"
	bridgeTitle  = "Новый мост через реку открыт для движения"
)

var harbourParagraphs = []string{
	"The old harbour ferry made its first crossing of the season on Saturday morning, three weeks later than planned after engineers found corrosion in its hull during the winter overhaul.",
	"About forty passengers, many of them commuters who had relied on a replacement bus service since January, cheered as the vessel left the north pier shortly after seven o'clock.",
	"The operator said the repairs had cost more than expected but that the timetable would return to its usual half-hourly frequency from Monday, with extra evening sailings during the summer festival.",
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func junkFile(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4096)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		t.Fatal(err)
	}
	b[0] = 0 // a NUL byte: certainly binary
	return writeFile(t, "junk.bin", b)
}

func TestRunOncePrintsArticlesAndReportsDeadLetters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	gz := writeFile(t, "harbour.html.gz", gzipped(t, readTestdata(t, "harbour.html")))
	junk := junkFile(t)
	args := []string{"run", "--once", "--timeout", "90s", "--log-level", "warn",
		"testdata/harbour.html", junk, "testdata/bridge-cp1251.html", gz}
	code, out, errOut := runCLI(ctx, t, args...)
	if code != exitInputsFailed {
		t.Fatalf("exit %d, want 3 (the junk file failed); stderr:\n%s", code, errOut)
	}
	arts := decodeLines[schema.Article](t, out)
	if len(arts) != 3 {
		t.Fatalf("got %d articles, want 3 (the junk file has none):\n%s\nstderr:\n%s", len(arts), out, errOut)
	}
	// Argument order; the gzip copy is the same page and gets the same article.
	if arts[0].Title != harbourTitle || arts[1].Title != bridgeTitle || arts[2].ID != arts[0].ID {
		t.Errorf("titles %q, %q, %q; ids %s %s", arts[0].Title, arts[1].Title, arts[2].Title, arts[0].ID, arts[2].ID)
	}
	for _, p := range harbourParagraphs {
		if !strings.Contains(arts[0].BodyText, p) {
			t.Errorf("body lacks paragraph %q", p)
		}
	}
	for _, chrome := range []string{"Most read", "Council approves", "All rights reserved", "Sport"} {
		if strings.Contains(arts[0].BodyText, chrome) {
			t.Errorf("body contains boilerplate %q", chrome)
		}
	}
	if !strings.Contains(arts[1].BodyText, "Пешеходная часть моста") || arts[1].Language != "ru" {
		t.Errorf("windows-1251 page: language %q body %q", arts[1].Language, arts[1].BodyText)
	}
	for _, a := range arts {
		if a.Lineage.RawID == "" || a.Lineage.CleanedID == "" || a.ExtractorVersion != stage.Version {
			t.Errorf("article %s: lineage %+v version %q", a.ID, a.Lineage, a.ExtractorVersion)
		}
	}
	want := fmt.Sprintf("%s: dead-lettered by cleaner (%s)", junk, schema.ReasonUnprocessable)
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
}

func TestRunOnceUsage(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"run", "--once"},
		{"run", "page.html"},
		{"run", "--log-level", "loud", "--once", "page.html"},
		{"run", "--once", "--source", "https://example.com/feed.xml", "page.html"},
	} {
		if code, out, errOut := runCLI(ctx, t, args...); code != 2 || out != "" || errOut == "" {
			t.Errorf("%v: exit %d stdout %q stderr %q, want 2, nothing, an explanation", args, code, out, errOut)
		}
	}
	// A store that cannot open stops the pipeline before anything is published.
	code, out, errOut := runCLI(ctx, t, "run", "--once", "--store", "mysql://db/news", "--log-level", "error", "testdata/harbour.html")
	if code != 1 || out != "" || !strings.Contains(errOut, "unknown store") {
		t.Errorf("bad store: exit %d stdout %q stderr %q, want 1, nothing, the store error", code, out, errOut)
	}
	// Giving up on the pipeline is a failure of the command.
	if code, out, _ := runCLI(ctx, t, "run", "--once", "--timeout", "1ns", "--log-level", "error", "testdata/harbour.html"); code != 1 || out != "" {
		t.Errorf("timeout: exit %d stdout %q, want 1 and nothing", code, out)
	}
	// Inputs that cannot be read are reported before anything starts; with nothing
	// left to run, nothing does.
	missing := filepath.Join(t.TempDir(), "missing.html")
	code, out, errOut = runCLI(ctx, t, "run", "--once", "--log-level", "info", missing, "ftp://example.com/a.html")
	if code != exitInputsFailed || out != "" || !strings.Contains(errOut, "newsjet run: reading page: open "+missing) ||
		!strings.Contains(errOut, "newsjet run: ftp://example.com/a.html: unsupported URL scheme") || strings.Contains(errOut, "nats") {
		t.Errorf("missing file: exit %d stdout %q stderr %q, want 3, nothing, both inputs named and no server started", code, out, errOut)
	}
}

// One bad file does not abort a batch: every good input is printed, each failed one is
// reported with its reason, and the exit code is 3.
func TestRunOnceGoodAndBadInputs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	empty := writeFile(t, "empty.html", nil)
	plain := writeFile(t, "plain.html", []byte(testPage)) // no URL, no canonical link
	code, out, errOut := runCLI(ctx, t, "run", "--once", "--log-level", "warn", "testdata/harbour.html", empty, plain, "testdata/bridge-cp1251.html")
	arts := decodeLines[schema.Article](t, out)
	if code != exitInputsFailed || len(arts) != 3 || arts[0].Title != harbourTitle || arts[2].Title != bridgeTitle {
		t.Fatalf("exit %d, %d articles; want 3 and the three good pages\nstderr:\n%s", code, len(arts), errOut)
	}
	// The page without URL is stored under its raw page's id, and its path is nowhere.
	if a := arts[1]; a.URL != "" || a.ID != schema.ID("article", "raw", a.Lineage.RawID) || strings.Contains(out, filepath.Dir(plain)) {
		t.Errorf("page without URL: url %q id %s", a.URL, a.ID)
	}
	for _, want := range []string{"newsjet run: " + empty + ": empty page", "newsjet run: some inputs failed: 1 failed"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// freeAddr returns a loopback address with a port free at the time of the call.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func httpGet(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestRunServesClients runs `newsjet run` as a server and drives it with the other
// subcommands, as a user would from another terminal.
func TestRunServesClients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	natsAddr, httpAddr := freeAddr(t), freeAddr(t)
	natsURL, api := "nats://"+natsAddr, "http://"+httpAddr
	dataDir := t.TempDir()

	runCtx, stopRun := context.WithCancel(ctx)
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- newApp(strings.NewReader(""), &stdout, &stderr).run(runCtx, []string{"run", "--data-dir", dataDir,
			"--listen", natsAddr, "--http-addr", httpAddr, "--log-level", "warn"})
	}()
	for {
		code, _, err := httpGet(ctx, api+"/readyz")
		if err == nil && code == http.StatusOK {
			break
		}
		select {
		case c := <-done:
			t.Fatalf("run exited %d before it was ready:\n%s", c, stderr.String())
		case <-ctx.Done():
			t.Fatalf("not ready: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}

	code, out, errOut := runCLI(ctx, t, "publish", "--nats-url", natsURL, "--url", "https://coastline.example/news/harbour-ferry-returns?utm_source=x", "testdata/harbour.html")
	if code != 0 {
		t.Fatalf("publish: exit %d: %s", code, errOut)
	}
	if pub := decodeLines[published](t, out); len(pub) != 1 || pub[0].Subject != "news.raw.coastline_example" {
		t.Fatalf("publish printed %s", out)
	}

	code, out, errOut = runCLI(ctx, t, "tail", "--nats-url", natsURL, "--all", "--site", "coastline.example", "--limit", "1")
	if code != 0 {
		t.Fatalf("tail: exit %d: %s", code, errOut)
	}
	tailed := decodeLines[schema.Article](t, out)
	if len(tailed) != 1 || tailed[0].Title != harbourTitle {
		t.Fatalf("tail printed %s", out)
	}

	// The sink stores the article shortly after it is on the extracted stream.
	var listed []store.Record
	for len(listed) == 0 {
		code, out, errOut = runCLI(ctx, t, "articles", "--api", api, "list")
		if code != 0 {
			t.Fatalf("articles list: exit %d: %s", code, errOut)
		}
		listed = decodeLines[store.Record](t, out)
		if ctx.Err() != nil {
			t.Fatal("the article never reached the store")
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, out, errOut = runCLI(ctx, t, "articles", "--api", api, "get", tailed[0].ID)
	if code != 0 || !strings.Contains(out, harbourParagraphs[1]) {
		t.Fatalf("articles get: exit %d: %s%s", code, out, errOut)
	}
	if code, _, _ := runCLI(ctx, t, "articles", "--api", api, "get", "no-such-id"); code != 1 {
		t.Errorf("articles get of an unknown id: exit %d, want 1", code)
	}

	// /healthz answers like a stage's, naming the embedded pipeline.
	if code, body, err := httpGet(ctx, api+"/healthz"); err != nil || code != http.StatusOK ||
		body != `{"stage":"newsjet","status":"ok","version":"`+stage.Version+`"}`+"\n" {
		t.Errorf("/healthz: %d %v %q", code, err, body)
	}
	code, metrics, err := httpGet(ctx, api+"/metrics")
	if err != nil || code != http.StatusOK || !strings.Contains(metrics, `newsjet_stage_messages_in_total{stage="sink"} 1`) {
		t.Errorf("metrics: %d %v\n%s", code, err, metrics)
	}

	stopRun()
	if c := <-done; c != 0 {
		t.Fatalf("run exited %d after interrupt:\n%s", c, stderr.String())
	}
	if stdout.String() != "" {
		t.Errorf("run printed on stdout: %q", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "articles.db")); err != nil {
		t.Errorf("SQLite store not in the data directory: %v", err)
	}
}

// TestRunOnceFetchesURLsAndFeeds runs the fetcher end to end against a site on loopback
// (which the SSRF guard lets through with --allow-net): an article URL, and the site's
// feed, whose items are fetched and stored unless robots.txt forbids them.
func TestRunOnceFetchesURLsAndFeeds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("User-agent: *\nDisallow: /private/\n"))
	})
	mux.HandleFunc("/harbour", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(readTestdata(t, "harbour.html"))
	})
	mux.HandleFunc("/bridge", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(readTestdata(t, "bridge-cp1251.html"))
	})
	mux.HandleFunc("/private/memo", func(w http.ResponseWriter, _ *http.Request) {
		t.Error("robots.txt disallows /private/, yet it was fetched")
	})
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		// A year old: older than the seen horizon, yet a feed given to run --once is
		// read whole.
		old := time.Now().UTC().AddDate(-1, 0, 0).Format(time.RFC1123Z)
		w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Rechnoy</title><link>` + srv.URL + `/</link>
<item><title>Bridge</title><link>` + srv.URL + `/bridge</link><pubDate>` + old + `</pubDate></item>
<item><title>Memo</title><link>` + srv.URL + `/private/memo</link><pubDate>` + old + `</pubDate></item>
</channel></rss>`))
	})

	code, out, errOut := runCLI(ctx, t, "run", "--once", "--allow-net", "127.0.0.0/8", "--log-level", "warn",
		srv.URL+"/harbour", srv.URL+"/feed.xml", srv.URL+"/missing")
	if code != exitInputsFailed {
		t.Fatalf("exit %d, want 3 (a 404 and a page robots.txt forbids); stderr:\n%s", code, errOut)
	}
	arts := decodeLines[schema.Article](t, out)
	if len(arts) != 2 || arts[0].Title != harbourTitle || arts[1].Title != bridgeTitle {
		t.Fatalf("got %d articles, want the harbour page then the feed's item:\n%s\nstderr:\n%s", len(arts), out, errOut)
	}
	if arts[0].URL != srv.URL+"/harbour" || arts[0].Lineage.RequestID == "" || arts[1].Lineage.RequestID == "" {
		t.Errorf("fetched articles: url %q lineage %+v, %+v", arts[0].URL, arts[0].Lineage, arts[1].Lineage)
	}
	for _, want := range []string{srv.URL + "/missing: dead-lettered by fetcher", "robots.txt",
		srv.URL + "/feed.xml: feed, 2 links: 2 requested\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://news:secret@db:5432/news?sslmode=disable": "postgres://news:xxxxx@db:5432/news?sslmode=disable",
		"sqlite:/data/articles.db":                            "sqlite:/data/articles.db",
	} {
		if got := redactDSN(in); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRunOnceStoresInPostgres runs the pipeline with the PostgreSQL store (skipped unless
// NEWSJET_TEST_POSTGRES names a server; .ci/run starts one).
func TestRunOnceStoresInPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	code, out, errOut := runCLI(ctx, t, "run", "--once", "--store", dsn, "--log-level", "warn", "testdata/harbour.html")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	arts := decodeLines[schema.Article](t, out)
	if len(arts) != 1 {
		t.Fatalf("got %s", out)
	}
	st, err := sink.OpenStore(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, err := st.Get(ctx, arts[0].ID)
	if err != nil {
		t.Fatalf("article not in PostgreSQL: %v", err)
	}
	if rec.Article.Title != harbourTitle || rec.Article.ContentHash != arts[0].ContentHash {
		t.Errorf("stored %q (%s), printed %q (%s)", rec.Article.Title, rec.Article.ContentHash, arts[0].Title, arts[0].ContentHash)
	}
}

// The embedded server says at info, in one line, where it listens and stores; its
// banner is for --log-level debug. Every stderr line is the one newsjet log format.
func TestRunOnceLogs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	natsLines := func(errOut string) (info, debug int) {
		for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				continue // the --once report lines
			}
			if ts, _ := m["time"].(string); m["ts"] != nil || ts == "" {
				t.Errorf("log line %q lacks the RFC 3339 time of the newsjet log format", l)
			}
			if m["logger"] != "nats" {
				continue
			}
			switch m["level"] {
			case "info":
				info++
				if !strings.Contains(l, `"listen":"in-process only"`) || !strings.Contains(l, `"store":"`) {
					t.Errorf("the server's info line %q does not say where it listens and stores", l)
				}
			case "debug":
				debug++
			}
		}
		return info, debug
	}
	code, _, errOut := runCLI(ctx, t, "run", "--once", "--log-level", "info", "testdata/harbour.html")
	if info, debug := natsLines(errOut); code != 0 || info != 1 || debug != 0 {
		t.Errorf("info: exit %d, %d nats info lines, %d debug; want 0, 1, 0\n%s", code, info, debug, errOut)
	}
	code, _, errOut = runCLI(ctx, t, "run", "--once", "--log-level", "debug", "testdata/harbour.html")
	if info, debug := natsLines(errOut); code != 0 || info != 1 || debug < 10 {
		t.Errorf("debug: exit %d, %d nats info lines, %d debug; want the banner at debug", code, info, debug)
	}
}
