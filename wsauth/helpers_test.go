package wsauth_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/internal/testlog"
	"github.com/nexuskit/nexus/wsauth"
)

// testKey is a 32-byte HMAC key for tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer is the shared goroutine-safe log buffer of the tests.
type logBuffer = testlog.Buffer

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// upgradeRequest is a WebSocket handshake request as a browser sends it.
func upgradeRequest(target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("Connection", "keep-alive, Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("User-Agent", "wsauth-test/1")
	return r
}

// wrongGuess serves a handshake from remote with a wrong bearer token
// through h and returns the status: 401 while the throttle lets the
// client guess, 429 once it refuses.
func wrongGuess(h http.Handler, remote string) int {
	r := upgradeRequest("http://example.com/ws")
	r.RemoteAddr = remote
	r.Header.Set("Authorization", "Bearer wrong")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

// envelope is the respond error envelope, as far as the tests read it.
type envelope struct {
	Success bool `json:"success"`
	Error   struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeEnvelope(t *testing.T, rec *httptest.ResponseRecorder) envelope {
	t.Helper()
	var e envelope
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
	return e
}

// identityHandler records the identity it was called with.
type identityHandler struct {
	mu    sync.Mutex
	calls int
	id    *wsauth.Identity
	req   *http.Request
}

func (h *identityHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls++
	h.id, _ = wsauth.FromContext(r.Context())
	h.req = r
	w.WriteHeader(http.StatusSwitchingProtocols)
}

func (h *identityHandler) Calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// countingAuth wraps an Authenticator and counts calls.
type countingAuth struct {
	mu    sync.Mutex
	n     int
	inner wsauth.Authenticator
}

func (c *countingAuth) Authenticate(ctx context.Context, cr wsauth.Credentials) (*wsauth.Identity, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.inner.Authenticate(ctx, cr)
}

func (c *countingAuth) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
