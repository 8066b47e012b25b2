package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

func TestMain(m *testing.M) {
	// Ryuk, the reaper, is an image that cannot be pulled where newsjet is built.
	setDefaultEnv("TESTCONTAINERS_RYUK_DISABLED", "true")
	// Published ports are on this machine when the daemon is local; testcontainers would
	// otherwise guess the default gateway when it finds itself inside a container.
	if h := os.Getenv("DOCKER_HOST"); h == "" || strings.HasPrefix(h, "unix://") {
		setDefaultEnv("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
	}
	os.Exit(m.Run())
}

func setDefaultEnv(name, value string) {
	if _, ok := os.LookupEnv(name); !ok {
		os.Setenv(name, value)
	}
}

// services are newsjet's stages, each an image newsjet/<name>.
var services = []string{"fetcher", "cleaner", "extractor", "sink"}

// imageTag is the tag of the images under test.
func imageTag() string {
	if t := os.Getenv("NEWSJET_IMAGE_TAG"); t != "" {
		return t
	}
	return "dev"
}

func image(name string) string { return "newsjet/" + name + ":" + imageTag() }

// requireImages skips the test when Docker or an image is missing, or fails it when
// NEWSJET_REQUIRE_INTEGRATION=1.
func requireImages(ctx context.Context, t *testing.T) {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("NEWSJET_REQUIRE_INTEGRATION") == "1" {
		skip = t.Fatalf
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		skip("Docker is not reachable: %v", err)
		return
	}
	defer cli.Close()
	for _, name := range append([]string{"nats", "newsjet"}, services...) {
		if _, err := cli.ImageInspect(ctx, image(name)); err != nil {
			skip("image %s is not built (run scripts/build-images.sh): %v", image(name), err)
			return
		}
	}
}

// serviceEnv is the environment every service container gets.
var serviceEnv = map[string]string{
	"NEWSJET_NATS_URL":      "nats://nats:4222",
	"NEWSJET_RETRY_BACKOFF": "200ms",
	"NEWSJET_DRAIN_TIMEOUT": "10s",
	"NEWSJET_LOG_LEVEL":     "info",
}

// startNATS runs the NATS image on nw under the alias "nats".
func startNATS(ctx context.Context, t *testing.T, nw *testcontainers.DockerNetwork) *testcontainers.DockerContainer {
	t.Helper()
	c, err := testcontainers.Run(ctx, image("nats"),
		network.WithNetwork([]string{"nats"}, nw),
		testcontainers.WithExposedPorts("4222/tcp"),
		testcontainers.WithWaitStrategy(wait.ForLog("Server is ready").WithStartupTimeout(30*time.Second)),
	)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatalf("starting nats: %v", err)
	}
	dumpLogsOnFailure(t, "nats", c)
	return c
}

// startService runs a service image on nw under its name, and waits until its /readyz
// answers 200 (connected, streams provisioned, consumer bound).
func startService(ctx context.Context, t *testing.T, nw *testcontainers.DockerNetwork, name string, env map[string]string) *testcontainers.DockerContainer {
	t.Helper()
	all := map[string]string{}
	for k, v := range serviceEnv {
		all[k] = v
	}
	for k, v := range env {
		all[k] = v
	}
	c, err := testcontainers.Run(ctx, image(name),
		network.WithNetwork([]string{name}, nw),
		testcontainers.WithEnv(all),
		testcontainers.WithExposedPorts("8080/tcp"),
		// Lets the fetcher reach the test's page server on this machine.
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.ExtraHosts = append(hc.ExtraHosts, "host.docker.internal:host-gateway")
		}),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/readyz").WithPort("8080/tcp").WithStartupTimeout(60*time.Second)),
	)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	dumpLogsOnFailure(t, name, c)
	info, err := c.Inspect(ctx)
	mustf(t, err, "inspecting %s", name)
	if info.Config == nil || info.Config.User != nonRoot {
		t.Errorf("%s runs as user %q, want %s", name, info.Config.User, nonRoot)
	}
	return c
}

// nonRoot is the numeric user every image runs as.
const nonRoot = "65532:65532"

// dumpLogsOnFailure prints the container's last log lines when the test fails.
func dumpLogsOnFailure(t *testing.T, name string, c *testcontainers.DockerContainer) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rc, err := c.Logs(ctx)
		if err != nil {
			t.Logf("%s logs: %v", name, err)
			return
		}
		defer rc.Close()
		var lines []string
		sc := bufio.NewScanner(io.LimitReader(rc, 4<<20))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		t.Logf("--- last log lines of %s:\n%s", name, strings.Join(lines, "\n"))
	})
}

// endpoint returns host:port of the container's port as published on this machine (it
// changes when the container restarts).
func endpoint(ctx context.Context, t *testing.T, c *testcontainers.DockerContainer, port string) string {
	t.Helper()
	ep, err := c.PortEndpoint(ctx, port, "")
	if err != nil {
		t.Fatalf("endpoint of %s: %v", port, err)
	}
	return ep
}

// restart stops a container (SIGTERM, SIGKILL after grace) and starts it again,
// waiting until it is ready.
func restart(ctx context.Context, t *testing.T, name string, c *testcontainers.DockerContainer, grace time.Duration) {
	t.Helper()
	if err := c.Stop(ctx, &grace); err != nil {
		t.Fatalf("stopping %s: %v", name, err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting %s again: %v", name, err)
	}
}

func mustf(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}
