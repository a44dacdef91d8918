package wsauth_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/wsauth"
)

// flakyStore is a ThrottleStore on a MemoryThrottleStore that can be made
// to fail or to hang, ignoring its context, like a stuck network client.
type flakyStore struct {
	inner *wsauth.MemoryThrottleStore
	mu    sync.Mutex
	mode  string // "", "fail" or "hang"
	hang  chan struct{}
	calls int
}

func newFlakyStore() *flakyStore {
	return &flakyStore{inner: wsauth.NewMemoryThrottleStore(100), hang: make(chan struct{})}
}

func (s *flakyStore) set(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mode == "hang" && mode != "hang" {
		close(s.hang)
		s.hang = make(chan struct{})
	}
	s.mode = mode
}

func (s *flakyStore) before() error {
	s.mu.Lock()
	mode, hang := s.mode, s.hang
	s.calls++
	s.mu.Unlock()
	switch mode {
	case "fail":
		return errors.New("connection refused")
	case "hang":
		<-hang
	}
	return nil
}

func (s *flakyStore) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *flakyStore) Admit(ctx context.Context, a *wsauth.ThrottleAttempt) (wsauth.ThrottleResult, error) {
	if err := s.before(); err != nil {
		return wsauth.ThrottleResult{}, err
	}
	return s.inner.Admit(ctx, a)
}

func (s *flakyStore) Done(ctx context.Context, a *wsauth.ThrottleAttempt, failed bool) error {
	if err := s.before(); err != nil {
		return err
	}
	return s.inner.Done(ctx, a, failed)
}

// TestThrottleStoreFallback: a failing or hanging store does not fail or
// slow the handshake beyond the timeout: the throttle counts locally
// meanwhile, logs the failure and the recovery once each, tries the store
// again at most about once a second, and uses it again once it recovers.
func TestThrottleStoreFallback(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"fail", "hang"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			store := newFlakyStore()
			logger, logs := newLogger()
			h := wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.Logger(logger), wsauth.Throttle(2, time.Minute),
				wsauth.ThrottleStorage(store), wsauth.ThrottleStoreTimeout(30*time.Millisecond))(&identityHandler{})
			try := func(remote string) int {
				r := upgradeRequest("http://example.com/ws")
				r.RemoteAddr = remote
				r.Header.Set("Authorization", "Bearer wrong")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				return rec.Code
			}
			// Healthy: counted in the store.
			require.Equal(t, 401, try("192.0.2.1:1"))
			require.Equal(t, 401, try("192.0.2.1:1"))
			res, err := store.inner.Admit(context.Background(), &wsauth.ThrottleAttempt{
				Keys: []wsauth.ThrottleKey{{Prefix: mustPrefix("192.0.2.1/32"), Limit: 2}}, Window: time.Minute})
			require.NoError(t, err)
			assert.Equal(t, wsauth.ThrottleBlocked, res.Verdict, "the failures are in the store")

			store.set(mode)
			start := time.Now()
			calls := store.Calls()
			codes := []int{try("192.0.2.2:1"), try("192.0.2.2:1"), try("192.0.2.2:1")}
			assert.Equal(t, []int{401, 401, 429}, codes, "the local throttle applies")
			assert.Less(t, time.Since(start), 2*time.Second)
			assert.LessOrEqual(t, store.Calls()-calls, 3, "the failing store is not asked on every call")

			store.set("")
			require.Eventually(t, func() bool {
				return try("192.0.2.3:1") == 401 && strings.Contains(logs.String(), "throttle store recovered")
			}, 5*time.Second, 20*time.Millisecond)
			out := logs.String()
			assert.Equal(t, 1, strings.Count(out, "throttle store failed"), out)
			assert.Equal(t, 1, strings.Count(out, "throttle store recovered"), out)
			assert.Equal(t, 429, try("192.0.2.1:1"), "the store's counts apply again")
		})
	}
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
