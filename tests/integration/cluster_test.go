package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	njs "github.com/newsjet/newsjet/deploy/tools/jetstream"
	"github.com/newsjet/newsjet/deploy/tools/manifests"
)

// clusterRoot is the repository root seen from tests/integration.
const clusterRoot = "../.."

// clusterPages is how many pages TestClusterSurvivesNodeLoss publishes.
const clusterPages = 1000

// clusterNodes are the NATS servers' names, also their network aliases.
var clusterNodes = []string{"nats-1", "nats-2", "nats-3"}

// TestClusterSurvivesNodeLoss runs the cleaner, extractor and sink images with the
// environment the prod overlay gives them, against a three-node NATS cluster whose
// streams and consumers come from the generated NACK resources (R3). It publishes
// clusterPages pages, stops the NEWS_RAW stream leader half-way, and checks that the
// sink stored every page exactly once.
//
// Differences from the cluster, all forced by the test bed: NATS has no authentication
// (NEWSJET_NATS_CREDS is dropped), the sink stores into SQLite on a tmpfs instead of
// PostgreSQL (NEWSJET_STORE comes from a Secret in the cluster), and the fetcher is not
// run (pages are published to news.raw, as `nats pub` does).
func TestClusterSurvivesNodeLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts six containers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	requireImages(ctx, t)
	stages := []string{"cleaner", "extractor", "sink"}

	dec, err := manifests.NewDecoder(ctx)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := dec.Render(filepath.Join(clusterRoot, "deploy", "overlays", "prod"))
	if err != nil {
		t.Fatal(err)
	}
	streams, err := njs.Load(filepath.Join(clusterRoot, "deploy", "jetstream", "prod", "jetstream.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	nw, err := network.New(ctx)
	testcontainers.CleanupNetwork(t, nw)
	if err != nil {
		t.Fatal(err)
	}

	nodes := clusterStartNATS(ctx, t, nw)
	var urls []string
	for _, n := range clusterNodes {
		u, err := nodes[n].PortEndpoint(ctx, "4222/tcp", "nats")
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, u)
	}
	nc, err := nats.Connect(strings.Join(urls, ","), nats.IgnoreDiscoveredServers(),
		nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	clusterWait(ctx, t, "JetStream meta leader", func(ctx context.Context) error {
		_, err := js.AccountInfo(ctx)
		return err
	})
	if err := njs.Apply(ctx, js, streams); err != nil {
		t.Fatal(err)
	}

	var routes []string
	for _, n := range clusterNodes {
		routes = append(routes, "nats://"+n+":4222")
	}
	var sink *testcontainers.DockerContainer
	for _, s := range stages {
		env, secret, err := manifests.ContainerEnv(objs, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range secret {
			if !(s == "sink" && name == "NEWSJET_STORE") {
				t.Fatalf("%s reads %s from a Secret the test does not provide", s, name)
			}
		}
		env["NEWSJET_NATS_URL"] = strings.Join(routes, ",")
		delete(env, "NEWSJET_NATS_CREDS")
		c := clusterStartStage(ctx, t, nw, s, env)
		if s == "sink" {
			sink = c
		}
	}
	api, err := sink.PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		t.Fatal(err)
	}

	urlsPublished := map[string]bool{}
	stopped := ""
	for i := range clusterPages {
		if i == clusterPages/2 {
			stopped = clusterStopRawLeader(ctx, t, js, nodes)
		}
		u := clusterPublish(ctx, t, js, i)
		urlsPublished[u] = true
	}

	var stored map[string]int
	clusterWait(ctx, t, fmt.Sprintf("%d stored articles", clusterPages), func(ctx context.Context) error {
		stored, err = clusterStored(ctx, api)
		if err != nil {
			return err
		}
		if len(stored) < clusterPages {
			return fmt.Errorf("%d of %d stored", len(stored), clusterPages)
		}
		return nil
	})
	for u := range urlsPublished {
		if stored[u] != 1 {
			t.Errorf("%s stored %d times", u, stored[u])
		}
	}
	for u, n := range stored {
		if !urlsPublished[u] {
			t.Errorf("stored an article for %s (%d times), which was never published", u, n)
		}
	}
	// Retried publishes kept their Nats-Msg-Id, and the run is shorter than the streams'
	// duplicate window, so each stream holds every page exactly once too.
	for stream, want := range map[string]uint64{"NEWS_RAW": clusterPages, "NEWS_EXTRACTED": clusterPages, "NEWS_DEAD": 0} {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.CachedInfo().State.Msgs; n != want {
			t.Errorf("%s holds %d messages, want %d", stream, n, want)
		}
	}
	raw, err := js.Stream(ctx, "NEWS_RAW")
	if err != nil {
		t.Fatal(err)
	}
	info := raw.CachedInfo()
	if info.Config.Replicas != 3 || info.Cluster == nil || info.Cluster.Leader == "" || info.Cluster.Leader == stopped {
		t.Errorf("NEWS_RAW after losing %s: replicas %d, cluster %+v; want 3 replicas led by another server",
			stopped, info.Config.Replicas, info.Cluster)
	}
}

func clusterStartNATS(ctx context.Context, t *testing.T, nw *testcontainers.DockerNetwork) map[string]*testcontainers.DockerContainer {
	t.Helper()
	type started struct {
		name string
		c    *testcontainers.DockerContainer
		err  error
	}
	ch := make(chan started, len(clusterNodes))
	for _, name := range clusterNodes {
		go func() {
			c, err := clusterRunNode(ctx, nw, name)
			ch <- started{name, c, err}
		}()
	}
	nodes := map[string]*testcontainers.DockerContainer{}
	var errs []error
	for range clusterNodes {
		s := <-ch
		if s.c != nil {
			testcontainers.CleanupContainer(t, s.c)
			dumpLogsOnFailure(t, s.name, s.c)
			nodes[s.name] = s.c
		}
		if s.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.name, s.err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return nodes
}

// clusterRunNode runs the NATS server name of the three-node cluster on nw and waits
// until it accepts clients (JetStream needs two of the three for a meta leader).
func clusterRunNode(ctx context.Context, nw *testcontainers.DockerNetwork, name string) (*testcontainers.DockerContainer, error) {
	var routes []string
	for _, n := range clusterNodes {
		routes = append(routes, "nats://"+n+":6222")
	}
	return testcontainers.Run(ctx, image("nats"),
		network.WithNetwork([]string{name}, nw),
		testcontainers.WithCmd("-js", "-sd", "/data", "-m", "8222", "--name", name, "--cluster_name", "newsjet",
			"--cluster", "nats://0.0.0.0:6222", "--routes", strings.Join(routes, ",")),
		testcontainers.WithExposedPorts("4222/tcp", "8222/tcp"),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute,
			wait.ForLog("Server is ready")))
}

// startStage runs a stage image as the manifests do: the image's non-root user, a
// read-only root file system, no capabilities, no privilege escalation, the
// container's memory limit; the sink gets a tmpfs for its SQLite stand-in.
func clusterStartStage(ctx context.Context, t *testing.T, nw *testcontainers.DockerNetwork, name string, env map[string]string) *testcontainers.DockerContainer {
	t.Helper()
	memory, err := strconv.ParseInt(env["GOMEMLIMIT"], 10, 64) // the manifest's memory limit
	if err != nil {
		t.Fatalf("%s: GOMEMLIMIT %q: %v", name, env["GOMEMLIMIT"], err)
	}
	opts := []testcontainers.ContainerCustomizer{
		network.WithNetwork([]string{name}, nw),
		testcontainers.WithEnv(env),
		testcontainers.WithExposedPorts("8080/tcp"),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.Memory = memory
			hc.ReadonlyRootfs = true
			hc.CapDrop = []string{"ALL"}
			hc.SecurityOpt = []string{"no-new-privileges"}
		}),
		testcontainers.WithWaitStrategyAndDeadline(time.Minute, wait.ForHTTP("/readyz").WithPort("8080/tcp")),
	}
	if name == "sink" {
		env["NEWSJET_STORE"] = "sqlite:/data/articles.db"
		opts = append(opts, testcontainers.WithTmpfs(map[string]string{"/data": "rw,uid=65532,gid=65532,mode=0700"}))
	}
	c, err := testcontainers.Run(ctx, image(name), opts...)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	dumpLogsOnFailure(t, name, c)
	return c
}

