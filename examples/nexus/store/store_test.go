package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/examples/nexus/internal/pgtest"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

// backend opens a fresh, empty store and says how to reopen the same data.
type backend struct {
	name string
	// open returns a URL for a fresh database; "" means use NewMemory.
	url func(t *testing.T) string
}

var backends = []backend{
	{"memory", func(*testing.T) string { return "" }},
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "nexus.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

func open(t *testing.T, url string) store.Store {
	t.Helper()
	if url == "" {
		return store.NewMemory()
	}
	st, err := store.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestStore runs the same suite against every backend.
func TestStore(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					url := b.url(t)
					st := open(t, url)
					if url == "" {
						assert.Equal(t, "memory", st.Kind())
					} else {
						assert.Equal(t, b.name, st.Kind())
					}
					tc.run(t, st)
				})
			}
		})
	}
}

var suite = []struct {
	name string
	run  func(t *testing.T, st store.Store)
}{
	{"create and get", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		given := uuid.New()
		before := time.Now().Add(-time.Second)
		m, err := st.CreateModule(ctx, store.Module{ID: given, Name: "Perception", Type: "sensory",
			Status: "active", IntegrationLevel: 42, Description: "sees"})
		require.NoError(t, err)
		assert.NotEqual(t, given, m.ID, "the server assigns ids")
		assert.Equal(t, uuid.Version(4), m.ID.Version())
		assert.True(t, m.CreatedAt.After(before))
		assert.Equal(t, m.CreatedAt, m.UpdatedAt)
		got, err := st.GetModule(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, m, got, "a module reads back exactly as written, timestamps included")
		require.NoError(t, st.Ping(ctx))
	}},
	{"get unknown", func(t *testing.T, st store.Store) {
		_, err := st.GetModule(context.Background(), uuid.New())
		assert.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"list paginates oldest first with total", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		var ids []uuid.UUID
		for i := range 7 {
			m, err := st.CreateModule(ctx, store.Module{Name: "m" + string(rune('a'+i)), Type: "t", Status: "s", IntegrationLevel: i})
			require.NoError(t, err)
			ids = append(ids, m.ID)
			time.Sleep(2 * time.Millisecond) // distinct creation times
		}
		tests := []struct {
			offset, limit int
			want          []uuid.UUID
		}{
			{0, 3, ids[0:3]},
			{3, 3, ids[3:6]},
			{6, 3, ids[6:7]},
			{9, 3, nil},
			{0, 100, ids},
		}
		for _, tt := range tests {
			got, total, err := st.ListModules(ctx, tt.offset, tt.limit)
			require.NoError(t, err)
			assert.Equal(t, 7, total)
			var gotIDs []uuid.UUID
			for _, m := range got {
				gotIDs = append(gotIDs, m.ID)
			}
			assert.Equal(t, tt.want, gotIDs, "offset %d limit %d", tt.offset, tt.limit)
		}
	}},
	{"update applies and stamps", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		m, err := st.CreateModule(ctx, store.Module{Name: "a", Type: "t", Status: "idle", IntegrationLevel: 1})
		require.NoError(t, err)
		time.Sleep(2 * time.Millisecond)
		up, err := st.UpdateModule(ctx, m.ID, func(x *store.Module) error {
			x.Status = "active"
			x.IntegrationLevel = 99
			x.ID = uuid.New() // ignored
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, m.ID, up.ID)
		assert.Equal(t, "active", up.Status)
		assert.Equal(t, 99, up.IntegrationLevel)
		assert.Equal(t, "a", up.Name)
		assert.Equal(t, m.CreatedAt, up.CreatedAt)
		assert.True(t, up.UpdatedAt.After(m.UpdatedAt))
		got, err := st.GetModule(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, up, got)
	}},
	{"update error aborts", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		m, err := st.CreateModule(ctx, store.Module{Name: "a", Type: "t", Status: "idle"})
		require.NoError(t, err)
		boom := errors.New("boom")
		_, err = st.UpdateModule(ctx, m.ID, func(x *store.Module) error { x.Name = "changed"; return boom })
		assert.ErrorIs(t, err, boom)
		got, err := st.GetModule(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, m, got)
		_, err = st.UpdateModule(ctx, uuid.New(), func(*store.Module) error { return nil })
		assert.ErrorIs(t, err, store.ErrNotFound)
	}},
	{"concurrent updates are not lost", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		m, err := st.CreateModule(ctx, store.Module{Name: "a", Type: "t", Status: "s"})
		require.NoError(t, err)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				_, err := st.UpdateModule(ctx, m.ID, func(x *store.Module) error { x.IntegrationLevel++; return nil })
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		got, err := st.GetModule(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, 20, got.IntegrationLevel)
	}},
	{"delete", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		m, err := st.CreateModule(ctx, store.Module{Name: "a", Type: "t", Status: "s"})
		require.NoError(t, err)
		v, err := st.DeleteModule(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, m.Version+1, v, "a deletion is the module's next version")
		_, err = st.GetModule(ctx, m.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = st.DeleteModule(ctx, m.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, total, err := st.ListModules(ctx, 0, 10)
		require.NoError(t, err)
		assert.Zero(t, total)
	}},
	{"versions are counted by the store", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		m, err := st.CreateModule(ctx, store.Module{Name: "v", Type: "t", Status: "s", Version: 42})
		require.NoError(t, err)
		assert.Equal(t, int64(1), m.Version, "a new module is version 1, whatever the caller says")
		for want := int64(2); want <= 4; want++ {
			up, err := st.UpdateModule(ctx, m.ID, func(x *store.Module) error { x.Version = 99; x.IntegrationLevel++; return nil })
			require.NoError(t, err)
			assert.Equal(t, want, up.Version)
		}
		got, err := st.GetModule(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(4), got.Version, "the version reads back")
		// Concurrent updates get distinct, consecutive versions.
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				up, err := st.UpdateModule(ctx, m.ID, func(x *store.Module) error { x.IntegrationLevel++; return nil })
				if assert.NoError(t, err) {
					mu.Lock()
					seen[up.Version] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for v := int64(5); v <= 14; v++ {
			assert.True(t, seen[v], "version %d handed out once", v)
		}
	}},
	{"text no store can keep is refused by every store", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		for _, bad := range []store.Module{
			{Name: "nul\x00byte", Type: "t", Status: "s"},
			{Name: "ok", Type: "t", Status: "s", Description: "tail\x00"},
			{Name: "bad utf-8 \xff", Type: "t", Status: "s"},
		} {
			_, err := st.CreateModule(ctx, bad)
			require.ErrorIs(t, err, store.ErrInvalidText, "%q", bad)
			var ite *store.InvalidTextError
			require.ErrorAs(t, err, &ite)
			assert.Contains(t, []string{"name", "description"}, ite.Field)
		}
		m, err := st.CreateModule(ctx, store.Module{Name: "fine", Type: "t", Status: "s"})
		require.NoError(t, err)
		_, err = st.UpdateModule(ctx, m.ID, func(x *store.Module) error { x.Description = "a\x00b"; return nil })
		require.ErrorIs(t, err, store.ErrInvalidText)
		got, err := st.GetModule(ctx, m.ID)
		require.NoError(t, err)
		assert.Equal(t, m, got, "a refused update changes nothing")
		_, total, err := st.ListModules(ctx, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, 1, total)
	}},
	{"safety scores keep decimals", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s1, err := st.UpdateSafetyStatus(ctx, func(s *store.SafetyStatus) error {
			s.HumanOversight, s.Transparency = 95.5, 0.25
			return nil
		})
		require.NoError(t, err)
		got, err := st.SafetyStatus(ctx)
		require.NoError(t, err)
		assert.Equal(t, s1, got)
		assert.Equal(t, 95.5, got.HumanOversight)
		assert.Equal(t, 0.25, got.Transparency)
	}},
	{"safety status", func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s0, err := st.SafetyStatus(ctx)
		require.NoError(t, err)
		want := store.DefaultSafetyStatus()
		want.UpdatedAt = s0.UpdatedAt
		assert.Equal(t, want, s0)
		time.Sleep(2 * time.Millisecond)
		s1, err := st.UpdateSafetyStatus(ctx, func(s *store.SafetyStatus) error { s.ValueAlignment = 73; return nil })
		require.NoError(t, err)
		assert.Equal(t, 73.0, s1.ValueAlignment)
		assert.Equal(t, 100.0, s1.EthicalCompliance)
		assert.Equal(t, s0.Version+1, s1.Version)
		assert.True(t, s1.UpdatedAt.After(s0.UpdatedAt))
		_, err = st.UpdateSafetyStatus(ctx, func(s *store.SafetyStatus) error { s.ValueAlignment = 1; return errors.New("no") })
		require.Error(t, err)
		got, err := st.SafetyStatus(ctx)
		require.NoError(t, err)
		assert.Equal(t, s1, got)
	}},
}

