package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/segmentio/encoding/json"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/newsjet/newsjet/pkg/schema"
)

// want is a page the pipeline must store, with what its article must say.
type want struct {
	name      string
	id        string // article id: schema.ArticleID of the page's canonical URL
	title     string
	paras     []string
	rawID     string // raw page id, for pages published as raw pages
	requestID string // fetch request id, for the page the fetcher fetches
}

// bad is a message the pipeline must dead-letter.
type bad struct {
	name    string
	payload []byte
	reason  string
}

func readPage(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	mustf(t, err, "reading %s", name)
	return b
}

// generated returns a news page written for this test, numbered n.
func generated(n int) (html string, w want) {
	canonical := fmt.Sprintf("https://tides.example/reports/%d", n)
	w = want{
		name:  fmt.Sprintf("tide report %d", n),
		id:    schema.ArticleID(canonical),
		title: fmt.Sprintf("Tide report %d: spring tides expected along the estuary", n),
		paras: []string{
			fmt.Sprintf("Report %d: the coastguard expects spring tides along the estuary this week, with high water about half a metre above the usual mark.", n),
			fmt.Sprintf("Residents of the low-lying streets near the slipway were advised in report %d to move cars away from the sea wall before the evening tide.", n),
			fmt.Sprintf("The harbour office said in report %d that the footpath under the bridge would close for two hours either side of high water.", n),
		},
	}
	html = fmt.Sprintf(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>
<link rel="canonical" href="%s"></head><body><nav><a href="/">Tides</a> <a href="/archive">Archive</a></nav>
<article><h1>%s</h1><p>%s</p><p>%s</p><p>%s</p></article><footer>Tides desk</footer></body></html>`,
		w.title, canonical, w.title, w.paras[0], w.paras[1], w.paras[2])
	return html, w
}

// publishBare publishes an HTML body as `nats pub` would: no JSON, no message id.
func publishBare(ctx context.Context, t *testing.T, js jetstream.JetStream, pageURL, contentType string, body []byte) string {
	t.Helper()
	msg := nats.NewMsg(schema.RawSubject(pageURL))
	msg.Header.Set(schema.HeaderContentType, contentType)
	msg.Header.Set(schema.HeaderURL, pageURL)
	msg.Data = body
	_, err := js.PublishMsg(ctx, msg)
	mustf(t, err, "publishing %s", pageURL)
	p, err := schema.DecodeRawPageMessage(msg.Header, body, time.Now())
	mustf(t, err, "decoding %s as the cleaner will", pageURL)
	return p.ID
}

// publishJSON publishes a RawPage JSON message.
func publishJSON(ctx context.Context, t *testing.T, js jetstream.JetStream, pageURL string, body []byte) string {
	t.Helper()
	hash := schema.ContentHash(body)
	p := &schema.RawPage{
		ID: schema.RawPageID(pageURL, hash), URL: pageURL, StatusCode: 200, ContentType: "text/html; charset=utf-8",
		Body: body, BodySize: int64(len(body)), ContentHash: hash, FetchedAt: time.Now().UTC(),
	}
	data, err := schema.Encode(p)
	mustf(t, err, "encoding raw page")
	msg := nats.NewMsg(schema.RawSubject(pageURL))
	for k, v := range schema.Headers(schema.RawPageV1, p.ID) {
		msg.Header[k] = v
	}
	msg.Data = data
	_, err = js.PublishMsg(ctx, msg)
	mustf(t, err, "publishing %s", pageURL)
	return p.ID
}

// publishRaw publishes payload on the raw subject with a JSON content type.
func publishRaw(ctx context.Context, t *testing.T, js jetstream.JetStream, payload []byte) {
	t.Helper()
	msg := nats.NewMsg(schema.RawSubjectPrefix + ".broken_example")
	msg.Header.Set(schema.HeaderContentType, "application/json")
	msg.Data = payload
	_, err := js.PublishMsg(ctx, msg)
	mustf(t, err, "publishing a bad message")
}

// servePages serves testdata on a port of this machine that the containers reach as
// host.docker.internal, and returns the port.
func servePages(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	mustf(t, err, "page server")
	srv := &http.Server{Handler: http.FileServer(http.Dir("testdata")), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// record is the part of the read API's answer the test checks.
type record struct {
	ID       string          `json:"id"`
	Versions int             `json:"versions"`
	Article  *schema.Article `json:"article"`
}

// listStored returns every stored article from the sink's read API.
func listStored(ctx context.Context, api string) ([]record, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+api+"/articles?limit=100", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /articles: %d %s", resp.StatusCode, body)
	}
	var page struct {
		Articles []record `json:"articles"`
		Next     string   `json:"next"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("GET /articles: %w", err)
	}
	if page.Next != "" {
		return nil, fmt.Errorf("GET /articles: more than one page")
	}
	return page.Articles, nil
}