// clusterStopRawLeader stops the server leading NEWS_RAW, the stream pages are published
// to, and returns its name.
func clusterStopRawLeader(ctx context.Context, t *testing.T, js jetstream.JetStream, nodes map[string]*testcontainers.DockerContainer) string {
	t.Helper()
	s, err := js.Stream(ctx, "NEWS_RAW")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster == nil || nodes[info.Cluster.Leader] == nil {
		t.Fatalf("NEWS_RAW has no known leader: %+v", info.Cluster)
	}
	leader := info.Cluster.Leader
	timeout := 10 * time.Second
	if err := nodes[leader].Stop(ctx, &timeout); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped %s, the NEWS_RAW leader, after %d pages", leader, clusterPages/2)
	return leader
}

// clusterPublish publishes page i as a bare HTML body on news.raw, retrying with the same
// Nats-Msg-Id until the stream acknowledges it, and returns its URL.
func clusterPublish(ctx context.Context, t *testing.T, js jetstream.JetStream, i int) string {
	t.Helper()
	site := fmt.Sprintf("site%d.example", i%5)
	u := fmt.Sprintf("https://%s/2026/11/story-%04d.html", site, i)
	msg := &nats.Msg{
		Subject: "news.raw." + strings.ReplaceAll(site, ".", "_"),
		Header: nats.Header{
			"Nats-Msg-Id":  []string{fmt.Sprintf("cluster-test-page-%d", i)},
			"Newsjet-Url":  []string{u},
			"Content-Type": []string{"text/html; charset=utf-8"},
		},
		Data: clusterPage(i, u),
	}
	attempts := 0
	clusterWait(ctx, t, "publish of "+u, func(ctx context.Context) error {
		attempts++
		_, err := js.PublishMsg(ctx, msg)
		return err
	})
	if attempts > 1 {
		t.Logf("%s published after %d attempts", u, attempts)
	}
	return u
}

