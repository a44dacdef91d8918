// Package throttletest is a conformance suite for wsauth.ThrottleStore
// implementations: run it from a store's tests so that it behaves like the
// in-memory default wherever wsauth relies on it.
//
//	func TestConformance(t *testing.T) {
//		throttletest.Run(t, func(t *testing.T) wsauth.ThrottleStore { return newStore(t) })
//	}
//
// It covers failure windows (blocking, Retry-After, expiry, the window
// starting at the first failure), attempts in progress (counted, busy
// rather than blocked, released by Done), keys counted independently and
// all keys of an attempt checked at once, and concurrent admits never
// exceeding a limit. Each test uses keys of its own, random within
// 2001:db8::/32, so a store shared by the tests (one Redis server) is fine.
// Windows are a second long: the suite takes a few seconds, its subtests
// run in parallel.
package throttletest

import (
	"context"
	"crypto/rand"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexuskit/nexus/wsauth"
)

// window is the suite's failure window: long enough for a store's round
// trips on a loaded machine, short enough to wait out.
const window = time.Second

// ids numbers the suite's attempts; unique within the process.
var ids atomic.Uint64

// Run runs the conformance suite. newStore returns the store for one
// subtest; it may return the same store every time.
func Run(t *testing.T, newStore func(t *testing.T) wsauth.ThrottleStore) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s wsauth.ThrottleStore)
	}{
		{"FailuresBlockUntilWindowEnds", failuresBlock},
		{"SuccessesDoNotCount", successesDoNotCount},
		{"InProgressCountsAndIsReleased", inProgress},
		{"BusyIsNotBlocked", busyIsNotBlocked},
		{"InProgressThenFailedBlocks", inProgressThenFailed},
		{"KeysAreIndependent", keysIndependent},
		{"EveryKeyIsChecked", everyKeyChecked},
		{"RefusedAttemptChangesNothing", refusedChangesNothing},
		{"WindowStartsAtFirstFailure", windowStartsAtFirstFailure},
		{"ConcurrentAdmitsNeverExceedLimit", concurrentAdmits},
		{"ConcurrentFailuresNeverExceedLimit", concurrentFailures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

// newKey returns a /64 key with limit, random within 2001:db8::/32.
func newKey(limit int) wsauth.ThrottleKey {
	var b [16]byte
	_, _ = rand.Read(b[4:8])
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	p, _ := netip.AddrFrom16(b).Prefix(64)
	return wsauth.ThrottleKey{Prefix: p, Limit: limit}
}

func attempt(keys ...wsauth.ThrottleKey) *wsauth.ThrottleAttempt {
	return &wsauth.ThrottleAttempt{ID: ids.Add(1), Keys: keys, Window: window, Lease: 10 * window}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func admit(t *testing.T, s wsauth.ThrottleStore, a *wsauth.ThrottleAttempt) wsauth.ThrottleResult {
	t.Helper()
	res, err := s.Admit(ctx(t), a)
	if err != nil {
		t.Fatalf("Admit: %v", err)
	}
	return res
}

func done(t *testing.T, s wsauth.ThrottleStore, a *wsauth.ThrottleAttempt, failed bool) {
	t.Helper()
	if err := s.Done(ctx(t), a, failed); err != nil {
		t.Fatalf("Done: %v", err)
	}
}

func want(t *testing.T, got wsauth.ThrottleResult, v wsauth.ThrottleVerdict, what string) {
	t.Helper()
	if got.Verdict != v {
		t.Fatalf("%s: verdict %v, want %v", what, got.Verdict, v)
	}
}

// fail makes one attempt on keys that is admitted and then fails.
func fail(t *testing.T, s wsauth.ThrottleStore, keys ...wsauth.ThrottleKey) {
	t.Helper()
	a := attempt(keys...)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "attempt before the limit")
	done(t, s, a, true)
}

func failuresBlock(t *testing.T, s wsauth.ThrottleStore) {
	k := newKey(3)
	start := time.Now()
	for range 3 {
		fail(t, s, k)
	}
	res := admit(t, s, attempt(k))
	want(t, res, wsauth.ThrottleBlocked, "after Limit failures")
	if res.RetryAfter <= 0 || res.RetryAfter > window {
		t.Fatalf("RetryAfter %v, want within (0, %v]", res.RetryAfter, window)
	}
	if elapsed := time.Since(start); res.RetryAfter > window-elapsed+100*time.Millisecond {
		t.Errorf("RetryAfter %v, but the window began %v ago", res.RetryAfter, elapsed)
	}
	time.Sleep(res.RetryAfter + 150*time.Millisecond)
	a := attempt(k)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "after the window ended")
	done(t, s, a, false)
}

func successesDoNotCount(t *testing.T, s wsauth.ThrottleStore) {
	k := newKey(2)
	for range 10 {
		a := attempt(k)
		want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "success")
		done(t, s, a, false)
	}
	fail(t, s, k)
	fail(t, s, k)
	want(t, admit(t, s, attempt(k)), wsauth.ThrottleBlocked, "after two failures")
}

func inProgress(t *testing.T, s wsauth.ThrottleStore) {
	k := newKey(3)
	var open []*wsauth.ThrottleAttempt
	for range 3 {
		a := attempt(k)
		want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "in progress below the limit")
		open = append(open, a)
	}
	want(t, admit(t, s, attempt(k)), wsauth.ThrottleBusy, "attempts in progress fill the limit")
	done(t, s, open[0], false)
	a := attempt(k)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "a place was released")
	for _, o := range append(open[1:], a) {
		done(t, s, o, false)
	}
	for range 3 {
		a := attempt(k)
		want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "all released")
		defer done(t, s, a, false)
	}
}

