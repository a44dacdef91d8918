package wsauth

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nexuskit/nexus/requestid"
)

// ThrottleStore keeps the throttle's counts: per key, the credentials
// refused in the current window and the attempts in progress. The default
// is an in-memory store per Middleware (NewMemoryThrottleStore); a shared
// store (such as github.com/nexuskit/nexus/wsauth/redisthrottle) makes
// several replicas count together. Set one with ThrottleStorage.
//
// Implementations must be safe for concurrent use, and Admit must be
// atomic across all the keys of an attempt: of many concurrent Admits for
// a key, no more may be admitted than its Limit minus its failures. The
// package throttletest holds a conformance suite to run against an
// implementation.
type ThrottleStore interface {
	// Admit reserves an attempt against each of a.Keys. It admits the
	// attempt, and counts it as in progress for every key, only if for
	// every key failures plus attempts in progress stay below its Limit.
	// Otherwise it changes nothing and returns ThrottleBlocked, with the
	// time until the latest blocking window ends, when some key's failures
	// alone reach its Limit, or ThrottleBusy when attempts in progress
	// fill what is left.
	Admit(ctx context.Context, a *ThrottleAttempt) (ThrottleResult, error)
	// Done ends an attempt Admit admitted: it no longer counts as in
	// progress, and when failed is true it counts as a failure for every
	// key, in the window current for that key (a key without failures in a
	// live window starts one of a.Window).
	Done(ctx context.Context, a *ThrottleAttempt, failed bool) error
}

// ThrottleKey is one unit an attempt counts against.
type ThrottleKey struct {
	// Prefix is the client's address block: an IPv4 address (/32), or an
	// IPv6 /64 and its /56 and /48 aggregates.
	Prefix netip.Prefix
	// Limit is how many failures the block may have in one window.
	Limit int
}

// ThrottleAttempt is one authentication attempt as a ThrottleStore sees
// it. The same value is passed to Admit and to its Done.
type ThrottleAttempt struct {
	// ID tells attempts of one Middleware apart (a store shared by several
	// processes must combine it with something unique to the process).
	ID uint64
	// Keys are the units the attempt counts against, most specific first.
	Keys []ThrottleKey
	// Window is how long a key stays blocked after its first failure.
	Window time.Duration
	// Lease bounds how long an attempt may count as in progress without
	// Done (a process that died mid-attempt); stores that cannot lose a
	// Done may ignore it.
	Lease time.Duration
}

// ThrottleVerdict is Admit's decision.
type ThrottleVerdict int

// The verdicts of Admit.
const (
	// ThrottleAdmitted: the attempt may proceed; Done must follow.
	ThrottleAdmitted ThrottleVerdict = iota
	// ThrottleBusy: attempts in progress fill the rest of the allowance;
	// the attempt may be retried once one of them ends.
	ThrottleBusy
	// ThrottleBlocked: failures used up the allowance until the window
	// ends (RetryAfter).
	ThrottleBlocked
)

// ThrottleResult is what Admit returns.
type ThrottleResult struct {
	Verdict ThrottleVerdict
	// RetryAfter is, for ThrottleBlocked, the time until the window ends.
	RetryAfter time.Duration
}

// Throttle reasons, as they appear in the audit record.
const (
	reasonThrottled = "too_many_failures"
	reasonBusy      = "too_many_attempts_in_progress"
)

// IPv6 aggregate prefix lengths counted besides the /64.
const (
	aggregateBits56 = 56
	aggregateBits48 = 48
)

// throttleKeys fills dst with the units client counts against: one IPv4
// address; or an IPv6 /64 (the block one subscriber usually holds) with its
// /56 (a home's usual delegation) and /48 (a site's), whose limits are
// higher so that one subscriber's many /64s cannot multiply its guesses.
// An invalid address (an unparseable RemoteAddr, e.g. a Unix socket peer)
// gives no keys: it is not throttled.
func (c *config) throttleKeys(dst *[3]ThrottleKey, client netip.Addr) []ThrottleKey {
	if !client.IsValid() {
		return nil
	}
	if client.Is4() {
		dst[0] = ThrottleKey{Prefix: netip.PrefixFrom(client, 32), Limit: c.failures}
		return dst[:1]
	}
	a := client.WithZone("")
	p64, _ := a.Prefix(64)
	p56, _ := a.Prefix(aggregateBits56)
	p48, _ := a.Prefix(aggregateBits48)
	dst[0] = ThrottleKey{Prefix: p64, Limit: c.failures}
	dst[1] = ThrottleKey{Prefix: p56, Limit: c.failures56}
	dst[2] = ThrottleKey{Prefix: p48, Limit: c.failures48}
	return dst[:3]
}

