package redisthrottle_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/internal/redistest"
	"github.com/nexuskit/nexus/internal/testlog"
	"github.com/nexuskit/nexus/wsauth"
	"github.com/nexuskit/nexus/wsauth/redisthrottle"
	"github.com/nexuskit/nexus/wsauth/throttletest"
)

var key = []byte("redis-key-redis-key-redis-key-12")

func client(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// TestVerdictNumbers: the Lua scripts return wsauth's verdicts by number.
func TestVerdictNumbers(t *testing.T) {
	assert.EqualValues(t, 0, wsauth.ThrottleAdmitted)
	assert.EqualValues(t, 1, wsauth.ThrottleBusy)
	assert.EqualValues(t, 2, wsauth.ThrottleBlocked)
}

// TestConformance runs wsauth's ThrottleStore suite against a real
// redis-server.
func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	store := redisthrottle.New(client(t, srv))
	throttletest.Run(t, func(*testing.T) wsauth.ThrottleStore { return store })
}

// upgrade is a WebSocket handshake from remote with a token.
func upgrade(remote, token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://example.com/ws", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Authorization", "Bearer "+token)
	r.RemoteAddr = remote
	return r
}

type okHandler struct{}

func (okHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusSwitchingProtocols)
}

// TestSharedAcrossReplicas: 10 failures spread over two Middlewares (two
// replicas, each with its own Redis connection) make the 11th attempt
// refused on either, even with a valid token.
func TestSharedAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	signer := wsauth.NewSigner(key)
	good, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	logger := slog.New(slog.DiscardHandler)
	replicas := []http.Handler{
		wsauth.Middleware(signer, wsauth.Logger(logger), wsauth.ThrottleStorage(redisthrottle.New(client(t, srv))),
			wsauth.ThrottleStoreTimeout(time.Second))(okHandler{}),
		wsauth.Middleware(signer, wsauth.Logger(logger), wsauth.ThrottleStorage(redisthrottle.New(client(t, srv))),
			wsauth.ThrottleStoreTimeout(time.Second))(okHandler{}),
	}
	try := func(replica int, token string) int {
		rec := httptest.NewRecorder()
		replicas[replica].ServeHTTP(rec, upgrade("198.51.100.20:1234", token))
		return rec.Code
	}
	for i := range wsauth.DefaultThrottleFailures {
		require.Equal(t, http.StatusUnauthorized, try(i%2, "wrong"), "failure %d on replica %d", i+1, i%2)
	}
	for replica := range replicas {
		assert.Equal(t, http.StatusTooManyRequests, try(replica, "wrong"), "11th attempt on replica %d", replica)
		assert.Equal(t, http.StatusTooManyRequests, try(replica, good), "valid token on replica %d waits out the window", replica)
	}
	// Another address is unaffected.
	rec := httptest.NewRecorder()
	replicas[0].ServeHTTP(rec, upgrade("198.51.100.21:1", good))
	assert.Equal(t, http.StatusSwitchingProtocols, rec.Code)
}

// TestLeaseEndsAbandonedAttempt: an attempt admitted by a replica that
// died before Done stops counting when its lease ends.
func TestLeaseEndsAbandonedAttempt(t *testing.T) {
	srv := redistest.Start(t)
	store := redisthrottle.New(client(t, srv))
	ctx := context.Background()
	k := wsauth.ThrottleKey{Prefix: netip.MustParsePrefix("192.0.2.55/32"), Limit: 1}
	abandoned := &wsauth.ThrottleAttempt{ID: 1, Keys: []wsauth.ThrottleKey{k}, Window: time.Minute, Lease: 300 * time.Millisecond}
	res, err := store.Admit(ctx, abandoned)
	require.NoError(t, err)
	require.Equal(t, wsauth.ThrottleAdmitted, res.Verdict)
	next := &wsauth.ThrottleAttempt{ID: 2, Keys: []wsauth.ThrottleKey{k}, Window: time.Minute, Lease: time.Minute}
	res, err = store.Admit(ctx, next)
	require.NoError(t, err)
	assert.Equal(t, wsauth.ThrottleBusy, res.Verdict)
	time.Sleep(400 * time.Millisecond)
	res, err = store.Admit(ctx, next)
	require.NoError(t, err)
	assert.Equal(t, wsauth.ThrottleAdmitted, res.Verdict, "the abandoned attempt's lease ended")
	require.NoError(t, store.Done(ctx, next, false))
}

