// Package pgtest gives tests a PostgreSQL schema of their own on the server named by
// NEWSJET_TEST_POSTGRES, and skips them with a clear message when it is unset.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the test server's DSN, e.g.
// postgres://newsjet:newsjet@127.0.0.1:5432/newsjet_test?sslmode=disable.
const EnvDSN = "NEWSJET_TEST_POSTGRES"

var seq atomic.Int64

// DSN skips the test when EnvDSN is unset; otherwise it creates an empty schema, drops
// it when the test ends, and returns a DSN whose search_path selects it. The test holds
// a shared lock on the server until it ends, so that a test taking it down (Exclusive)
// never runs at the same time, even from another package's test binary.
func DSN(t testing.TB) string {
	t.Helper()
	return schema(t, syscall.LOCK_SH)
}

// Exclusive is DSN for a test that stops or restarts the server: it waits until no
// other test (in any test process on this machine) uses the server, and keeps them
// out until it ends.
func Exclusive(t testing.TB) string {
	t.Helper()
	return schema(t, syscall.LOCK_EX)
}

// lock takes a lock on a file shared by every test process, released when t ends.
func lock(t testing.TB, how int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "newsjet-pgtest.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("pgtest: lock file: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		t.Fatalf("pgtest: locking: %v", err)
	}
	t.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}

func schema(t testing.TB, how int) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		t.Skipf("PostgreSQL test skipped: set %s to a postgres:// DSN (see /work/coord/ci-postgres.md)", EnvDSN)
	}
	lock(t, how)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t_%d_%d", time.Now().UnixNano(), seq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + name
}
