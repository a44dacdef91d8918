package wsauth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/wsauth"
)

type eventLog struct {
	mu     sync.Mutex
	events []wsauth.Event
}

func (l *eventLog) observe(_ context.Context, e wsauth.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) all() []wsauth.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wsauth.Event(nil), l.events...)
}

// TestObserve: the hook sees every attempt's outcome and reason, throttle
// rejections included, one event per audit record, and the store's
// failure and recovery.
func TestObserve(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	good, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	events := &eventLog{}
	logger, logs := newLogger()
	store := newFlakyStore()
	h := wsauth.Middleware(signer, wsauth.Logger(logger), wsauth.Throttle(1, time.Minute), wsauth.Observe(events.observe),
		wsauth.ThrottleStorage(store), wsauth.ThrottleStoreTimeout(30*time.Millisecond))(&identityHandler{})
	try := func(set func(r *http.Request)) {
		r := upgradeRequest("http://example.com/ws")
		r.RemoteAddr = "192.0.2.7:1"
		set(r)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	try(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+good) })
	try(func(r *http.Request) {})
	try(func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") })
	try(func(r *http.Request) { r.Header.Set("Authorization", "Bearer wrong") })
	try(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+good) })
	store.set("fail")
	try(func(r *http.Request) { r.RemoteAddr = "192.0.2.8:1"; r.Header.Set("Authorization", "Bearer "+good) })

	got := events.all()
	type row struct {
		kind                    wsauth.EventKind
		outcome, reason, source string
	}
	var rows []row
	for _, e := range got {
		rows = append(rows, row{e.Kind, e.Outcome, e.Reason, e.Source})
		if e.Kind == wsauth.EventAttempt {
			assert.NotNil(t, e.Request)
			assert.True(t, e.Client.IsValid())
		} else {
			assert.Nil(t, e.Request)
			assert.Error(t, e.Err)
		}
	}
	assert.Equal(t, []row{
		{wsauth.EventAttempt, wsauth.OutcomeAccepted, "authenticated", "bearer"},
		{wsauth.EventAttempt, wsauth.OutcomeRejected, "no_credentials", ""},
		{wsauth.EventAttempt, wsauth.OutcomeRejected, "origin_not_allowed", ""},
		{wsauth.EventAttempt, wsauth.OutcomeRejected, "malformed_token", "bearer"},
		{wsauth.EventAttempt, wsauth.OutcomeThrottled, "too_many_failures", ""},
		{wsauth.EventStoreFailed, "", "", ""},
		{wsauth.EventAttempt, wsauth.OutcomeAccepted, "authenticated", "bearer"},
	}, rows)
	assert.Equal(t, netip.MustParseAddr("192.0.2.8"), got[len(got)-1].Client)
	assert.Len(t, logs.Records(t), 6+1, "one audit record per attempt event, plus the store's failure")

	store.set("")
	require.Eventually(t, func() bool {
		try(func(r *http.Request) { r.RemoteAddr = "192.0.2.9:1"; r.Header.Set("Authorization", "Bearer "+good) })
		all := events.all()
		for _, e := range all {
			if e.Kind == wsauth.EventStoreRecovered {
				return e.Err == nil
			}
		}
		return false
	}, 5*time.Second, 20*time.Millisecond)
}

// TestObserveNoAllocations: an attempt allocates no more with a hook than
// without one, and nothing is built for a nil hook.
func TestObserveNoAllocations(t *testing.T) {
	signer := wsauth.NewSigner(testKey)
	noop := func(context.Context, wsauth.Event) {}
	allocs := func(opts ...wsauth.Option) float64 {
		opts = append(opts, wsauth.Logger(slog.New(slog.DiscardHandler)), wsauth.NoThrottle())
		h := wsauth.Middleware(signer, opts...)(&identityHandler{})
		r := upgradeRequest("http://example.com/ws")
		w := httptest.NewRecorder()
		// The least of a few runs: under -race, sync.Pool (respond's
		// buffers) drops items at random.
		least := 1e9
		for range 5 {
			least = min(least, testing.AllocsPerRun(200, func() {
				w.Body.Reset()
				h.ServeHTTP(w, r)
			}))
		}
		return least
	}
	assert.Equal(t, allocs(), allocs(wsauth.Observe(noop)))
}

// BenchmarkObserve: a rejected attempt (no credentials) without a hook
// (unset), with a no-op hook (set), so the cost of each shows side by side.
//
//	go test -run '^$' -bench BenchmarkObserve -benchmem ./wsauth
func BenchmarkObserve(b *testing.B) {
	signer := wsauth.NewSigner(testKey)
	for _, bc := range []struct {
		name string
		opts []wsauth.Option
	}{
		{"unset", nil},
		{"set", []wsauth.Option{wsauth.Observe(func(context.Context, wsauth.Event) {})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			opts := append([]wsauth.Option{wsauth.Logger(slog.New(slog.DiscardHandler))}, bc.opts...)
			h := wsauth.Middleware(signer, opts...)(&identityHandler{})
			r := upgradeRequest("http://example.com/ws")
			r.RemoteAddr = "" // not throttled: each iteration is the same attempt
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				w.Body.Reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
