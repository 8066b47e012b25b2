package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// TestStagesWaitForAFormingCluster starts the four stage images, provisioning on with
// three stream replicas, while only one of the three NATS servers is up: JetStream has
// no meta leader, so provisioning fails. The stages must wait (they exited after 5s),
// not ready with the reason, and be ready and working soon after the other two
// servers join.
func TestStagesWaitForAFormingCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts seven containers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	requireImages(ctx, t)
	nw, err := network.New(ctx)
	testcontainers.CleanupNetwork(t, nw)
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]*testcontainers.DockerContainer{}
	startNode := func(name string) {
		c, err := clusterRunNode(ctx, nw, name)
		testcontainers.CleanupContainer(t, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dumpLogsOnFailure(t, name, c)
		nodes[name] = c
	}
	startNode(clusterNodes[0])

	var routes []string
	for _, n := range clusterNodes {
		routes = append(routes, "nats://"+n+":4222")
	}
	stages := map[string]*testcontainers.DockerContainer{}
	for _, name := range services {
		env := map[string]string{
			"NEWSJET_NATS_URL": strings.Join(routes, ","), "NEWSJET_STREAM_REPLICAS": "3",
			"NEWSJET_RETRY_BACKOFF": "200ms", "NEWSJET_LOG_LEVEL": "info",
		}
		opts := []testcontainers.ContainerCustomizer{
			network.WithNetwork([]string{name}, nw),
			testcontainers.WithEnv(env),
			testcontainers.WithExposedPorts("8080/tcp"),
			// Started: it tried to provision, failed, and waits.
			testcontainers.WithWaitStrategy(wait.ForLog("not ready, retrying the start").WithStartupTimeout(time.Minute)),
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
		stages[name] = c
	}
	time.Sleep(6 * time.Second) // longer than the provisioning timeout that made them exit
	for name, c := range stages {
		code, body := readyz(ctx, t, c)
		st, err := c.State(ctx)
		if err != nil || !st.Running || code != http.StatusServiceUnavailable || !strings.Contains(body, "starting") {
			t.Fatalf("%s without a JetStream quorum: running %v (%v), /readyz %d %s", name, st != nil && st.Running, err, code, body)
		}
	}

	startNode(clusterNodes[1])
	startNode(clusterNodes[2])
	u, err := nodes[clusterNodes[0]].PortEndpoint(ctx, "4222/tcp", "nats")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(u, nats.IgnoreDiscoveredServers())
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
	quorum := time.Now()
	recovered := map[string]time.Duration{}
	for name, c := range stages {
		clusterWait(ctx, t, name+" ready", func(ctx context.Context) error {
			if code, body := readyz(ctx, t, c); code != http.StatusOK {
				return fmt.Errorf("/readyz %d %s", code, body)
			}
			return nil
		})
		recovered[name] = time.Since(quorum).Round(100 * time.Millisecond)
	}

	// The pipeline works: a page published now is stored.
	page := clusterPublish(ctx, t, js, 1)
	api, err := stages["sink"].PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		t.Fatal(err)
	}
	clusterWait(ctx, t, "the page stored", func(ctx context.Context) error {
		stored, err := clusterStored(ctx, api)
		if err != nil {
			return err
		}
		if stored[page] != 1 {
			return fmt.Errorf("stored %v", stored)
		}
		return nil
	})
	for name, c := range stages {
		info, err := c.Inspect(ctx)
		if err != nil || info.RestartCount != 0 || info.State == nil || !info.State.Running {
			t.Errorf("%s: %v; want running, never restarted", name, err)
		}
		t.Logf("%s: ready %v after JetStream answered; waited %s from its first provisioning failure", name, recovered[name], waited(ctx, t, c))
	}
}

// readyz returns the status and body of a stage container's /readyz.
func readyz(ctx context.Context, t *testing.T, c *testcontainers.DockerContainer) (int, string) {
	t.Helper()
	ep, err := c.PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		return 0, err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep+"/readyz", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Error
}

// waited returns the "waited" field of the stage's "start completed after retries" log
// line: the time from its first failed start to its start.
func waited(ctx context.Context, t *testing.T, c *testcontainers.DockerContainer) string {
	t.Helper()
	rc, err := c.Logs(ctx)
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.IndexByte(line, '{')
		if i < 0 || !strings.Contains(line, "start completed after retries") {
			continue
		}
		var entry struct {
			Waited float64 `json:"waited"` // seconds
		}
		if json.Unmarshal([]byte(line[i:]), &entry) == nil {
			return time.Duration(entry.Waited * float64(time.Second)).Round(100 * time.Millisecond).String()
		}
	}
	return "?"
}
