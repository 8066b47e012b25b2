package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/segmentio/encoding/json"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
)

// testServer starts an embedded JetStream server on a free loopback port with every
// newsjet stream provisioned, and returns it with a JetStream client.
func testServer(t *testing.T) (*server.Server, jetstream.JetStream) {
	t.Helper()
	ns, err := startServer(serverOptions{DataDir: t.TempDir(), Listen: "127.0.0.1:0"}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdownServer(context.Background(), ns) })
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := stage.ProvisionStreams(ctx, js, schema.Streams(), 1); err != nil {
		t.Fatal(err)
	}
	return ns, js
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a running command.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCLI runs the newsjet command line in-process and returns its exit code, stdout and
// stderr.
func runCLI(ctx context.Context, t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runCLIStdin(ctx, t, nil, args...)
}

// runCLIStdin is runCLI with stdin as the standard input.
func runCLIStdin(ctx context.Context, t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	code := newApp(bytes.NewReader(stdin), &stdout, &stderr).run(ctx, args)
	return code, stdout.String(), stderr.String()
}

// jsonLines decodes each line of out into a new T, failing the test on a line that is not
// one JSON value.
func decodeLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var vs []T
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("stdout line is not JSON: %v\n%s", err, line)
		}
		vs = append(vs, v)
	}
	return vs
}
