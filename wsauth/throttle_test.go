package wsauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestThrottle(t *testing.T) {
	t.Parallel()
	clock := newClock()
	signer := wsauth.NewSigner(testKey).WithClock(clock.Now)
	good, err := signer.Issue("alice", 24*time.Hour)
	require.NoError(t, err)
	auth := &countingAuth{inner: signer}
	logger, logs := newLogger()
	next := &identityHandler{}
	h := wsauth.Middleware(auth, wsauth.Throttle(3, time.Minute), wsauth.Clock(clock.Now), wsauth.Logger(logger))(next)

	attempt := func(remote, token string) *httptest.ResponseRecorder {
		r := upgradeRequest("http://example.com/ws")
		r.RemoteAddr = remote
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}

	for range 3 {
		assert.Equal(t, http.StatusUnauthorized, attempt("198.51.100.1:1000", "bad").Code)
	}
	clock.Advance(10 * time.Second)
	calls := auth.Calls()
	rec := attempt("198.51.100.1:2000", good)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, "even a valid token waits out the window")
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", decodeEnvelope(t, rec).Error.Code)
	retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err)
	assert.Equal(t, 50, retry)
	assert.Equal(t, calls, auth.Calls(), "the authenticator does not run for a throttled address")
	recs := logs.Records(t)
	last := recs[len(recs)-1]
	assert.Equal(t, "throttled", last["outcome"])
	assert.Equal(t, "too_many_failures", last["reason"])

	// Another address is unaffected; an IPv4 neighbour is another address.
	assert.Equal(t, http.StatusSwitchingProtocols, attempt("198.51.100.2:1000", good).Code)

	// After the window the address may try again.
	clock.Advance(51 * time.Second)
	assert.Equal(t, http.StatusSwitchingProtocols, attempt("198.51.100.1:1000", good).Code)
	assert.Equal(t, 2, next.Calls())
}

func TestThrottleCountsOriginFailures(t *testing.T) {
	t.Parallel()
	h := wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.Throttle(2, time.Minute), wsauth.Logger(discardLogger()))(&identityHandler{})
	codes := []int{}
	for range 3 {
		r := upgradeRequest("http://example.com/ws")
		r.Header.Set("Origin", "https://evil.example")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		codes = append(codes, rec.Code)
	}
	assert.Equal(t, []int{403, 403, 429}, codes)
}

func TestThrottleIgnoresServerErrors(t *testing.T) {
	t.Parallel()
	auth := wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		return nil, errors.New("database down")
	})
	h := wsauth.Middleware(auth, wsauth.Throttle(1, time.Minute), wsauth.Logger(discardLogger()))(&identityHandler{})
	for range 3 {
		r := upgradeRequest("http://example.com/ws")
		r.Header.Set("Authorization", "Bearer x")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		assert.Equal(t, http.StatusInternalServerError, rec.Code, "server failures are not the client's")
	}
}

func TestThrottleIPv6Per64(t *testing.T) {
	t.Parallel()
	h := wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.Throttle(2, time.Minute), wsauth.Logger(discardLogger()))(&identityHandler{})
	try := func(remote string) int {
		r := upgradeRequest("http://example.com/ws")
		r.RemoteAddr = remote
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	assert.Equal(t, 401, try("[2001:db8:1:2::1]:1"))
	assert.Equal(t, 401, try("[2001:db8:1:2::ffff]:1"))
	assert.Equal(t, 429, try("[2001:db8:1:2:aaaa::1]:1"), "same /64")
	assert.Equal(t, 401, try("[2001:db8:1:3::1]:1"), "another /64")
}

func TestNoThrottle(t *testing.T) {
	t.Parallel()
	h := wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.Throttle(1, time.Minute), wsauth.NoThrottle(), wsauth.Logger(discardLogger()))(&identityHandler{})
	for range 5 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, upgradeRequest("http://example.com/ws"))
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
	}
}

