package kube

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
)

func TestReleaseOf(t *testing.T) {
	for in, want := range map[string]string{"v0.37.2": "v1.37.2", "v0.30.0": "v1.30.0"} {
		if got, err := releaseOf(in); err != nil || got != want {
			t.Errorf("releaseOf(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"v1.37.2", "v0.37.0-alpha.1", "latest"} {
		if _, err := releaseOf(bad); !errors.Is(err, ErrBuild) {
			t.Errorf("releaseOf(%s) = %v, want ErrBuild", bad, err)
		}
	}
	if v, err := Version(); err != nil || !strings.HasPrefix(v, "v1.") {
		t.Errorf("Version() = %s, %v", v, err)
	}
}

// TestBuildModuleReplacesEveryStagingModule writes the throwaway build module and checks
// it pins each staging module k8s.io/kubernetes replaces to the release's v0 version.
func TestBuildModuleReplacesEveryStagingModule(t *testing.T) {
	release, err := Version()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeBuildModule(context.Background(), dir, "k8s.io/kubernetes", release); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	staging := "v0" + strings.TrimPrefix(release, "v1")
	seen := map[string]bool{}
	for _, r := range f.Replace {
		if r.Old.Path != r.New.Path || r.New.Version != staging {
			t.Errorf("replace %s => %s %s, want the same module at %s", r.Old.Path, r.New.Path, r.New.Version, staging)
		}
		seen[r.Old.Path] = true
	}
	for _, m := range []string{"k8s.io/api", "k8s.io/apiserver", "k8s.io/client-go", "k8s.io/kubectl"} {
		if !seen[m] {
			t.Errorf("%s is not replaced", m)
		}
	}
	if len(f.Require) != 1 || f.Require[0].Mod.Path != "k8s.io/kubernetes" || f.Require[0].Mod.Version != release {
		t.Errorf("requires %v, want k8s.io/kubernetes %s", f.Require, release)
	}
}

// TestPKI issues a serving and a client certificate and completes a mutual TLS handshake
// with them.
func TestPKI(t *testing.T) {
	p, err := NewPKI(t.TempDir(), "ca")
	if err != nil {
		t.Fatal(err)
	}
	sc, sk, err := p.Serving("server", []net.IP{net.IPv4(127, 0, 0, 1)}, []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	cc, ck, err := p.Client("client", "admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(p.CAFile)
	if err != nil || !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("CA file: %v", err)
	}
	serverCert, err := tls.LoadX509KeyPair(sc, sk)
	if err != nil {
		t.Fatal(err)
	}
	clientCert, err := tls.LoadX509KeyPair(cc, ck)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			got <- err.Error()
			return
		}
		s := tc.ConnectionState().PeerCertificates[0].Subject
		got <- s.CommonName + "/" + strings.Join(s.Organization, ",")
	}()
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{clientCert}, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if s := <-got; s != "admin/system:masters" {
		t.Errorf("server saw client %q, want admin/system:masters", s)
	}
	if _, pub, err := p.SigningKey("sa"); err != nil || !strings.HasSuffix(pub, ".pub") {
		t.Errorf("SigningKey: %s, %v", pub, err)
	}
}

// TestProcStopsItsProcessGroup starts a shell that forks a child, stops it and checks that
// both are gone and the output was logged.
func TestProcStopsItsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	p, err := Start(dir, "sh", "/bin/sh", "-c", "sleep 60 & echo $! > "+pidFile+"; echo started; wait")
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if data, err := os.ReadFile(pidFile); err == nil && len(data) > 1 {
			for _, c := range strings.TrimSpace(string(data)) {
				child = child*10 + int(c-'0')
			}
			break
		}
	}
	if child == 0 {
		t.Fatal("the child never started")
	}
	if err := p.Exited(); err != nil {
		t.Fatalf("Exited = %v while running", err)
	}
	p.Stop(5 * time.Second)
	if err := p.Exited(); !errors.Is(err, ErrExited) {
		t.Errorf("Exited = %v after Stop, want ErrExited", err)
	}
	for _, pid := range []int{p.PID(), child} {
		if alive(pid) {
			t.Errorf("process %d survives Stop", pid)
		}
	}
	if !strings.Contains(p.Tail(5), "started") {
		t.Errorf("log tail %q lacks the output", p.Tail(5))
	}
}

// alive reports whether pid runs: it exists and is not a zombie waiting for a parent that
// does not reap (the child's parent is gone).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}
