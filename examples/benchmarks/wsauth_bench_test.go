package benchmarks

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nexuskit/nexus/wsauth"
)

// wsauthWriter is a reusable ResponseWriter, so the benchmarks measure
// the handshake path and not a recorder's allocations.
type wsauthWriter struct {
	h      http.Header
	status int
}

func (w *wsauthWriter) Header() http.Header         { return w.h }
func (w *wsauthWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *wsauthWriter) WriteHeader(status int)      { w.status = status }

// wsauthUpgrade is a browser-like WebSocket handshake request.
func wsauthUpgrade() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://chat.example/ws", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) bench")
	r.RemoteAddr = "203.0.113.7:40000"
	return r
}

// wsauthHandler stands for the WebSocket library's Accept: it reads what
// Accept reads and answers 101.
var wsauthHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_ = r.Header.Get("Sec-WebSocket-Key")
	_ = r.Header.Get("Sec-WebSocket-Protocol")
	w.WriteHeader(http.StatusSwitchingProtocols)
})

// runWSAuth serves r with h in a loop. Besides ns/op it reports the
// median time of one handshake ("median-ns"): on a machine shared with
// other jobs the mean counts every preemption, the median ignores the
// iterations one happened to hit.
func runWSAuth(b *testing.B, h http.Handler, r *http.Request, want int) {
	b.Helper()
	w := &wsauthWriter{h: http.Header{}}
	times := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		start := time.Now()
		h.ServeHTTP(w, r)
		if len(times) < cap(times) {
			times = append(times, time.Since(start))
		}
	}
	b.StopTimer()
	if w.status != want {
		b.Fatalf("status %d, want %d", w.status, want)
	}
	b.ReportMetric(float64(median(times)), "median-ns")
}

// auditLogger writes JSON audit records to io.Discard: the encoding cost
// of a real audit log without the I/O.
func auditLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// BenchmarkWSAuthHandshake: the accepted handshake (middleware + HMAC
// verification + audit record + context with deadline) against the same
// handler without wsauth.
func BenchmarkWSAuthHandshake(b *testing.B) {
	signer := wsauth.NewSigner([]byte("bench-key-bench-key-bench-key-32"))
	tok, err := signer.Issue("user-12345", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline_no_wsauth", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Authorization", "Bearer "+tok)
		runWSAuth(b, wsauthHandler, r, http.StatusSwitchingProtocols)
	})
	b.Run("bearer", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Authorization", "Bearer "+tok)
		runWSAuth(b, wsauth.Middleware(signer, wsauth.Logger(auditLogger()))(wsauthHandler), r, http.StatusSwitchingProtocols)
	})
	b.Run("subprotocol", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Origin", "http://chat.example")
		r.Header.Set("Sec-WebSocket-Protocol", "chat.v1, "+wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok))
		runWSAuth(b, wsauth.Middleware(signer, wsauth.Logger(auditLogger()))(wsauthHandler), r, http.StatusSwitchingProtocols)
	})
	b.Run("bearer_audit_disabled", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Authorization", "Bearer "+tok)
		quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError + 1}))
		runWSAuth(b, wsauth.Middleware(signer, wsauth.Logger(quiet))(wsauthHandler), r, http.StatusSwitchingProtocols)
	})
}

// BenchmarkWSAuthRejected: what an attacker's attempt costs the server,
// including the throttle bookkeeping, the audit record and the respond
// envelope. The throttle limit is set out of reach so every attempt takes
// the full rejection path.
func BenchmarkWSAuthRejected(b *testing.B) {
	signer := wsauth.NewSigner([]byte("bench-key-bench-key-bench-key-32"))
	forged, err := wsauth.NewSigner([]byte("forger-forger-forger-forger-forg")).Issue("user-12345", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	mw := func(opts ...wsauth.Option) http.Handler {
		opts = append([]wsauth.Option{wsauth.Logger(auditLogger()), wsauth.Throttle(1<<30, time.Minute)}, opts...)
		return wsauth.Middleware(signer, opts...)(wsauthHandler)
	}
	b.Run("bad_signature", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Authorization", "Bearer "+forged)
		runWSAuth(b, mw(), r, http.StatusUnauthorized)
	})
	b.Run("no_credentials", func(b *testing.B) {
		runWSAuth(b, mw(), wsauthUpgrade(), http.StatusUnauthorized)
	})
	b.Run("bad_origin", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Origin", "https://evil.example")
		r.Header.Set("Cookie", "session="+forged)
		runWSAuth(b, mw(), r, http.StatusForbidden)
	})
	b.Run("oversized_token", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Authorization", "Bearer "+strings.Repeat("A", 64<<10))
		runWSAuth(b, mw(), r, http.StatusUnauthorized)
	})
	b.Run("1MiB_protocol_header", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Sec-WebSocket-Protocol", strings.Repeat("a,", 512<<10))
		runWSAuth(b, mw(), r, http.StatusUnauthorized)
	})
	b.Run("throttled", func(b *testing.B) {
		r := wsauthUpgrade()
		r.Header.Set("Authorization", "Bearer "+forged)
		h := wsauth.Middleware(signer, wsauth.Logger(auditLogger()), wsauth.Throttle(1, time.Hour))(wsauthHandler)
		h.ServeHTTP(httptest.NewRecorder(), r) // the one allowed failure
		runWSAuth(b, h, r, http.StatusTooManyRequests)
	})
}