func busyIsNotBlocked(t *testing.T, s wsauth.ThrottleStore) {
	k := newKey(3)
	fail(t, s, k)
	fail(t, s, k)
	a := attempt(k)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "third attempt")
	want(t, admit(t, s, attempt(k)), wsauth.ThrottleBusy, "failures plus one in progress")
	done(t, s, a, false)
	b := attempt(k)
	want(t, admit(t, s, b), wsauth.ThrottleAdmitted, "after the success")
	done(t, s, b, true)
	want(t, admit(t, s, attempt(k)), wsauth.ThrottleBlocked, "three failures")
}

func inProgressThenFailed(t *testing.T, s wsauth.ThrottleStore) {
	k := newKey(2)
	a, b := attempt(k), attempt(k)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "first")
	want(t, admit(t, s, b), wsauth.ThrottleAdmitted, "second")
	done(t, s, a, true)
	done(t, s, b, true)
	want(t, admit(t, s, attempt(k)), wsauth.ThrottleBlocked, "both failed")
}

func keysIndependent(t *testing.T, s wsauth.ThrottleStore) {
	k1, k2 := newKey(1), newKey(1)
	fail(t, s, k1)
	want(t, admit(t, s, attempt(k1)), wsauth.ThrottleBlocked, "k1")
	a := attempt(k2)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "k2 is another key")
	done(t, s, a, false)
}

func everyKeyChecked(t *testing.T, s wsauth.ThrottleStore) {
	agg := newKey(2) // an aggregate with a lower limit than its members
	m1, m2, m3 := newKey(5), newKey(5), newKey(5)
	fail(t, s, m1, agg)
	fail(t, s, m2, agg)
	res := admit(t, s, attempt(m3, agg))
	want(t, res, wsauth.ThrottleBlocked, "the aggregate is used up")
	if res.RetryAfter <= 0 || res.RetryAfter > window {
		t.Fatalf("RetryAfter %v", res.RetryAfter)
	}
	// In progress on the aggregate: busy for another member.
	agg2 := newKey(1)
	a := attempt(m1, agg2)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "first on agg2")
	want(t, admit(t, s, attempt(m3, agg2)), wsauth.ThrottleBusy, "agg2 in progress")
	done(t, s, a, false)
}

func refusedChangesNothing(t *testing.T, s wsauth.ThrottleStore) {
	blocked, free := newKey(1), newKey(1)
	fail(t, s, blocked)
	for range 3 {
		want(t, admit(t, s, attempt(free, blocked)), wsauth.ThrottleBlocked, "blocked by its second key")
	}
	a := attempt(free)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "refused attempts left nothing in progress on the free key")
	done(t, s, a, false)
}

func windowStartsAtFirstFailure(t *testing.T, s wsauth.ThrottleStore) {
	k := newKey(2)
	fail(t, s, k)
	time.Sleep(window + 150*time.Millisecond)
	fail(t, s, k) // a new window: one failure in it
	a := attempt(k)
	want(t, admit(t, s, a), wsauth.ThrottleAdmitted, "one failure in the new window")
	done(t, s, a, true)
	res := admit(t, s, attempt(k))
	want(t, res, wsauth.ThrottleBlocked, "two failures in the new window")
	if res.RetryAfter > window {
		t.Fatalf("RetryAfter %v beyond the window", res.RetryAfter)
	}
}

func concurrentAdmits(t *testing.T, s wsauth.ThrottleStore) {
	const limit, n = 5, 40
	k := newKey(limit)
	var admitted []*wsauth.ThrottleAttempt
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			a := attempt(k)
			res, err := s.Admit(ctx(t), a)
			if err != nil {
				errs <- err
				return
			}
			if res.Verdict == wsauth.ThrottleAdmitted {
				mu.Lock()
				admitted = append(admitted, a)
				mu.Unlock()
			} else if res.Verdict != wsauth.ThrottleBusy {
				errs <- errVerdict(res.Verdict)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(admitted) != limit {
		t.Fatalf("%d concurrent attempts admitted, want exactly %d", len(admitted), limit)
	}
	for _, a := range admitted {
		done(t, s, a, false)
	}
}

func concurrentFailures(t *testing.T, s wsauth.ThrottleStore) {
	const limit, n = 5, 40
	k := newKey(limit)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				a := attempt(k)
				res, err := s.Admit(ctx(t), a)
				if err != nil {
					t.Error(err)
					return
				}
				switch res.Verdict {
				case wsauth.ThrottleAdmitted:
					admitted.Add(1)
					if err := s.Done(ctx(t), a, true); err != nil {
						t.Error(err)
					}
					return
				case wsauth.ThrottleBlocked:
					return
				}
				time.Sleep(time.Millisecond) // busy: retry, as Middleware does
			}
		})
	}
	wg.Wait()
	if got := admitted.Load(); got != limit {
		t.Fatalf("%d guesses got through, want exactly %d", got, limit)
	}
	want(t, admit(t, s, attempt(k)), wsauth.ThrottleBlocked, "after the concurrent failures")
}

type errVerdict wsauth.ThrottleVerdict

func (e errVerdict) Error() string { return "unexpected verdict " + wsauth.ThrottleVerdict(e).String() }