// TestAttemptIDsPerProcess: two Stores (two processes) using the same
// attempt ID do not release each other's attempts.
func TestAttemptIDsPerProcess(t *testing.T) {
	srv := redistest.Start(t)
	a, b := redisthrottle.New(client(t, srv)), redisthrottle.New(client(t, srv))
	ctx := context.Background()
	k := wsauth.ThrottleKey{Prefix: netip.MustParsePrefix("192.0.2.56/32"), Limit: 2}
	att := &wsauth.ThrottleAttempt{ID: 7, Keys: []wsauth.ThrottleKey{k}, Window: time.Minute, Lease: time.Minute}
	for _, s := range []*redisthrottle.Store{a, b} {
		res, err := s.Admit(ctx, att)
		require.NoError(t, err)
		require.Equal(t, wsauth.ThrottleAdmitted, res.Verdict)
	}
	require.NoError(t, a.Done(ctx, att, false)) // releases a's attempt only
	res, err := b.Admit(ctx, &wsauth.ThrottleAttempt{ID: 8, Keys: []wsauth.ThrottleKey{k}, Window: time.Minute, Lease: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, wsauth.ThrottleAdmitted, res.Verdict)
	res, err = b.Admit(ctx, &wsauth.ThrottleAttempt{ID: 9, Keys: []wsauth.ThrottleKey{k}, Window: time.Minute, Lease: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, wsauth.ThrottleBusy, res.Verdict, "b's attempt 7 and attempt 8 are in progress")
}

// TestOutageFallsBackToLocal: while Redis hangs (SIGSTOP) or is down, the
// Middleware answers within its store timeout and throttles with local
// counts; the change of state is logged once each way, and after Redis
// returns the shared counts apply again.
func TestOutageFallsBackToLocal(t *testing.T) {
	srv := redistest.Start(t)
	logs := &testlog.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	h := wsauth.Middleware(wsauth.NewSigner(key), wsauth.Logger(logger), wsauth.Throttle(3, time.Minute),
		wsauth.ThrottleStorage(redisthrottle.New(client(t, srv))), wsauth.ThrottleStoreTimeout(100*time.Millisecond))(okHandler{})
	try := func(remote string) (int, time.Duration) {
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, upgrade(remote, "wrong"))
		return rec.Code, time.Since(start)
	}
	// Two failures counted in Redis.
	for range 2 {
		code, _ := try("192.0.2.1:1")
		require.Equal(t, http.StatusUnauthorized, code)
	}

	for _, outage := range []struct {
		name       string
		start, end func()
	}{
		{"paused", srv.Pause, srv.Resume},
		{"stopped", srv.Stop, srv.Restart},
	} {
		t.Run(outage.name, func(t *testing.T) {
			outage.start()
			addr := "192.0.2." + map[string]string{"paused": "2", "stopped": "3"}[outage.name] + ":1"
			var codes []int
			for range 4 {
				code, took := try(addr)
				codes = append(codes, code)
				// Admit and Done each wait at most the timeout (plus a loaded machine's slack).
				assert.Less(t, took, 2*time.Second, "attempt %d: %d", len(codes), code)
			}
			assert.Equal(t, []int{401, 401, 401, 429}, codes, "the local throttle applies during the outage")
			outage.end()
			require.Eventually(t, func() bool {
				code, _ := try("192.0.2.9:1")
				return code == http.StatusUnauthorized && strings.Count(logs.String(), "throttle store recovered") >= 1
			}, 10*time.Second, 50*time.Millisecond)
		})
	}
	out := logs.String()
	assert.Equal(t, 2, strings.Count(out, "throttle store failed"), out)
	assert.Equal(t, 2, strings.Count(out, "throttle store recovered"), out)

	// Back on Redis (which kept its data through the pause, not the
	// restart): the shared counts apply.
	var wg sync.WaitGroup
	codes := make([]int, 3)
	for i := range codes {
		wg.Go(func() { codes[i], _ = try("192.0.2.10:1") })
	}
	wg.Wait()
	code, _ := try("192.0.2.10:1")
	assert.Equal(t, http.StatusTooManyRequests, code)
}
