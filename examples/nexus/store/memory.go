package store

import (
	"context"
	"sync"

	"github.com/google/uuid"
)

// memStore is a Store held in memory: nothing survives the process.
type memStore struct {
	mu     sync.RWMutex
	order  []uuid.UUID
	mods   map[uuid.UUID]Module
	safety SafetyStatus
}

var _ Store = (*memStore)(nil)

// NewMemory returns an empty in-memory Store, for benchmarks and tests where
// the database is not what is being measured.
func NewMemory() Store {
	s := &memStore{mods: make(map[uuid.UUID]Module), safety: DefaultSafetyStatus()}
	s.safety.UpdatedAt = now()
	return s
}

func (s *memStore) Kind() string               { return "memory" }
func (s *memStore) Ping(context.Context) error { return nil }
func (s *memStore) Close() error               { return nil }

func (s *memStore) ListModules(_ context.Context, offset, limit int) ([]Module, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	total := len(s.order)
	start := min(max(offset, 0), total)
	end := min(start+max(limit, 0), total)
	out := make([]Module, 0, end-start)
	for _, id := range s.order[start:end] {
		out = append(out, s.mods[id])
	}
	return out, total, nil
}

func (s *memStore) CreateModule(_ context.Context, m Module) (Module, error) {
	m, err := stamped(m)
	if err != nil {
		return Module{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mods[m.ID] = m
	s.order = append(s.order, m.ID)
	return m, nil
}

func (s *memStore) GetModule(_ context.Context, id uuid.UUID) (Module, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.mods[id]
	if !ok {
		return Module{}, ErrNotFound
	}
	return m, nil
}

func (s *memStore) UpdateModule(_ context.Context, id uuid.UUID, update func(*Module) error) (Module, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mods[id]
	if !ok {
		return Module{}, ErrNotFound
	}
	version := m.Version
	if err := update(&m); err != nil {
		return Module{}, err
	}
	if err := checkText(m); err != nil {
		return Module{}, err
	}
	m.ID = id
	m.UpdatedAt = now()
	m.Version = version + 1
	s.mods[m.ID] = m
	return m, nil
}

func (s *memStore) DeleteModule(_ context.Context, id uuid.UUID) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mods[id]
	if !ok {
		return 0, ErrNotFound
	}
	delete(s.mods, id)
	for i, v := range s.order {
		if v == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	return m.Version + 1, nil
}

func (s *memStore) SafetyStatus(context.Context) (SafetyStatus, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.safety, nil
}

func (s *memStore) UpdateSafetyStatus(_ context.Context, update func(*SafetyStatus) error) (SafetyStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.safety
	if err := update(&st); err != nil {
		return SafetyStatus{}, err
	}
	st.UpdatedAt = now()
	st.Version = s.safety.Version + 1
	s.safety = st
	return st, nil
}
