package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/internal/stagetest"
	"github.com/newsjet/newsjet/pkg/schema"
)

// The built binary reports the version given at link time, serves health and
// readiness, cleans a page, and drains and exits 0 on SIGTERM.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cleaner")
	build := exec.Command("go", "build", "-ldflags", "-X github.com/newsjet/newsjet/internal/stage.Version=v9.8.7", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "cleaner v9.8.7\n" {
		t.Fatalf("--version: %q, %v", out, err)
	}

	srv := natstest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--drain-timeout", "5s")
	cmd.Env = append(os.Environ(), "NEWSJET_NATS_URL="+srv.ClientURL(), "NEWSJET_HTTP_ADDR="+addr, "NEWSJET_CONCURRENCY=2")
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	finished := false
	defer func() {
		if !finished {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	get := func(path string) (int, map[string]string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]string
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	stagetest.Wait(t, "readiness", func() bool { code, _ := get("/readyz"); return code == http.StatusOK })
	if code, m := get("/healthz"); code != http.StatusOK || m["version"] != "v9.8.7" || m["stage"] != "cleaner" {
		t.Errorf("/healthz %d %v", code, m)
	}

	nc := natstest.Connect(t, srv)
	js := stagetest.JetStream(t, nc)
	page := "<html><head><title>Binary test</title></head><body><article><h1>Binary test</h1>" +
		"<p>The cleaner binary received this page from a real broker and cleaned it as a service.</p>" +
		"<p>It then stopped on a signal after draining its consumer.</p></article></body></html>"
	if _, err := js.PublishMsg(context.Background(), &nats.Msg{Subject: "news.raw.example_com", Data: []byte(page),
		Header: nats.Header{schema.HeaderURL: {"https://example.com/binary"}}}); err != nil {
		t.Fatal(err)
	}
	msgs := stagetest.WaitMsgs(t, js, schema.CleanedStream.Name, 1)
	if cp, err := schema.DecodeCleanedPage(msgs[0].Data); err != nil || cp.CleanerVersion != "v9.8.7" {
		t.Errorf("cleaned page %+v, %v", cp, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		finished = true
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(stagetest.Timeout):
		t.Fatal("still running after SIGTERM")
	}
	if !strings.Contains(logs.String(), `"msg":"drained"`) {
		t.Errorf("no drain in the logs:\n%s", logs.String())
	}
}