// clusterPage writes a small news article whose text is unique to i.
func clusterPage(i int, u string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour council report %d | Example News</title>
<link rel="canonical" href="%s">
<meta name="author" content="Reporter %d">
<meta property="article:published_time" content="2026-11-%02dT08:%02d:00Z">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav><main><article>
<h1>Harbour council report %d</h1><p class="byline">By Reporter %d</p>`, i, u, i%17, 1+i%28, i%60, i, i%17)
	for p := range 5 {
		fmt.Fprintf(&b, "<p>Paragraph %d of report %d. The harbour council met on Tuesday to discuss item %d, "+
			"a proposal to extend the northern quay by %d metres and to repaint berth %d. Members heard from "+
			"residents, fishermen and the ferry operator before voting %d to %d in favour of a further study.</p>\n",
			p+1, i, i*7+p, 10+i%90, p+i%11, 5+p, 3)
	}
	b.WriteString(`</article></main><footer>Example News, all rights reserved.</footer></body></html>`)
	return []byte(b.String())
}

// clusterStored pages through the sink's read API and counts the stored articles per
// page URL; an article with more than one version counts once per version.
func clusterStored(ctx context.Context, api string) (map[string]int, error) {
	out := map[string]int{}
	cursor := ""
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/articles?limit=100&cursor="+url.QueryEscape(cursor), nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Articles []record `json:"articles"`
			Next     string   `json:"next"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("GET /articles: status %d: %w", resp.StatusCode, err)
		}
		for _, a := range page.Articles {
			if a.Article == nil {
				return nil, fmt.Errorf("GET /articles: record %s has no article", a.ID)
			}
			out[a.Article.URL] += a.Versions
		}
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
}

// clusterWait retries f every 250ms until it succeeds or ctx ends, then fails the test
// with f's last error. Each attempt gets at most 5s; progress is logged every 15s.
func clusterWait(ctx context.Context, t *testing.T, what string, f func(ctx context.Context) error) {
	t.Helper()
	start, logged := time.Now(), time.Now()
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := f(actx)
		cancel()
		if err == nil {
			return
		}
		if time.Since(logged) > 15*time.Second {
			t.Logf("still waiting for %s after %v: %v", what, time.Since(start).Round(time.Second), err)
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
