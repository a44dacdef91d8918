// Package store keeps the NEXUS reference server's data: consciousness
// modules and the safety-status singleton.
//
// One [Store] interface has three implementations: SQLite (modernc.org/sqlite,
// pure Go, the zero-configuration default), PostgreSQL (github.com/jackc/pgx/v5)
// and an in-memory store for benchmarks. [Open] picks one from a DATABASE_URL
// and runs the schema migrations, which are idempotent, before returning.
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
