package wsauth_test

import (
	"context"
	"errors"
	"fmt"
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

// TestThrottleCountsOnlyRefusedCredentials: refused origins, missing or
// malformed credentials and cookies without Origin never count (any web
// page could make its visitors' browsers produce them); only credentials
// the Authenticator refused do.
func TestThrottleCountsOnlyRefusedCredentials(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	good, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	h := wsauth.Middleware(signer, wsauth.Throttle(2, time.Minute), wsauth.Logger(discardLogger()))(&identityHandler{})
	try := func(set func(r *http.Request)) int {
		r := upgradeRequest("http://example.com/ws")
		set(r)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	for range 20 {
		require.Equal(t, http.StatusForbidden, try(func(r *http.Request) {
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Cookie", "session="+good)
		}), "cross-site page")
		require.Equal(t, http.StatusUnauthorized, try(func(*http.Request) {}), "no credentials")
		require.Equal(t, http.StatusForbidden, try(func(r *http.Request) { r.Header.Set("Cookie", "session=x") }), "cookie without origin")
		require.Equal(t, http.StatusUnauthorized, try(func(r *http.Request) {
			r.Header.Set("Sec-WebSocket-Protocol", wsauth.DefaultSubprotocolPrefix+"!!!")
		}), "malformed subprotocol entry")
	}
	// The app's own page still gets in.
	assert.Equal(t, http.StatusSwitchingProtocols, try(func(r *http.Request) {
		r.Header.Set("Origin", "http://example.com")
		r.Header.Set("Cookie", "session="+good)
	}))
	// Refused credentials do count.
	bad := func(r *http.Request) { r.Header.Set("Authorization", "Bearer wrong") }
	assert.Equal(t, []int{401, 401, 429}, []int{try(bad), try(bad), try(bad)})
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
		r.Header.Set("Authorization", "Bearer wrong")
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
		fwd    []string
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
		{name: "ip:port entry", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8")}, remote: "10.1.2.3:1",
			xff: []string{"198.51.100.5:4711"}, wantIP: "198.51.100.5", wantOK: true},
		{name: "[ipv6]:port entry", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8")}, remote: "10.1.2.3:1",
			xff: []string{"[2001:db8::5]:4711"}, wantIP: "2001:db8::5", wantOK: true},
		{name: "RFC 7239 Forwarded", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8")}, remote: "10.1.2.3:1",
			fwd: []string{`for="[2001:db8::6]:4711";proto=https`}, origin: "https://example.com", wantIP: "2001:db8::6", wantOK: true},
		{name: "both headers disagree", opts: []wsauth.Option{wsauth.TrustedProxies("10.0.0.0/8")}, remote: "10.1.2.3:1",
			xff: []string{"198.51.100.5"}, fwd: []string{"for=192.0.2.99"}, wantIP: "10.1.2.3", wantOK: true},
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
			r.Header["Forwarded"] = tt.fwd
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
// slow, like a session-store lookup): the others wait, and once the first
// ones have failed they are refused until the window ends.
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
	require.Eventually(t, func() bool { return entered.Load() == allowed }, 5*time.Second, time.Millisecond)
	time.Sleep(50 * time.Millisecond) // the others are waiting, not authenticating
	assert.EqualValues(t, allowed, entered.Load(), "attempts that reached the authenticator")
	assert.Zero(t, throttled.Load(), "attempts waiting for those in progress are not refused yet")
	close(release)
	wg.Wait()
	assert.EqualValues(t, allowed, entered.Load(), "attempts that reached the authenticator")
	assert.EqualValues(t, sent-allowed, throttled.Load())
	_, blocked := retry.Load("60")
	assert.True(t, blocked, "once the first attempts failed, the rest wait out the window")

	clock.Advance(15 * time.Second)
	r := upgradeRequest("http://example.com/ws")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "45", rec.Header().Get("Retry-After"))
}

// TestThrottleReconnectStorm: 30 valid clients from one address
// reconnecting at once (a drain closed their sockets) all get in, although
// only 10 attempts may be in progress at a time.
func TestThrottleReconnectStorm(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	var inflight, peak atomic.Int32
	auth := wsauth.AuthenticatorFunc(func(ctx context.Context, c wsauth.Credentials) (*wsauth.Identity, error) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond) // a session-store lookup
		return signer.Authenticate(ctx, c)
	})
	h := wsauth.Middleware(auth, wsauth.Logger(discardLogger()))(&identityHandler{})
	codes := make([]int, 30)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			r := upgradeRequest("http://example.com/ws")
			r.RemoteAddr = "198.51.100.7:4000"
			r.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			codes[i] = rec.Code
		})
	}
	wg.Wait()
	for i, c := range codes {
		assert.Equal(t, http.StatusSwitchingProtocols, c, "client %d", i)
	}
	assert.LessOrEqual(t, peak.Load(), int32(wsauth.DefaultThrottleFailures), "attempts in progress at once")
}

// TestThrottleWaitEndsWithRequest: an attempt waiting for attempts in
// progress gives up, with 429 and a short Retry-After, when its request
// ends.
func TestThrottleWaitEndsWithRequest(t *testing.T) {
	t.Parallel()
	release, entered := make(chan struct{}), make(chan struct{}, 1)
	defer close(release)
	auth := wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		entered <- struct{}{}
		<-release
		return nil, wsauth.ErrInvalidCredentials
	})
	h := wsauth.Middleware(auth, wsauth.Throttle(1, time.Minute), wsauth.Logger(discardLogger()))(&identityHandler{})
	r := upgradeRequest("http://example.com/ws")
	r.Header.Set("Authorization", "Bearer guess")
	go h.ServeHTTP(httptest.NewRecorder(), r)
	<-entered // the first attempt is in progress
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r.Clone(ctx))
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))
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

// TestThrottleIPv6Aggregates: one subscriber's /56 (or /48) cannot
// multiply its guesses by spreading them over its /64s: the aggregates
// have limits of their own, by default 4 and 16 times the /64's.
func TestThrottleIPv6Aggregates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		opts         []wsauth.Option
		per56, per48 int
	}{
		{"defaults scale with Throttle", nil, 8, 32},
		{"explicit", []wsauth.Option{wsauth.ThrottleIPv6(3, 5)}, 3, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]wsauth.Option{wsauth.Throttle(2, time.Minute), wsauth.Logger(discardLogger())}, tt.opts...)
			h := wsauth.Middleware(wsauth.NewSigner(testKey), opts...)(&identityHandler{})
			try := func(remote string) int {
				r := upgradeRequest("http://example.com/ws")
				r.RemoteAddr = remote
				r.Header.Set("Authorization", "Bearer wrong")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				return rec.Code
			}
			// One guess from each of many /64s in 2001:db8:0:100::/56.
			for i := range tt.per56 {
				require.Equal(t, 401, try(fmt.Sprintf("[2001:db8:0:1%02x::1]:1", i)), "guess %d", i)
			}
			assert.Equal(t, 429, try("[2001:db8:0:1ff::1]:1"), "a fresh /64 in the same /56")
			// Other /56s of the same /48 until the /48 is used up.
			n := tt.per56
			for s := 2; n < tt.per48; s++ {
				for i := 0; i < tt.per56 && n < tt.per48; i++ {
					require.Equal(t, 401, try(fmt.Sprintf("[2001:db8:0:%x%02x::1]:1", s, i)), "guess %d", n)
					n++
				}
			}
			assert.Equal(t, 429, try("[2001:db8:0:ff00::1]:1"), "a fresh /56 in the same /48")
			assert.Equal(t, 401, try("[2001:db8:1::1]:1"), "another /48")
		})
	}
}