// throttleMaxWait bounds how long an attempt waits for attempts in
// progress from its address to end before it gets 429.
const throttleMaxWait = 5 * time.Second

// throttleLease is how long an attempt counts as in progress in a shared
// store if its Done never arrives (its replica died, or the store hung and
// ran the Admit after the caller had given up): far longer than an
// Authenticator should take, short enough that such ghosts soon vanish.
const throttleLease = 10 * time.Second

// storeProbeInterval is how often, while a ThrottleStore fails, one
// attempt tries it again; the others go straight to the local store, so
// an outage does not add the store timeout to every handshake.
const storeProbeInterval = time.Second

// throttler runs a Middleware's ThrottleStore: it bounds each call by a
// timeout and falls back to a local in-memory store while the store fails,
// logging each change of state once.
type throttler struct {
	store   ThrottleStore
	local   *MemoryThrottleStore // the fallback; == store for the default
	timeout time.Duration
	window  time.Duration
	logger  *slog.Logger
	observe func(context.Context, Event)
	ids     atomic.Uint64
	mu      sync.Mutex
	failing bool
	// nextProbe is when, while failing, the store may be tried again
	// (Unix nanoseconds).
	nextProbe atomic.Int64
}

// storeAttempt is an attempt's copy on the heap for a ThrottleStore other
// than the default: the store may keep it (a late call), so it must not
// point into the request's stack.
type storeAttempt struct {
	ThrottleAttempt
	keys [3]ThrottleKey
}

// admit asks the store (or, while it fails, the local store) to admit a,
// waiting while it is busy (waitBusy). It returns the store that admitted
// the attempt and, for a store other than the default, the copy of a to
// pass to done. The default store is called directly, so that a stays on
// the caller's stack.
func (t *throttler) admit(ctx context.Context, a *ThrottleAttempt) (ThrottleStore, *storeAttempt, ThrottleResult) {
	if t.store == ThrottleStore(t.local) {
		res := t.waitBusy(ctx, func() ThrottleResult {
			res, _ := t.local.Admit(ctx, a)
			return res
		})
		return t.local, nil, res
	}
	ext := &storeAttempt{}
	n := copy(ext.keys[:], a.Keys)
	ext.ThrottleAttempt = ThrottleAttempt{ID: a.ID, Keys: ext.keys[:n], Window: a.Window, Lease: a.Lease}
	var s ThrottleStore
	res := t.waitBusy(ctx, func() ThrottleResult {
		var res ThrottleResult
		s, res = t.admitStore(ctx, &ext.ThrottleAttempt)
		return res
	})
	return s, ext, res
}

// admitStore asks the configured store, or the local one while the store
// fails.
func (t *throttler) admitStore(ctx context.Context, a *ThrottleAttempt) (ThrottleStore, ThrottleResult) {
	if next := t.nextProbe.Load(); next != 0 {
		now := time.Now().UnixNano()
		if now < next || !t.nextProbe.CompareAndSwap(next, now+int64(storeProbeInterval)) {
			res, _ := t.local.Admit(ctx, a) // failing: another attempt probes
			return t.local, res
		}
	}
	res, err := t.storeAdmit(ctx, a)
	if t.setFailing(ctx, err) {
		res, _ = t.local.Admit(ctx, a)
		return t.local, res
	}
	return t.store, res
}

// done ends an attempt on the store that admitted it: the default store
// with a, another with ext (from admit).
func (t *throttler) done(ctx context.Context, s ThrottleStore, a *ThrottleAttempt, ext *storeAttempt, failed bool) {
	if ext == nil {
		_ = t.local.Done(ctx, a, failed)
		return
	}
	t.doneStore(ctx, s, &ext.ThrottleAttempt, failed)
}

func (t *throttler) doneStore(ctx context.Context, s ThrottleStore, a *ThrottleAttempt, failed bool) {
	if s == ThrottleStore(t.local) {
		_ = t.local.Done(ctx, a, failed)
		return
	}
	// The request may have ended (a client that hung up): the count must
	// still be corrected.
	err := t.bounded(ctx, func(cctx context.Context) error { return s.Done(cctx, a, failed) }, nil)
	if t.setFailing(ctx, err) && failed {
		// The failure must count somewhere: on the local store, in a fresh
		// attempt (its admission there never happened).
		if r, _ := t.local.Admit(ctx, a); r.Verdict == ThrottleAdmitted {
			_ = t.local.Done(ctx, a, true)
		}
	}
}

