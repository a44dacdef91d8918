// Package pgtest gives tests an isolated PostgreSQL database: a fresh schema
// in the database named by NEXUS_TEST_DATABASE_URL, dropped when the test ends.
//
// Without NEXUS_TEST_DATABASE_URL the test is skipped with a message saying
// how to enable it, except under CI=true, where a missing database fails the
// test: CI must never pass by skipping PostgreSQL.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// EnvVar names the variable holding the test database URL.
const EnvVar = "NEXUS_TEST_DATABASE_URL"

// URL returns a postgres:// URL whose search_path is a new, empty schema.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests (.ci/run starts PostgreSQL and sets it)", EnvVar)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://nexus:nexus@127.0.0.1:5432/nexus_test) to run them", EnvVar)
	}
	schema := "t_" + uuid.NewString()[:8] + fmt.Sprint(time.Now().UnixNano()%1e6)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvVar, err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatalf("create test schema (is PostgreSQL running at %s?): %v", EnvVar, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
