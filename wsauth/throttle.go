package wsauth

import (
	"net/netip"
	"sync"
	"time"
)

// throttle counts failed attempts per client address in fixed windows. Its
// memory is bounded by capacity entries of a few dozen bytes each.
type throttle struct {
	mu       sync.Mutex
	failures int
	window   time.Duration
	capacity int
	m        map[netip.Prefix]bucket
}

// bucket is one address's failures in the window that began at start.
type bucket struct {
	start time.Time
	n     int
}

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

// blocked reports whether key has used up its failures in the current
// window, and how long until the window ends.
func (t *throttle) blocked(key netip.Prefix, now time.Time) (time.Duration, bool) {
	if !key.IsValid() {
		return 0, false
	}
	t.mu.Lock()
	b, ok := t.m[key]
	t.mu.Unlock()
	if !ok || b.n < t.failures {
		return 0, false
	}
	left := b.start.Add(t.window).Sub(now)
	if left <= 0 {
		return 0, false
	}
	return left, true
}

// fail records a failed attempt from key.
func (t *throttle) fail(key netip.Prefix, now time.Time) {
	if !key.IsValid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.m[key]
	if !ok || now.Sub(b.start) >= t.window {
		if !ok && len(t.m) >= t.capacity {
			t.evict(now)
		}
		b = bucket{start: now}
	}
	b.n++
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
