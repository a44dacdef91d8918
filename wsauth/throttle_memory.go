package wsauth

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"
)

// MemoryThrottleStore is the in-memory ThrottleStore, the default: one
// process's counts, bounded to a fixed number of keys.
//
// Memory: the table never holds more than its capacity of keys (17-byte
// keys, 16-byte entries). When full, expired entries are dropped, then
// arbitrary ones down to 90%; and every fourth time, the table is rebuilt,
// because a Go map never shrinks and its deleted slots otherwise make it
// grow under address churn (measured: ~5.8 MB at the default capacity
// after a million addresses without the rebuild). With it,
// BenchmarkThrottleChurn measured about 80 bytes per key, 0.8 MB live at
// DefaultThrottleCapacity, after one million and after ten million
// distinct addresses:
//
//	go test -run '^$' -bench BenchmarkThrottleChurn -benchtime 1000000x -benchmem ./wsauth
//	go test -run '^$' -bench BenchmarkThrottleChurn -benchtime 10000000x -benchmem ./wsauth
//
// (2026-11-30, Go 1.26.8, 2-core VM shared with other jobs, load ~18:
// 788,288 and 789,520 live bytes for 10,000 keys; the figure is taken
// after the run, so it can sit anywhere between two rebuilds).
type MemoryThrottleStore struct {
	mu       sync.Mutex
	capacity int
	now      func() time.Time
	m        map[memKey]memEntry
	// evictions counts evict's runs, to rebuild the table every
	// rebuildEvery of them.
	evictions int
}

// memKey is a ThrottleKey's prefix in 17 bytes (netip.Prefix takes 32).
type memKey struct {
	addr [16]byte
	bits uint8
}

// memEntry is one key's state: its failures in the window that ends at
// until (Unix nanoseconds), and its admitted attempts still in progress.
type memEntry struct {
	until    int64
	failed   int32
	inflight int32
}

var _ ThrottleStore = (*MemoryThrottleStore)(nil)

// NewMemoryThrottleStore returns an in-memory store tracking at most
// capacity keys (an IPv4 attempt uses one, an IPv6 attempt three). It
// panics if capacity is less than 1.
func NewMemoryThrottleStore(capacity int) *MemoryThrottleStore {
	if capacity < 1 {
		panic(fmt.Sprintf("wsauth: NewMemoryThrottleStore: capacity must be at least 1, got %d", capacity))
	}
	return newMemoryStore(capacity, time.Now)
}

func newMemoryStore(capacity int, now func() time.Time) *MemoryThrottleStore {
	return &MemoryThrottleStore{capacity: capacity, now: now, m: make(map[memKey]memEntry)}
}

func toMemKey(p netip.Prefix) memKey {
	return memKey{addr: p.Addr().As16(), bits: uint8(p.Bits())}
}

// Admit implements ThrottleStore. It never fails.
func (s *MemoryThrottleStore) Admit(_ context.Context, a *ThrottleAttempt) (ThrottleResult, error) {
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	res := ThrottleResult{Verdict: ThrottleAdmitted}
	for _, k := range a.Keys {
		e := s.m[toMemKey(k.Prefix)]
		failed := e.failed
		if now >= e.until {
			failed = 0
		}
		switch {
		case int(failed) >= k.Limit:
			res.Verdict = ThrottleBlocked
			res.RetryAfter = max(res.RetryAfter, time.Duration(e.until-now))
		case int(failed+e.inflight) >= k.Limit && res.Verdict == ThrottleAdmitted:
			res.Verdict = ThrottleBusy
		}
	}
	if res.Verdict != ThrottleAdmitted {
		return res, nil
	}
	for _, k := range a.Keys {
		mk := toMemKey(k.Prefix)
		e, ok := s.m[mk]
		if !ok && len(s.m) >= s.capacity {
			s.evict(now)
		}
		if now >= e.until {
			e.failed = 0
		}
		e.inflight++
		s.m[mk] = e
	}
	return res, nil
}

// Done implements ThrottleStore. It never fails.
func (s *MemoryThrottleStore) Done(_ context.Context, a *ThrottleAttempt, failed bool) error {
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range a.Keys {
		mk := toMemKey(k.Prefix)
		e, ok := s.m[mk]
		if !ok { // evicted while in progress
			if !failed {
				continue
			}
			if len(s.m) >= s.capacity {
				s.evict(now)
			}
		}
		if e.inflight > 0 {
			e.inflight--
		}
		if now >= e.until {
			e.failed = 0
		}
		if failed {
			if e.failed == 0 {
				e.until = now + int64(a.Window)
			}
			e.failed++
		}
		if e.failed == 0 && e.inflight == 0 {
			delete(s.m, mk) // successes leave nothing behind
			continue
		}
		s.m[mk] = e
	}
	return nil
}

// evict makes room: it drops every entry that is expired and not in
// progress, and if that frees less than a tenth of the capacity, arbitrary
// entries (map order) down to 90%, so the full scan runs at most once per
// capacity/10 new keys. It then copies the survivors into a new table: a Go
// map never shrinks, and deleting entries leaves their space in place.
func (s *MemoryThrottleStore) evict(now int64) {
	for k, e := range s.m {
		if now >= e.until && e.inflight == 0 {
			delete(s.m, k)
		}
	}
	target := s.capacity - max(s.capacity/10, 1)
	for k := range s.m {
		if len(s.m) <= target {
			break
		}
		delete(s.m, k)
	}
	if s.evictions++; s.evictions%rebuildEvery != 0 {
		return
	}
	fresh := make(map[memKey]memEntry, s.capacity)
	for k, e := range s.m {
		fresh[k] = e
	}
	s.m = fresh
}

// rebuildEvery is how many evictions pass between rebuilds of the table.
const rebuildEvery = 4

// size is the number of tracked keys (for tests).
func (s *MemoryThrottleStore) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
