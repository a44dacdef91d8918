package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBehindProxy (issue 13 item 1): with TRUSTED_PROXIES naming the proxy
// (here the test itself, on 127.0.0.1), each client behind it gets its own
// rate-limit bucket and its own WebSocket throttle, the access log names the
// client, and the proxy's X-Request-ID is kept; the same headers from an
// untrusted peer change nothing.
func TestBehindProxy(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["TRUSTED_PROXIES"] = "127.0.0.1/32, ::1"
	env["RATE_LIMIT_MAX_REQUESTS"] = "30"
	env["RATE_LIMIT_WINDOW_MS"] = "60000"
	env["CORS_ORIGIN"] = "https://app.example"
	ts := startServer(t, env)
	tok := issueToken(t, time.Hour)

	get := func(xff string, hdr ...string) *http.Response {
		res, _ := call[any](t, http.MethodGet, ts.URL+"/api/system", "", nil, append([]string{"X-Forwarded-For", xff}, hdr...)...)
		return res
	}
	// Client A exhausts its own bucket...
	for i := range 30 {
		require.Equal(t, http.StatusOK, get("203.0.113.1").StatusCode, "request %d", i+1)
	}
	assert.Equal(t, http.StatusTooManyRequests, get("203.0.113.1").StatusCode)
	assert.Equal(t, http.StatusTooManyRequests, get("1.2.3.4, 203.0.113.1").StatusCode, "a forged leftmost entry does not escape the bucket")
	// ...and client B, behind the same proxy, is not affected.
	assert.Equal(t, http.StatusOK, get("203.0.113.2").StatusCode)
	res, _ := call[any](t, http.MethodGet, ts.URL+"/api/system", "", nil, "Forwarded", `for="[2001:db8::7]:4711"`)
	assert.Equal(t, http.StatusOK, res.StatusCode, "RFC 7239 Forwarded names a client too")

	// The access log names the client, and the proxy's request ID is kept.
	res = get("203.0.113.2", "X-Request-ID", "from-the-proxy-1")
	assert.Equal(t, "from-the-proxy-1", res.Header.Get("X-Request-ID"))
	require.Eventually(t, func() bool {
		for _, rec := range logRecords(t, ts.logs.String()) {
			if rec["request_id"] == "from-the-proxy-1" && rec["msg"] == "http request" {
				return strings.HasPrefix(rec["remote_addr"].(string), "203.0.113.2:")
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)

	// WebSocket throttle: bad tokens from client C, through the dashboard's
	// own origin and through a listed one alike (one throttle for both),
	// block C, not D.
	bad, err := wsauthIssue("another-secret-that-is-long-enough-000", time.Hour)
	require.NoError(t, err)
	origins := []string{ts.URL, "https://app.example"}
	for i := range 10 {
		_, res, err := dialWS(t, ts.URL, bad, http.Header{"X-Forwarded-For": {"198.51.100.3"}, "Origin": {origins[i%2]}})
		require.Error(t, err)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode, "attempt %d", i+1)
	}
	for _, origin := range origins {
		_, res, err := dialWS(t, ts.URL, tok, http.Header{"X-Forwarded-For": {"198.51.100.3"}, "Origin": {origin}})
		require.Error(t, err)
		assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "client C is throttled, origin %s", origin)
	}
	c, res, err := dialWS(t, ts.URL, tok, http.Header{"X-Forwarded-For": {"198.51.100.4"}, "Origin": {ts.URL}})
	require.NoError(t, err, "client D is not")
	assert.Equal(t, http.StatusSwitchingProtocols, res.StatusCode)
	assert.Equal(t, "hello", readEvent(t, c).Type)
}

// TestForwardedHeadersIgnoredFromUntrustedPeers: without TRUSTED_PROXIES
// (or from a peer outside it) X-Forwarded-For and X-Request-ID from the
// client change nothing: a client cannot pick its bucket.
func TestForwardedHeadersIgnoredFromUntrustedPeers(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["TRUSTED_PROXIES"] = "10.0.0.0/8"
	env["RATE_LIMIT_MAX_REQUESTS"] = "3"
	env["RATE_LIMIT_WINDOW_MS"] = "60000"
	ts := startServer(t, env)
	for i := range 3 {
		res, _ := call[any](t, http.MethodGet, ts.URL+"/api/system", "", nil, "X-Forwarded-For", "203.0.113."+string(rune('1'+i)))
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	res, _ := call[any](t, http.MethodGet, ts.URL+"/api/system", "", nil, "X-Forwarded-For", "203.0.113.9", "X-Request-ID", "chosen-by-client")
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "one bucket: the connection's")
	assert.NotEqual(t, "chosen-by-client", res.Header.Get("X-Request-ID"), "only a trusted proxy's request ID is kept")
}