// TestTrustedProxies: X-Forwarded-For picks the client (for throttling and
// the audit record) only when the peer is a trusted proxy, and
// X-Forwarded-Proto is believed only then.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []wsauth.Option
		remote string
		xff    []string
		proto  string
		origin string
		wantIP string
		wantOK bool
	}{
		{name: "untrusted peer: header ignored", remote: "203.0.113.9:1", xff: []string{"192.0.2.1"}, wantIP: "203.0.113.9", wantOK: true},
		{name: "trusted peer", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8")}, remote: "10.1.2.3:1",
			xff: []string{"198.51.100.5, 10.9.9.9"}, wantIP: "198.51.100.5", wantOK: true},
		{name: "client-supplied prefix is skipped", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8", "192.0.2.10")}, remote: "10.1.2.3:1",
			xff: []string{"1.2.3.4", "198.51.100.5, 192.0.2.10"}, wantIP: "198.51.100.5", wantOK: true},
		{name: "garbage entry stops the walk", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8")}, remote: "10.1.2.3:1",
			xff: []string{"not-an-ip"}, wantIP: "10.1.2.3", wantOK: true},
		{name: "forwarded proto from a trusted proxy", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8")}, remote: "10.1.2.3:1",
			proto: "https", origin: "https://example.com", wantIP: "10.1.2.3", wantOK: true},
		{name: "forwarded proto from anyone else", remote: "203.0.113.9:1",
			proto: "https", origin: "https://example.com", wantIP: "203.0.113.9", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newLogger()
			opts := append([]wsauth.Option{wsauth.Logger(logger)}, tt.opts...)
			h := wsauth.Middleware(wsauth.StaticTokens(map[string]string{"service-token-0123456789": "svc"}), opts...)(&identityHandler{})
			r := upgradeRequest("http://example.com/ws")
			r.RemoteAddr = tt.remote
			r.Header.Set("Authorization", "Bearer service-token-0123456789")
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, tt.wantOK, rec.Code == http.StatusSwitchingProtocols, rec.Body.String())
			recs := logs.Records(t)
			require.Len(t, recs, 1)
			assert.Equal(t, tt.wantIP, recs[0]["remote_addr"])
		})
	}
}

// TestThrottleConcurrentAttempts: attempts in progress count against the
// limit, so a client cannot get more than the allowed number of guesses
// past the throttle by sending them all at once (the authenticator here is
// slow, like a session-store lookup).
func TestThrottleConcurrentAttempts(t *testing.T) {
	t.Parallel()
	const allowed, sent = 3, 12
	var entered atomic.Int32
	release := make(chan struct{})
	auth := wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		entered.Add(1)
		<-release
		return nil, wsauth.ErrInvalidCredentials
	})
	clock := newClock()
	h := wsauth.Middleware(auth, wsauth.Throttle(allowed, time.Minute), wsauth.Clock(clock.Now), wsauth.Logger(discardLogger()))(&identityHandler{})

	var throttled atomic.Int32
	var retry sync.Map
	var wg sync.WaitGroup
	for range sent {
		wg.Go(func() {
			r := upgradeRequest("http://example.com/ws")
			r.Header.Set("Authorization", "Bearer guess")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code == http.StatusTooManyRequests {
				throttled.Add(1)
				retry.Store(rec.Header().Get("Retry-After"), true)
			}
		})
	}
	// Every attempt either reached the authenticator or was throttled.
	require.Eventually(t, func() bool { return entered.Load()+throttled.Load() == sent },
		5*time.Second, time.Millisecond, "entered %d, throttled %d", entered.Load(), throttled.Load())
	close(release)
	wg.Wait()
	assert.EqualValues(t, allowed, entered.Load(), "attempts that reached the authenticator")
	assert.EqualValues(t, sent-allowed, throttled.Load())
	_, busy := retry.Load("1")
	assert.True(t, busy, "blocked by attempts in progress: retry shortly")

	// Now that they failed, the address waits out the window.
	clock.Advance(15 * time.Second)
	r := upgradeRequest("http://example.com/ws")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "45", rec.Header().Get("Retry-After"))
}

// TestThrottleIgnoresSuccesses: successful attempts never count, however
// many there are.
func TestThrottleIgnoresSuccesses(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	h := wsauth.Middleware(signer, wsauth.Throttle(2, time.Minute), wsauth.Logger(discardLogger()))(&identityHandler{})
	for i := range 5 {
		r := upgradeRequest("http://example.com/ws")
		r.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		assert.Equal(t, http.StatusSwitchingProtocols, rec.Code, "attempt %d", i)
	}
}

// TestThrottlePanickingAuthenticator: an Authenticator that panics does not
// leave its attempt counted as in progress forever.
func TestThrottlePanickingAuthenticator(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	auth := wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		if calls.Add(1) == 1 {
			panic("authenticator bug")
		}
		return &wsauth.Identity{Subject: "svc"}, nil
	})
	h := wsauth.Middleware(auth, wsauth.Throttle(1, time.Minute), wsauth.Logger(discardLogger()))(&identityHandler{})
	try := func() int {
		r := upgradeRequest("http://example.com/ws")
		r.Header.Set("Authorization", "Bearer x")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	assert.Panics(t, func() { try() })
	assert.Equal(t, http.StatusSwitchingProtocols, try())
}
