package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
)

// served is a `newsjet run` pipeline running for a test.
type served struct {
	t       *testing.T
	natsURL string
	api     string
	js      jetstream.JetStream
}

// serve runs `newsjet run` in-process until the test ends and returns once it is ready.
func serve(ctx context.Context, t *testing.T) *served {
	t.Helper()
	natsAddr, httpAddr := freeAddr(t), freeAddr(t)
	s := &served{t: t, natsURL: "nats://" + natsAddr, api: "http://" + httpAddr}
	runCtx, stop := context.WithCancel(ctx)
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- newApp(strings.NewReader(""), &stdout, &stderr).run(runCtx, []string{"run", "--data-dir", t.TempDir(),
			"--listen", natsAddr, "--http-addr", httpAddr, "--log-level", "warn"})
	}()
	t.Cleanup(func() {
		stop()
		if c := <-done; c != 0 {
			t.Errorf("run exited %d:\n%s", c, stderr.String())
		}
	})
	s.wait(ctx, "ready", func() bool { code, _, err := httpGet(ctx, s.api+"/readyz"); return err == nil && code == http.StatusOK })
	nc, err := nats.Connect(s.natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if s.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *served) wait(ctx context.Context, what string, cond func() bool) {
	s.t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			s.t.Fatalf("timed out waiting for %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// cli runs a newsjet command against the served pipeline (its NATS URL and read API)
// and fails the test when it does not exit 0.
func (s *served) cli(ctx context.Context, args ...string) string {
	s.t.Helper()
	// The flags go after the command's words: "dead show", "replay dead", "replay raw".
	n := 1
	if args[0] == "replay" || args[0] == "dead" && len(args) > 1 && args[1] == "show" {
		n = 2
	}
	flags := []string{"--nats-url", s.natsURL}
	if args[0] == "articles" {
		flags = []string{"--api", s.api}
	}
	full := append(append(append([]string{}, args[:n]...), flags...), args[n:]...)
	code, out, errOut := runCLI(ctx, s.t, full...)
	if code != 0 {
		s.t.Fatalf("newsjet %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// record returns the stored article id, nil until it is stored.
func (s *served) record(ctx context.Context, id string) *store.Record {
	code, out, _ := runCLI(ctx, s.t, "articles", "--api", s.api, "get", id)
	if code != 0 {
		return nil
	}
	recs := decodeLines[store.Record](s.t, out)
	return &recs[0]
}

func pageFile(t *testing.T, name, title, body string) string {
	t.Helper()
	return writeFile(t, name, []byte(fmt.Sprintf(`<!DOCTYPE html><html lang="en"><head><title>%s</title></head><body>
<article><h1>%s</h1><p>%s</p><p>The council will publish the full report on its website next week, with the list of works.</p></article></body></html>`, title, title, body)))
}

// TestRevertWithinDuplicateWindow publishes an article's v1, v2, then v1 again a few
// seconds apart (well within the streams' two-minute duplicate window): the third
// publish reaches the sink and moves current back to version 1.
func TestRevertWithinDuplicateWindow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	s := serve(ctx, t)
	const url = "https://coastline.example/news/harbour-works"
	v1 := pageFile(t, "v1.html", "Harbour works begin", "Work on the harbour wall began on Monday and is planned to last until the end of the summer.")
	v2 := pageFile(t, "v2.html", "Harbour works delayed", "Work on the harbour wall was postponed on Monday after the contractor asked for more time.")
	id := schema.ArticleID(url)
	begin := time.Now()
	for i, step := range []struct {
		file              string
		version, versions int
	}{{v1, 1, 1}, {v2, 2, 2}, {v1, 1, 2}} {
		s.cli(ctx, "publish", "--url", url, step.file)
		s.wait(ctx, fmt.Sprintf("publish %d stored", i+1), func() bool {
			r := s.record(ctx, id)
			return r != nil && r.Version == step.version && r.Versions == step.versions
		})
	}
	if r := s.record(ctx, id); r.Article.Title != "Harbour works begin" {
		t.Errorf("current title %q after the revert", r.Article.Title)
	}
	t.Logf("v1 -> v2 -> v1 stored, current back on version 1, in %v", time.Since(begin).Round(time.Millisecond))
}

// TestDeadAndReplay lists dead letters, shows one, and replays them: identical bad
// payloads each leave a dead letter; a replayed dead letter's payload is handled again
// and the dead letter removed, so a second replay does nothing; replay raw re-extracts
// stored pages idempotently.
func TestDeadAndReplay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	s := serve(ctx, t)

	// Five identical empty pages: five dead letters, one per message.
	empty := writeFile(t, "empty.html", []byte("<html><body>   </body></html>"))
	for range 5 {
		s.cli(ctx, "publish", "--url", "https://junk.example/empty", empty)
	}
	var lines []deadLine
	s.wait(ctx, "five dead letters", func() bool {
		lines = decodeLines[deadLine](t, s.cli(ctx, "dead", "--stage", "cleaner"))
		return len(lines) >= 5
	})
	if len(lines) != 5 {
		t.Fatalf("%d dead letters for 5 identical bad payloads", len(lines))
	}
	ids := map[string]bool{}
	for _, l := range lines {
		ids[l.ID] = true
		if l.Reason != schema.ReasonUnprocessable || l.Site != "junk_example" || l.Stream != schema.RawStream.Name {
			t.Errorf("dead letter %+v", l)
		}
	}
	if len(ids) != 5 {
		t.Errorf("%d distinct ids for 5 dead letters", len(ids))
	}
	if out := s.cli(ctx, "dead", "--reason", "no_content"); out != "" {
		t.Errorf("dead --reason no_content printed %s", out)
	}
	if out := s.cli(ctx, "dead", "--site", "other.example"); out != "" {
		t.Errorf("dead --site other.example printed %s", out)
	}
	if got := decodeLines[deadLine](t, s.cli(ctx, "dead", "--limit", "2")); len(got) != 2 {
		t.Errorf("dead --limit 2 printed %d lines", len(got))
	}
	shown := decodeLines[map[string]any](t, s.cli(ctx, "dead", "show", lines[0].ID))
	payload, _ := shown[0]["payload_json"].(map[string]any)
	if shown[0]["id"] != lines[0].ID || payload["schema"] != schema.RawPageV1 {
		t.Errorf("dead show: %v", shown[0])
	}
	if code, _, _ := runCLI(ctx, t, "dead", "show", "--nats-url", s.natsURL, "no-such-id"); code != 1 {
		t.Errorf("dead show of an unknown id: exit %d, want 1", code)
	}

	// A dead letter whose payload is fine now (the victim of a fixed bug) is replayed
	// once: its article is stored and the dead letter removed.
	good, err := os.ReadFile("testdata/harbour.html")
	if err != nil {
		t.Fatal(err)
	}
	victim := &schema.DeadLetter{ID: schema.DeadLetterID("cleaner", schema.RawStream.Name, 999), Stage: "cleaner",
		Reason: schema.ReasonUnprocessable, Error: "a bug, since fixed", Deliveries: 1, Subject: "news.raw.coastline_example",
		Stream: schema.RawStream.Name, StreamSeq: 999, Payload: good, FailedAt: time.Now().UTC(),
		Headers: map[string][]string{schema.HeaderURL: {"https://coastline.example/news/ferry"}, schema.HeaderMsgID: {"old"}}}
	data, err := schema.Encode(victim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.js.Publish(ctx, schema.DeadSubject("cleaner"), data); err != nil {
		t.Fatal(err)
	}
	replayed := decodeLines[replayedDead](t, s.cli(ctx, "replay", "dead", victim.ID))
	if len(replayed) != 1 || replayed[0].Subject != victim.Subject || replayed[0].Stream != schema.RawStream.Name {
		t.Fatalf("replay dead printed %+v", replayed)
	}
	ferry := schema.ArticleID("https://coastline.example/news/harbour-ferry-returns") // the page's canonical URL
	s.wait(ctx, "the replayed page stored", func() bool { return s.record(ctx, ferry) != nil })
	if again := s.cli(ctx, "replay", "dead", victim.ID); again != "" {
		t.Errorf("second replay printed %s", again)
	}
	// The five empty pages replayed fail again: five new dead letters, the old ones gone.
	if got := decodeLines[replayedDead](t, s.cli(ctx, "replay", "dead", "--stage", "cleaner", "--reason", schema.ReasonUnprocessable)); len(got) != 5 {
		t.Fatalf("replayed %d of the 5 empty pages", len(got))
	}
	s.wait(ctx, "five new dead letters", func() bool {
		return len(decodeLines[deadLine](t, s.cli(ctx, "dead", "--stage", "cleaner"))) == 5
	})
	for _, l := range decodeLines[deadLine](t, s.cli(ctx, "dead", "--stage", "cleaner")) {
		if ids[l.ID] {
			t.Errorf("dead letter %s still there after its replay", l.ID)
		}
	}

	// replay raw: the stored pages go through the cleaner and extractor again; the sink
	// keeps one version of unchanged content, and a second run publishes nothing new.
	before := s.record(ctx, ferry)
	first := decodeLines[replayedRaw](t, s.cli(ctx, "replay", "raw", "--since", "1h", "--site", "coastline.example"))
	if len(first) != 1 || first[0].ArticleID != ferry || first[0].Duplicate {
		t.Fatalf("replay raw printed %+v", first)
	}
	second := decodeLines[replayedRaw](t, s.cli(ctx, "replay", "raw", "--since", "1h", "--site", "coastline.example"))
	if len(second) != 1 || !second[0].Duplicate {
		t.Errorf("second replay raw printed %+v, want the article dropped as a duplicate", second)
	}
	s.wait(ctx, "the replayed article handled", func() bool {
		code, metrics, err := httpGet(ctx, s.api+"/metrics")
		return err == nil && code == http.StatusOK && strings.Contains(metrics, `newsjet_sink_articles_stored_total{result="duplicate"} 1`)
	})
	if after := s.record(ctx, ferry); after.Versions != before.Versions {
		t.Errorf("versions %d after replaying unchanged content, was %d", after.Versions, before.Versions)
	}
}
