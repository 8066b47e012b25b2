package sink_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres/pgtest"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// proxy forwards TCP connections from a local address to a PostgreSQL server; cut makes
// the server unreachable (open connections dropped, new ones refused) until restore.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

// newProxy returns a proxy to the server of dsn, not listening yet, and the DSN that
// goes through it.
func newProxy(t *testing.T, dsn string) (*proxy, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: freeAddr(t), target: u.Host, conns: map[net.Conn]bool{}}
	u.Host = p.addr
	t.Cleanup(p.cut)
	return p, u.String()
}

func (p *proxy) restore() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *proxy) forward(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// TestOutageThroughProxy is TestPostgresOutage with the database made unreachable by a
// proxy instead of stopped, so it runs wherever PostgreSQL does.
func TestOutageThroughProxy(t *testing.T) {
	p, dsn := newProxy(t, pgtest.DSN(t))
	p.restore()
	outage(t, dsn, p.cut, p.restore)
}

// A sink whose PostgreSQL server cannot be reached at start waits for it, not ready
// with the reason, and works once it answers.
func TestWaitsForDatabaseAtStart(t *testing.T) {
	p, dsn := newProxy(t, pgtest.DSN(t))
	h := run(t, natstest.Connect(t, natstest.Start(t)), sink.New(&sink.Config{Store: dsn + "&connect_timeout=2"}).Service(), nil)
	waitFor(t, 20*time.Second, "not ready naming the store", func() bool {
		code, body := h.readyz()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "opening the store")
	})
	time.Sleep(2 * time.Second) // several attempts
	restored := time.Now()
	p.restore()
	waitFor(t, 30*time.Second, "ready once the database answers", func() bool { return h.get("/readyz") == http.StatusOK })
	t.Logf("ready %v after the database became reachable", time.Since(restored).Round(time.Millisecond))
	a := storetest.NewArticle("https://example.com/late", "Late", "Stored after the wait.", storetest.Base)
	h.publishArticle(a, "late")
	h.settled(15 * time.Second)
	if n := h.stored("new_article"); n != 1 {
		t.Errorf("new_article = %d, want 1", n)
	}
}

// One article PostgreSQL refuses, arriving with seven others in one group commit, is
// dead-lettered at once with the reason and the database's error; the seven are
// stored, and no message is redelivered.
func TestRejectedArticleDeadLetteredAlone(t *testing.T) {
	st, err := sink.OpenStore(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := &sink.Config{Batch: store.BatcherConfig{MaxBatch: 8, MaxDelay: 300 * time.Millisecond}}
	big := func(o *server.Options) { o.MaxPayload = 8 << 20 }
	h := run(t, natstest.Connect(t, natstest.Start(t, big)), sink.NewWithStore(st, cfg).Service(), nil)
	waitFor(t, 10*time.Second, "sink ready", func() bool { return h.get("/readyz") == http.StatusOK })
	var arts []*schema.Article
	for i := range 7 {
		arts = append(arts, storetest.NewArticle(fmt.Sprintf("https://example.com/%d", i), fmt.Sprintf("Story %d", i), "Body.", storetest.Base))
	}
	poison := storetest.UnindexableArticle("https://example.com/poison", storetest.Base)
	for i, a := range append(arts[:4:4], append([]*schema.Article{poison}, arts[4:]...)...) {
		h.publishArticle(a, fmt.Sprint("m", i))
	}
	h.settled(15 * time.Second)
	if n := h.stored("new_article"); n != 7 {
		t.Errorf("new_article = %d, want 7", n)
	}
	dls := h.deadLetters()
	if len(dls) != 1 || dls[0].Reason != sink.ReasonRejected || !strings.Contains(dls[0].Error, "tsvector") || dls[0].Deliveries != 1 {
		t.Fatalf("dead letters %d: %+v", len(dls), dls)
	}
	c, err := h.js.Consumer(context.Background(), schema.SinkConsumer.Stream, schema.SinkConsumer.Durable)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := c.Info(context.Background()); err != nil || info.NumRedelivered != 0 {
		t.Errorf("redelivered %+v, %v", info, err)
	}
}