// TestReopen checks that migrations are idempotent, that concurrent starts
// agree, and that data survives a reopen.
func TestReopen(t *testing.T) {
	t.Parallel()
	for _, b := range backends[1:] {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url := b.url(t)
			ctx := context.Background()
			var wg sync.WaitGroup
			stores := make([]store.Store, 3)
			for i := range stores {
				wg.Go(func() {
					st, err := store.Open(ctx, url)
					if assert.NoError(t, err) {
						stores[i] = st
					}
				})
			}
			wg.Wait()
			for i, st := range stores {
				require.NotNil(t, st, "concurrent open %d failed", i)
			}
			m, err := stores[0].CreateModule(ctx, store.Module{Name: "keep", Type: "t", Status: "s"})
			require.NoError(t, err)
			_, err = stores[1].UpdateSafetyStatus(ctx, func(s *store.SafetyStatus) error { s.Transparency = 5; return nil })
			require.NoError(t, err)
			for _, st := range stores {
				require.NoError(t, st.Close())
			}
			st := open(t, url)
			got, err := st.GetModule(ctx, m.ID)
			require.NoError(t, err)
			assert.Equal(t, m, got)
			s, err := st.SafetyStatus(ctx)
			require.NoError(t, err)
			assert.Equal(t, 5.0, s.Transparency, "a reopen must not reseed the safety status")
		})
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, want string
	}{
		{"mysql://u@h/db", "unsupported database URL scheme"},
		{"sqlite:", "no file path"},
		{"postgres://u:hunter2@[::1", "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			_, err := store.Open(context.Background(), tt.url)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2", "passwords never appear in errors")
		})
	}
}
