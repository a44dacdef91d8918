package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// dialect holds what differs between the SQL backends.
type dialect struct {
	kind string
	// migrations are applied in order; index+1 is the schema version.
	migrations []string
	// lock serializes concurrent migrators inside the migration transaction.
	lock string
	// encodeTime turns a time into the column's representation.
	encodeTime func(time.Time) any
	// numbered reports whether placeholders are $1, $2... instead of ?.
	numbered bool
}

// sqlStore implements Store over database/sql.
type sqlStore struct {
	db *sql.DB
	d  dialect
}

var _ Store = (*sqlStore)(nil)

func (s *sqlStore) Kind() string { return s.d.kind }

func (s *sqlStore) Close() error { return s.db.Close() }

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// q rewrites ? placeholders for dialects that number them.
func (s *sqlStore) q(query string) string {
	if !s.d.numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrate brings the schema to the newest version. It is idempotent and safe
// to run from several processes at once.
func (s *sqlStore) migrate(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.lock != "" {
			if _, err := tx.ExecContext(ctx, s.d.lock); err != nil {
				return fmt.Errorf("store: lock migrations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
			return fmt.Errorf("store: create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("store: read schema version: %w", err)
		}
		for i := current; i < len(s.d.migrations); i++ {
			if _, err := tx.ExecContext(ctx, s.d.migrations[i]); err != nil {
				return fmt.Errorf("store: migration %d: %w", i+1, err)
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version) VALUES (?)`), i+1); err != nil {
				return fmt.Errorf("store: record migration %d: %w", i+1, err)
			}
		}
		def := DefaultSafetyStatus()
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO safety_status (id, ethical_compliance, value_alignment,
			harm_prevention, transparency, human_oversight, containment_integrity, updated_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
			def.EthicalCompliance, def.ValueAlignment, def.HarmPrevention, def.Transparency,
			def.HumanOversight, def.ContainmentIntegrity, s.d.encodeTime(now()))
		if err != nil {
			return fmt.Errorf("store: seed safety status: %w", err)
		}
		return nil
	})
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *sqlStore) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// timeCol scans a timestamp stored either as microseconds since the epoch
// (SQLite) or as a native timestamp (PostgreSQL).
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case time.Time:
		*c.t = v.UTC()
	default:
		return fmt.Errorf("store: cannot scan %T into a time", src)
	}
	return nil
}

const moduleColumns = `id, name, type, status, integration_level, description, created_at, updated_at, version`

type scanner interface{ Scan(dest ...any) error }

func scanModule(r scanner) (Module, error) {
	var m Module
	err := r.Scan(&m.ID, &m.Name, &m.Type, &m.Status, &m.IntegrationLevel, &m.Description,
		timeCol{&m.CreatedAt}, timeCol{&m.UpdatedAt}, &m.Version)
	return m, err
}

func (s *sqlStore) ListModules(ctx context.Context, offset, limit int) ([]Module, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM modules`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count modules: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+moduleColumns+` FROM modules
		ORDER BY created_at, id LIMIT ? OFFSET ?`), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list modules: %w", err)
	}
	defer rows.Close()
	mods := make([]Module, 0, limit)
	for rows.Next() {
		m, err := scanModule(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: list modules: %w", err)
		}
		mods = append(mods, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list modules: %w", err)
	}
	return mods, total, nil
}

func (s *sqlStore) CreateModule(ctx context.Context, m Module) (Module, error) {
	m, err := stamped(m)
	if err != nil {
		return Module{}, err
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO modules (`+moduleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		m.ID.String(), m.Name, m.Type, m.Status, m.IntegrationLevel, m.Description,
		s.d.encodeTime(m.CreatedAt), s.d.encodeTime(m.UpdatedAt), m.Version)
	if err != nil {
		return Module{}, fmt.Errorf("store: create module: %w", err)
	}
	return m, nil
}

func (s *sqlStore) GetModule(ctx context.Context, id uuid.UUID) (Module, error) {
	m, err := scanModule(s.db.QueryRowContext(ctx, s.q(`SELECT `+moduleColumns+` FROM modules WHERE id = ?`), id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return Module{}, ErrNotFound
	}
	if err != nil {
		return Module{}, fmt.Errorf("store: get module: %w", err)
	}
	return m, nil
}

func (s *sqlStore) UpdateModule(ctx context.Context, id uuid.UUID, update func(*Module) error) (Module, error) {
	var out Module
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		m, err := scanModule(tx.QueryRowContext(ctx, s.q(`SELECT `+moduleColumns+` FROM modules WHERE id = ?`+s.forUpdate()), id.String()))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: update module: %w", err)
		}
		if err := update(&m); err != nil {
			return err
		}
		if err := checkText(m); err != nil {
			return err
		}
		m.ID = id
		m.UpdatedAt = now()
		// The database increments the version: the row lock taken above
		// (or SQLite's write lock) orders concurrent updates.
		err = tx.QueryRowContext(ctx, s.q(`UPDATE modules SET name = ?, type = ?, status = ?,
			integration_level = ?, description = ?, updated_at = ?, version = version + 1 WHERE id = ?
			RETURNING version`),
			m.Name, m.Type, m.Status, m.IntegrationLevel, m.Description, s.d.encodeTime(m.UpdatedAt), id.String()).Scan(&m.Version)
		if err != nil {
			return fmt.Errorf("store: update module: %w", err)
		}
		out = m
		return nil
	})
	return out, err
}

// forUpdate locks the selected row where the dialect supports it; SQLite's
// immediate transactions already hold the write lock.
func (s *sqlStore) forUpdate() string {
	if s.d.kind == "postgres" {
		return " FOR UPDATE"
	}
	return ""
}

func (s *sqlStore) DeleteModule(ctx context.Context, id uuid.UUID) (int64, error) {
	var version int64
	err := s.db.QueryRowContext(ctx, s.q(`DELETE FROM modules WHERE id = ? RETURNING version`), id.String()).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("store: delete module: %w", err)
	}
	return version + 1, nil
}

const safetyColumns = `ethical_compliance, value_alignment, harm_prevention, transparency,
	human_oversight, containment_integrity, updated_at, version`

func scanSafety(r scanner) (SafetyStatus, error) {
	var st SafetyStatus
	err := r.Scan(&st.EthicalCompliance, &st.ValueAlignment, &st.HarmPrevention, &st.Transparency,
		&st.HumanOversight, &st.ContainmentIntegrity, timeCol{&st.UpdatedAt}, &st.Version)
	return st, err
}

func (s *sqlStore) SafetyStatus(ctx context.Context) (SafetyStatus, error) {
	st, err := scanSafety(s.db.QueryRowContext(ctx, `SELECT `+safetyColumns+` FROM safety_status WHERE id = 1`))
	if err != nil {
		return SafetyStatus{}, fmt.Errorf("store: safety status: %w", err)
	}
	return st, nil
}

func (s *sqlStore) UpdateSafetyStatus(ctx context.Context, update func(*SafetyStatus) error) (SafetyStatus, error) {
	var out SafetyStatus
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := scanSafety(tx.QueryRowContext(ctx, `SELECT `+safetyColumns+` FROM safety_status WHERE id = 1`+s.forUpdate()))
		if err != nil {
			return fmt.Errorf("store: update safety status: %w", err)
		}
		if err := update(&st); err != nil {
			return err
		}
		st.UpdatedAt = now()
		err = tx.QueryRowContext(ctx, s.q(`UPDATE safety_status SET ethical_compliance = ?, value_alignment = ?,
			harm_prevention = ?, transparency = ?, human_oversight = ?, containment_integrity = ?,
			updated_at = ?, version = version + 1 WHERE id = 1 RETURNING version`),
			st.EthicalCompliance, st.ValueAlignment, st.HarmPrevention, st.Transparency,
			st.HumanOversight, st.ContainmentIntegrity, s.d.encodeTime(st.UpdatedAt)).Scan(&st.Version)
		if err != nil {
			return fmt.Errorf("store: update safety status: %w", err)
		}
		out = st
		return nil
	})
	return out, err
}
