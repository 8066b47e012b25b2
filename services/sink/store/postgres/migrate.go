package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/newsjet/newsjet/services/sink/store/internal/migfs"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the first key of the advisory lock serialising migrations; the
// second is the hash of the schema migrated, so stores in different schemas of one
// database do not wait for each other.
const migrationLock = 0x6e6a7331 // "njs1"

// migrate applies the embedded migrations missing from the schema_migrations table.
//
// The mechanism is deliberately small: a table of applied versions, a session advisory
// lock held while migrating so that sink replicas starting together apply each
// migration once, and one transaction per migration (PostgreSQL DDL is
// transactional, so a failed migration leaves nothing behind). A migration library
// would add dependencies and features (down migrations, dirty states, CLI) the sink
// does not use.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migfs.Load(migrationFS, "migrations")
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext(current_schema()))`, migrationLock); err != nil {
		return fmt.Errorf("taking the migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("reading schema_migrations: %w", err)
	}
	for _, m := range ms[min(have, len(ms)):] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}
