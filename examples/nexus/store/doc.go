// Package store keeps the NEXUS reference server's data: consciousness
// modules and the safety-status singleton.
//
// One [Store] interface has three implementations: SQLite (modernc.org/sqlite,
// pure Go, the zero-configuration default), PostgreSQL (github.com/jackc/pgx/v5)
// and an in-memory store for benchmarks. [Open] picks one from a DATABASE_URL
// and runs the schema migrations, which are idempotent, before returning.
//
// Versions: every module and the safety status carry a version, 1 when
// created and incremented by the database in the UPDATE itself (version =
// version + 1 ... RETURNING version), under the row lock the update holds,
// so concurrent updates get consecutive versions and a client can order two
// copies of a row without trusting any clock. DeleteModule returns the
// deletion's version, one more than the last.
//
// Text: every store refuses a string with a NUL character or invalid UTF-8
// ([ErrInvalidText], as an [*InvalidTextError] naming the field), because
// PostgreSQL's text type cannot hold NUL: the same input gets the same
// answer whatever the backend. Safety scores are float64 (DOUBLE PRECISION in
// PostgreSQL), so 95.5 is kept.
//
// Durability: a write is acknowledged only after its transaction commits. SQLite
// runs in WAL mode with synchronous=FULL, so a committed transaction survives
// both a killed process and a power loss; PostgreSQL commits synchronously by
// default.
//
//	st, err := store.Open(ctx, "sqlite:nexus.db")
//	if err != nil { ... }
//	defer st.Close()
//	m, err := st.CreateModule(ctx, store.Module{Name: "Perception", Type: "sensory", Status: "active"})
package store
