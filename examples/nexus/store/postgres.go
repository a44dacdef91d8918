package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresMigrations is the PostgreSQL schema, one entry per version.
var postgresMigrations = []string{
	`CREATE TABLE IF NOT EXISTS modules (
		id                UUID PRIMARY KEY,
		name              TEXT NOT NULL,
		type              TEXT NOT NULL,
		status            TEXT NOT NULL,
		integration_level INTEGER NOT NULL CHECK (integration_level BETWEEN 0 AND 100),
		description       TEXT NOT NULL DEFAULT '',
		created_at        TIMESTAMPTZ NOT NULL,
		updated_at        TIMESTAMPTZ NOT NULL
	);
	CREATE INDEX IF NOT EXISTS modules_created_at ON modules (created_at, id);
	CREATE TABLE IF NOT EXISTS safety_status (
		id                    INTEGER PRIMARY KEY CHECK (id = 1),
		ethical_compliance    INTEGER NOT NULL,
		value_alignment       INTEGER NOT NULL,
		harm_prevention       INTEGER NOT NULL,
		transparency          INTEGER NOT NULL,
		human_oversight       INTEGER NOT NULL,
		containment_integrity INTEGER NOT NULL,
		updated_at            TIMESTAMPTZ NOT NULL
	);`,
	// 2: a version per row, incremented by every UPDATE; safety scores
	// with decimals.
	`ALTER TABLE modules ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 1;
	ALTER TABLE safety_status ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 1;
	ALTER TABLE safety_status
		ALTER COLUMN ethical_compliance TYPE DOUBLE PRECISION,
		ALTER COLUMN value_alignment TYPE DOUBLE PRECISION,
		ALTER COLUMN harm_prevention TYPE DOUBLE PRECISION,
		ALTER COLUMN transparency TYPE DOUBLE PRECISION,
		ALTER COLUMN human_oversight TYPE DOUBLE PRECISION,
		ALTER COLUMN containment_integrity TYPE DOUBLE PRECISION;`,
}

// OpenPostgres connects to the PostgreSQL database at dsn (a postgres:// URL)
// through pgx and migrates it. Concurrent migrators are serialized with a
// transaction-scoped advisory lock.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors can quote the DSN, password included: say less.
		return nil, errors.New("store: DATABASE_URL is not a valid PostgreSQL URL")
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: connect to postgres at %s: %w", cfg.Host, err)
	}
	s := &sqlStore{db: db, d: dialect{
		kind:       "postgres",
		migrations: postgresMigrations,
		lock:       `SELECT pg_advisory_xact_lock(7366421)`,
		encodeTime: func(t time.Time) any { return t },
		numbered:   true,
	}}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}
