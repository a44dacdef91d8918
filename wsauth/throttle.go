package wsauth

import (
	"net/netip"
	"sync"
	"time"
)

// throttle counts failed attempts per client address in fixed windows. Its
// memory is bounded by capacity entries of a few dozen bytes each.
//
// An attempt is admitted before it is authenticated and counts against the
// limit while it is in progress: checking the count first and recording
// the failure afterwards would let a client that sends many attempts at
// once (against a slow Authenticator, say) get all of them past the check
// before the first one fails.
type throttle struct {
	mu       sync.Mutex
	failures int
	window   time.Duration
	capacity int
	m        map[netip.Prefix]bucket
}

// bucket is one address's state: its failures in the window that began at
// start, and its admitted attempts still in progress.
type bucket struct {
	start    time.Time
	failed   int
	inflight int
}

// Throttle reasons, as they appear in the audit record.
const (
	reasonThrottled = "too_many_failures"
	reasonBusy      = "too_many_attempts_in_progress"
)

func newThrottle(failures int, window time.Duration, capacity int) *throttle {
	return &throttle{failures: failures, window: window, capacity: capacity, m: make(map[netip.Prefix]bucket)}
}

// throttleKey is the unit counted: one IPv4 address, or one IPv6 /64.
// The zero Prefix (an unparseable RemoteAddr, e.g. a Unix socket peer) is
// not throttled.
func throttleKey(a netip.Addr) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	if a.Is4() {
		return netip.PrefixFrom(a, 32)
	}
	p, _ := a.WithZone("").Prefix(64)
	return p
}

// admit reserves an attempt for key. It returns "" when the attempt may
// proceed (the caller must then call done), or the audit reason and how
// long the client should wait: until the window ends when key has used up
// its failures, a second when attempts already in progress fill the rest
// of its allowance.
func (t *throttle) admit(key netip.Prefix, now time.Time) (reason string, retryAfter time.Duration) {
	if !key.IsValid() {
		return "", 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.m[key]
	if !ok && len(t.m) >= t.capacity {
		t.evict(now)
	}
	if !ok || now.Sub(b.start) >= t.window {
		b.start, b.failed = now, 0
	}
	switch {
	case b.failed >= t.failures:
		return reasonThrottled, b.start.Add(t.window).Sub(now)
	case b.failed+b.inflight >= t.failures:
		return reasonBusy, time.Second
	}
	b.inflight++
	t.m[key] = b
	return "", 0
}

// done ends an attempt admit let through; failed records a client failure
// (401 or 403) in the window current at now.
func (t *throttle) done(key netip.Prefix, now time.Time, failed bool) {
	if !key.IsValid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.m[key]
	if !ok { // evicted while in progress
		if !failed {
			return
		}
		if len(t.m) >= t.capacity {
			t.evict(now)
		}
	}
	if b.inflight > 0 {
		b.inflight--
	}
	if failed {
		if !ok || now.Sub(b.start) >= t.window {
			b.start, b.failed = now, 0
		}
		b.failed++
	}
	if b.failed == 0 && b.inflight == 0 {
		delete(t.m, key) // successes leave nothing behind
		return
	}
	t.m[key] = b
}

// evict makes room: it drops every expired entry, and if that frees less
// than a tenth of the capacity, arbitrary entries (map order) down to 90%,
// so the full scan runs at most once per capacity/10 new addresses.
func (t *throttle) evict(now time.Time) {
	for k, b := range t.m {
		if now.Sub(b.start) >= t.window {
			delete(t.m, k)
		}
	}
	target := t.capacity - max(t.capacity/10, 1)
	for k := range t.m {
		if len(t.m) <= target {
			break
		}
		delete(t.m, k)
	}
}

// size is the number of tracked addresses (for tests).
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}