// errStoreTimeout is the failure of a store call that outlived the
// timeout.
var errStoreTimeout = errors.New("wsauth: throttle store call timed out")

// storeAdmit calls the store's Admit within the timeout. An Admit that
// admits after the caller gave up is released with Done, so that it does
// not count as in progress until its lease ends.
func (t *throttler) storeAdmit(ctx context.Context, a *ThrottleAttempt) (ThrottleResult, error) {
	var res ThrottleResult
	err := t.bounded(ctx, func(cctx context.Context) error {
		r, err := t.store.Admit(cctx, a)
		res = r
		return err
	}, func() {
		if res.Verdict == ThrottleAdmitted {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.timeout)
			_ = t.store.Done(cctx, a, false)
			cancel()
		}
	})
	if err != nil {
		return ThrottleResult{}, err // res may still be written by a late call
	}
	return res, nil
}

// bounded runs call with a context bounded by the timeout and returns its
// error, or errStoreTimeout when it has not returned by then, even if the
// store ignores its context (a Redis client without
// ContextTimeoutEnabled). A late call finishes in its goroutine, then runs
// late (if not nil) with the call's results in place. The context keeps
// ctx's values but not its cancellation: a request that ends must still
// correct the counts.
func (t *throttler) bounded(ctx context.Context, call func(context.Context) error, late func()) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.timeout)
	result := make(chan error, 1)
	timedOut := make(chan struct{})
	go func() {
		defer cancel()
		err := call(cctx)
		select {
		case <-timedOut:
			if err == nil && late != nil {
				late()
			}
		default:
		}
		result <- err
	}()
	timer := time.NewTimer(t.timeout)
	defer timer.Stop()
	select {
	case err := <-result:
		return err
	case <-timer.C:
		close(timedOut)
		// The call may have finished between the timer and the close.
		select {
		case err := <-result:
			return err
		default:
			return errStoreTimeout
		}
	}
}

// setFailing records whether the last store call failed, logs a change of
// state once, and reports whether err is non-nil.
func (t *throttler) setFailing(ctx context.Context, err error) bool {
	failing := err != nil
	t.mu.Lock()
	changed := t.failing != failing
	t.failing = failing
	if !failing {
		t.nextProbe.Store(0)
	} else if changed {
		t.nextProbe.Store(time.Now().Add(storeProbeInterval).UnixNano())
	}
	t.mu.Unlock()
	if changed && t.observe != nil {
		kind := EventStoreRecovered
		if failing {
			kind = EventStoreFailed
		}
		t.observe(ctx, Event{Kind: kind, Err: err})
	}
	if changed {
		if failing {
			t.logger.LogAttrs(ctx, slog.LevelError, "wsauth: throttle store failed; throttling with this process's own counts until it recovers",
				slog.String("error", err.Error()), slog.String("request_id", requestid.FromContext(ctx)))
		} else {
			t.logger.LogAttrs(ctx, slog.LevelInfo, "wsauth: throttle store recovered",
				slog.String("request_id", requestid.FromContext(ctx)))
		}
	}
	return failing
}

// waitBusy calls admit, and again while it answers ThrottleBusy:
// attempts in progress from the address fill the allowance, and they are
// usually valid clients reconnecting together, each of which frees its
// place when it succeeds. It gives up after throttleMaxWait or when ctx
// ends.
func (t *throttler) waitBusy(ctx context.Context, admit func() ThrottleResult) ThrottleResult {
	res := admit()
	if res.Verdict != ThrottleBusy {
		return res
	}
	deadline := time.NewTimer(throttleMaxWait)
	defer deadline.Stop()
	pause := time.Millisecond
	for res.Verdict == ThrottleBusy {
		poll := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			poll.Stop()
			return res
		case <-deadline.C:
			poll.Stop()
			return res
		case <-poll.C:
		}
		pause = min(2*pause, 50*time.Millisecond)
		res = admit()
	}
	return res
}

// String returns the verdict's name.
func (v ThrottleVerdict) String() string {
	switch v {
	case ThrottleAdmitted:
		return "admitted"
	case ThrottleBusy:
		return "busy"
	case ThrottleBlocked:
		return "blocked"
	}
	return "ThrottleVerdict(" + strconv.Itoa(int(v)) + ")"
}
