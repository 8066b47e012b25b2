// Package pgtest gives tests a PostgreSQL schema of their own on the server named by
// NEWSJET_TEST_POSTGRES, and skips them with a clear message when it is unset.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the test server's DSN, e.g.
// postgres://newsjet:newsjet@127.0.0.1:5432/newsjet_test?sslmode=disable.
const EnvDSN = "NEWSJET_TEST_POSTGRES"

var seq atomic.Int64

// DSN skips the test when EnvDSN is unset; otherwise it creates an empty schema, drops
// it when the test ends, and returns a DSN whose search_path selects it.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		t.Skipf("PostgreSQL test skipped: set %s to a postgres:// DSN (see /work/coord/ci-postgres.md)", EnvDSN)
	}
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
