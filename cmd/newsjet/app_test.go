package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/zap"
)

func TestAppDispatch(t *testing.T) {
	ctx := context.Background()
	code, out, _ := runCLI(ctx, t, "version")
	if v := decodeLines[map[string]string](t, out); code != 0 || len(v) != 1 || v[0]["version"] != version {
		t.Errorf("version: exit %d, %q", code, out)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"help"}, 0},
		{[]string{"frobnicate"}, 2},
		{[]string{"publish", "-h"}, 0},
		{[]string{"articles", "--help"}, 0},
	} {
		code, out, errOut := runCLI(ctx, t, tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, "usage") {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr %q", tc.args, code, tc.code, out, errOut)
		}
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
