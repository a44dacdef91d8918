package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
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
	// 2: a version per row, incremented by every UPDATE. The safety scores
	// take decimals: SQLite's INTEGER affinity already keeps 95.5 as REAL.
	`ALTER TABLE modules ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
	ALTER TABLE safety_status ADD COLUMN version INTEGER NOT NULL DEFAULT 1;`,
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
	// The path is named in every error: "unable to open database file"
	// alone does not say which file.
	if dir := filepath.Dir(path); dir != "" {
		if fi, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("store: sqlite database %s: directory %s: %w", path, dir, err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("store: sqlite database %s: %s is not a directory", path, dir)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: sqlite database %s: %w", path, err)
	}
	// One writer at a time is SQLite's model; a small pool serves readers.
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &sqlStore{db: db, d: dialect{
		kind:       "sqlite",
		migrations: sqliteMigrations,
		encodeTime: func(t time.Time) any { return t.UnixMicro() },
	}}
	if err := migrateSQLite(ctx, s); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite database %s: %w", path, err)
	}
	return s, nil
}

// migrateSQLite runs the migrations, retrying while another connection holds
// a conflicting lock. busy_timeout covers ordinary lock waits, but SQLite
// answers SQLITE_BUSY at once, without waiting, when two connections would
// otherwise deadlock: for example several processes opening a new file
// together while one of them switches it to WAL mode. Retrying the whole
// transaction is the remedy SQLite's documentation gives; the wait is bounded.
func migrateSQLite(ctx context.Context, s *sqlStore) error {
	deadline := time.Now().Add(10 * time.Second)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		err := s.migrate(ctx)
		if err == nil || !isSQLiteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// isSQLiteBusy reports whether err is SQLITE_BUSY or one of its extended codes.
func isSQLiteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