// waitStored polls the read API until every wanted article is stored.
func waitStored(ctx context.Context, t *testing.T, sink *testcontainers.DockerContainer, wants []want) []record {
	t.Helper()
	var (
		recs    []record
		lastErr error
	)
	for {
		recs, lastErr = listStored(ctx, endpoint(ctx, t, sink, "8080/tcp"))
		if lastErr == nil {
			have := map[string]bool{}
			for _, r := range recs {
				have[r.ID] = true
			}
			missing := 0
			for _, w := range wants {
				if !have[w.id] {
					missing++
				}
			}
			if missing == 0 {
				return recs
			}
			lastErr = fmt.Errorf("%d of %d articles not stored yet", missing, len(wants))
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for the store: %v", lastErr)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// readAll returns every message of a stream through an ordered consumer.
func readAll(ctx context.Context, t *testing.T, js jetstream.JetStream, stream string) []jetstream.Msg {
	t.Helper()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	mustf(t, err, "reading %s", stream)
	left := cons.CachedInfo().NumPending
	var msgs []jetstream.Msg
	for left > 0 {
		batch, err := cons.Fetch(int(min(left, 256)), jetstream.FetchMaxWait(5*time.Second))
		mustf(t, err, "reading %s", stream)
		for m := range batch.Messages() {
			msgs = append(msgs, m)
			left--
		}
		mustf(t, batch.Error(), "reading %s", stream)
	}
	return msgs
}

// TestPipelineInContainers publishes good and bad pages into the four services running
// as containers, restarts services while pages are in flight, and checks that every good
// page is extracted and stored exactly once and every bad one is dead-lettered.
func TestPipelineInContainers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	requireImages(ctx, t)

	nw, err := network.New(ctx)
	testcontainers.CleanupNetwork(t, nw)
	mustf(t, err, "creating the network")
	natsC := startNATS(ctx, t, nw)
	port := servePages(t)
	c := map[string]*testcontainers.DockerContainer{}
	for _, name := range services {
		env := map[string]string{}
		if name == "fetcher" {
			// The page server is on this machine, at a private address the SSRF guard
			// refuses unless allowed.
			env["NEWSJET_ALLOW_NET"] = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
		}
		c[name] = startService(ctx, t, nw, name, env)
	}

	nc, err := nats.Connect("nats://"+endpoint(ctx, t, natsC, "4222/tcp"), nats.MaxReconnects(-1))
	mustf(t, err, "connecting to nats")
	defer nc.Close()
	js, err := jetstream.New(nc)
	mustf(t, err, "jetstream")

	// Phase 1: one page of each kind, and the bad messages.
	quayURL := "https://harbourtimes.example/2026/quay-reopens?utm_source=feed"
	wants := []want{
		{name: "bare HTML", id: schema.ArticleID("https://harbourtimes.example/2026/quay-reopens"),
			title: "Fishing quay reopens with new cold store",
			paras: []string{"The east fishing quay reopened on Tuesday", "Skippers had been landing their boats", "sell directly to restaurants"},
			rawID: publishBare(ctx, t, js, quayURL, "text/html", readPage(t, "quay.html"))},
		{name: "RawPage JSON", id: schema.ArticleID("https://valleyvoice.example/orchard-hundredth-tree"),
			title: "Community orchard plants its hundredth tree",
			paras: []string{"planted its hundredth tree on Sunday", "informal car park", "grafted saplings"},
			rawID: publishJSON(ctx, t, js, "https://valleyvoice.example/orchard-hundredth-tree", readPage(t, "orchard.html"))},
		{name: "windows-1251", id: schema.ArticleID("https://rechnoy.example/novosti/most"),
			title: "Новый мост через реку открыт для движения",
			paras: []string{"В субботу утром в городе открыли новый автомобильный мост", "Пешеходная часть моста будет открыта"},
			rawID: publishBare(ctx, t, js, "https://rechnoy.example/novosti/most", "text/html", readPage(t, "bridge-cp1251.html"))},
	}
	fetchURL := fmt.Sprintf("http://host.docker.internal:%d/lighthouse.html", port)
	req := &schema.FetchRequest{ID: schema.FetchRequestID(schema.KindArticle, fetchURL), Kind: schema.KindArticle, URL: fetchURL, RequestedAt: time.Now().UTC()}
	data, err := schema.Encode(req)
	mustf(t, err, "encoding the fetch request")
	fmsg := nats.NewMsg(schema.FetchSubject(fetchURL))
	for k, v := range schema.Headers(schema.FetchRequestV1, req.ID) {
		fmsg.Header[k] = v
	}
	fmsg.Data = data
	_, err = js.PublishMsg(ctx, fmsg)
	mustf(t, err, "publishing the fetch request")
	wants = append(wants, want{name: "fetched", id: schema.ArticleID("https://capepost.example/lighthouse-museum"),
		title:     "Lighthouse keeper's cottage to become museum",
		paras:     []string{"will open as a small museum next summer", "logbooks, lamps and weather instruments"},
		requestID: req.ID})
	bads := []bad{
		{name: "malformed", payload: []byte(`{"schema": "newsjet.raw_page.v1", "body": `), reason: schema.ReasonMalformed},
		{name: "unknown version", payload: []byte(`{"schema":"newsjet.raw_page.v9","id":"from-the-future","hologram":true}`), reason: schema.ReasonUnknownVersion},
	}
	for _, b := range bads {
		publishRaw(ctx, t, js, b.payload)
	}
	waitStored(ctx, t, c["sink"], wants)

	// Phase 2: pages published while services restart. The cleaner is killed outright
	// right after a batch (what it had in flight is redelivered after the ack wait), the
	// extractor stopped gracefully (it drains), the sink restarted with its store kept.
	publishBatch := func(from, to int) {
		for n := from; n < to; n++ {
			html, w := generated(n)
			w.rawID = publishBare(ctx, t, js, fmt.Sprintf("https://tides.example/reports/%d", n), "text/html; charset=utf-8", []byte(html))
			wants = append(wants, w)
		}
	}
	grace, kill := 10*time.Second, time.Duration(0)
	publishBatch(0, 20)
	// Kill the cleaner while pages keep arriving, so that it dies with work in hand.
	killed := make(chan error, 1)
	go func() { killed <- c["cleaner"].Stop(ctx, &kill) }()
	publishBatch(20, 60)
	mustf(t, <-killed, "killing the cleaner")
	mustf(t, c["extractor"].Stop(ctx, &grace), "stopping the extractor")
	publishBatch(60, 70)
	restart(ctx, t, "sink", c["sink"], grace)
	mustf(t, c["cleaner"].Start(ctx), "starting the cleaner")
	publishBatch(70, 75)
	mustf(t, c["extractor"].Start(ctx), "starting the extractor")
	publishBatch(75, 80)
	recs := waitStored(ctx, t, c["sink"], wants)

	// The store holds each article once, with the expected content.
	byID := map[string]record{}
	for _, r := range recs {
		if _, dup := byID[r.ID]; dup {
			t.Errorf("article %s listed twice", r.ID)
		}
		byID[r.ID] = r
	}
	if len(recs) != len(wants) {
		t.Errorf("store holds %d articles, want %d", len(recs), len(wants))
	}
	for _, w := range wants {
		r := byID[w.id]
		if r.Article == nil {
			t.Errorf("%s: not stored", w.name)
			continue
		}
		if r.Versions != 1 || r.Article.Title != w.title {
			t.Errorf("%s: %d versions, title %q; want 1 version, title %q", w.name, r.Versions, r.Article.Title, w.title)
		}
		for _, p := range w.paras {
			if !strings.Contains(r.Article.BodyText, p) {
				t.Errorf("%s: body lacks %q:\n%s", w.name, p, r.Article.BodyText)
			}
		}
		if (w.rawID != "" && r.Article.Lineage.RawID != w.rawID) || (w.requestID != "" && r.Article.Lineage.RequestID != w.requestID) {
			t.Errorf("%s: lineage %+v, want raw %s request %s", w.name, r.Article.Lineage, w.rawID, w.requestID)
		}
	}

	// The extracted stream carries each article exactly once.
	seen := map[string]int{}
	for _, m := range readAll(ctx, t, js, schema.ExtractedStream.Name) {
		a, err := schema.DecodeArticle(m.Data())
		mustf(t, err, "decoding an extracted article")
		seen[a.ID]++
	}
	for _, w := range wants {
		if seen[w.id] != 1 {
			t.Errorf("%s: on the extracted stream %d times, want once", w.name, seen[w.id])
		}
	}
	if len(seen) != len(wants) {
		t.Errorf("extracted stream holds %d articles, want %d", len(seen), len(wants))
	}

	// The bad messages are dead letters of the cleaner, with their reason and payload.
	dead := readAll(ctx, t, js, schema.DeadLetterStream.Name)
	if len(dead) != len(bads) {
		t.Errorf("%d dead letters, want %d", len(dead), len(bads))
	}
	for _, b := range bads {
		found := false
		for _, m := range dead {
			dl, err := schema.DecodeDeadLetter(m.Data())
			mustf(t, err, "decoding a dead letter")
			if string(dl.Payload) == string(b.payload) {
				found = true
				if dl.Stage != "cleaner" || dl.Reason != b.reason || m.Subject() != schema.DeadSubject("cleaner") ||
					m.Headers().Get(schema.HeaderDeadReason) != b.reason {
					t.Errorf("%s: dead letter stage %q reason %q on %s, want cleaner/%s", b.name, dl.Stage, dl.Reason, m.Subject(), b.reason)
				}
			}
		}
		if !found {
			t.Errorf("%s: no dead letter carries its payload", b.name)
		}
	}
}
