package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/stage"
)

func TestAppDispatch(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}, {"run", "--version"}} {
		code, out, _ := runCLI(ctx, t, args...)
		if v := decodeLines[map[string]string](t, out); code != 0 || len(v) != 1 || v[0]["version"] != stage.Version {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
	for _, tc := range []struct {
		args      []string
		code      int
		usageOnTo string // "stdout" or "stderr"
	}{
		{nil, 2, "stderr"},
		{[]string{"help"}, 0, "stdout"},
		{[]string{"--help"}, 0, "stdout"},
		{[]string{"frobnicate"}, 2, "stderr"},
		{[]string{"publish", "-h"}, 0, "stdout"},
		{[]string{"run", "-h"}, 0, "stdout"},
		{[]string{"extract", "--help"}, 0, "stdout"},
		{[]string{"articles", "--help"}, 0, "stdout"},
		{[]string{"articles", "list", "-h"}, 0, "stdout"},
	} {
		code, out, errOut := runCLI(ctx, t, tc.args...)
		where, other := out, errOut
		if tc.usageOnTo == "stderr" {
			where, other = errOut, out
		}
		if code != tc.code || !strings.Contains(where, "usage") || other != "" {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr %q; want the usage on %s alone", tc.args, code, tc.code, out, errOut, tc.usageOnTo)
		}
	}
}

// `newsjet run -h` reads as plain text: no backquotes, each flag's default said once,
// and a bad flag's error is printed once, with a pointer to -h.
func TestRunHelp(t *testing.T) {
	ctx := context.Background()
	_, out, _ := runCLI(ctx, t, "run", "-h")
	if strings.Contains(out, "`") {
		t.Errorf("help shows backquotes:\n%s", out)
	}
	for _, want := range []string{"\n  -listen string\n", "(default sqlite:<data-dir>/articles.db)\n", "-handler-timeout duration", "-version"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "newsjet-articles.db") {
		t.Errorf("help gives the sink binary's store default too:\n%s", out)
	}
	code, out, errOut := runCLI(ctx, t, "run", "--bogus")
	if code != 2 || out != "" || strings.Count(errOut, "-bogus") != 1 || strings.Contains(errOut, "-data-dir") ||
		!strings.Contains(errOut, "newsjet run -h") {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q; want 2 and the error once", code, out, errOut)
	}
}

func TestRunListenAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, out, errOut := runCLI(context.Background(), t, "run", "--data-dir", t.TempDir(), "--listen", ln.Addr().String(), "--http-addr", "")
	if code != 1 || out != "" || !strings.Contains(errOut, "address already in use") {
		t.Errorf("exit %d stdout %q stderr %q, want 1 and the bind error", code, out, errOut)
	}
	_, err = startServer(serverOptions{DataDir: t.TempDir(), Listen: ln.Addr().String()}, zap.NewNop())
	if !errors.Is(err, ErrServerStart) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("startServer: %v, want ErrServerStart wrapping EADDRINUSE", err)
	}
}
