package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// sqliteMigrations is the SQLite schema, one entry per version. Times are
// microseconds since the Unix epoch.
var sqliteMigrations = []string{
	`CREATE TABLE IF NOT EXISTS modules (
		id                TEXT PRIMARY KEY,
		name              TEXT NOT NULL,
		type              TEXT NOT NULL,
		status            TEXT NOT NULL,
		integration_level INTEGER NOT NULL CHECK (integration_level BETWEEN 0 AND 100),
		description       TEXT NOT NULL DEFAULT '',
		created_at        INTEGER NOT NULL,
		updated_at        INTEGER NOT NULL
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
		updated_at            INTEGER NOT NULL
	);`,
}

// OpenSQLite opens (creating if needed) the SQLite database file at path and
// migrates it.
//
// The connection runs in WAL mode with synchronous=FULL: a commit returns
// only after the WAL is fsynced, so an acknowledged write survives kill -9
// and power loss. Transactions begin IMMEDIATE, taking the write lock up
// front, and wait up to 10s for it, so concurrent writers queue instead of
// failing with SQLITE_BUSY.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// One writer at a time is SQLite's model; a small pool serves readers.
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &sqlStore{db: db, d: dialect{
		kind:       "sqlite",
		migrations: sqliteMigrations,
		encodeTime: func(t time.Time) any { return t.UnixMicro() },
	}}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}
