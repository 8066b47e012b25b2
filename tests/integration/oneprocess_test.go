package integration

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/newsjet/newsjet/pkg/schema"
)

// TestOneProcessImage runs the newsjet image (`newsjet run`: embedded NATS, four stages,
// SQLite) and sends it a page as a NATS client would.
func TestOneProcessImage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	requireImages(ctx, t)
	c, err := testcontainers.Run(ctx, image("newsjet"),
		testcontainers.WithExposedPorts("4222/tcp", "8080/tcp"),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/readyz").WithPort("8080/tcp").WithStartupTimeout(60*time.Second)),
	)
	testcontainers.CleanupContainer(t, c)
	mustf(t, err, "starting newsjet")
	dumpLogsOnFailure(t, "newsjet", c)

	nc, err := nats.Connect("nats://" + endpoint(ctx, t, c, "4222/tcp"))
	mustf(t, err, "connecting to the embedded nats")
	defer nc.Close()
	js, err := jetstream.New(nc)
	mustf(t, err, "jetstream")
	w := want{name: "bare HTML", id: schema.ArticleID("https://harbourtimes.example/2026/quay-reopens"),
		title: "Fishing quay reopens with new cold store"}
	w.rawID = publishBare(ctx, t, js, "https://harbourtimes.example/2026/quay-reopens", "text/html", readPage(t, "quay.html"))
	recs := waitStored(ctx, t, c, []want{w})
	if len(recs) != 1 || recs[0].Article.Title != w.title || recs[0].Article.Lineage.RawID != w.rawID {
		t.Errorf("stored %+v", recs)
	}
}
