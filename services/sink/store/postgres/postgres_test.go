package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/postgres"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// EnvDSN names the environment variable holding the test server's DSN.
const EnvDSN = "NEWSJET_TEST_POSTGRES"

var schemaSeq atomic.Int64

// freshSchema creates an empty schema for one test and returns a DSN whose
// search_path selects it; the schema is dropped when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a postgres:// DSN (see /work/coord/ci-postgres.md)", EnvDSN)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t_%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
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

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(t *testing.T) store.Store {
		dsn := freshSchema(t)
		return func(t *testing.T) store.Store {
			s, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		}
	})
}

// TestOpenConcurrently starts several stores on one empty schema at once: the
// migration lock lets exactly one apply each migration.
func TestOpenConcurrently(t *testing.T) {
	dsn := freshSchema(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
}

func TestOpenBadDSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"); err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
}
