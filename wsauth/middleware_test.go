package wsauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/wsauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRejections covers every rejection path of Middleware: status, envelope
// code, WWW-Authenticate, the audit reason, and that neither the handler
// nor (where the rejection comes first) the Authenticator ran.
func TestRejections(t *testing.T) {
	t.Parallel()
	clock := newClock()
	signer := wsauth.NewSigner(testKey).WithClock(clock.Now)
	valid, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	expired, err := signer.WithClock(func() time.Time { return clock.Now().Add(-2 * time.Hour) }).Issue("alice", time.Hour)
	require.NoError(t, err)
	otherSigner := wsauth.NewSigner([]byte("ffffffffffffffffffffffffffffffff"))
	forged, err := otherSigner.Issue("alice", time.Hour)
	require.NoError(t, err)

	tests := []struct {
		name       string
		opts       []wsauth.Option
		auth       wsauth.Authenticator // default: signer
		setup      func(r *http.Request)
		status     int
		code       string
		challenge  string // expected WWW-Authenticate, "" for none
		reason     string
		authCalled bool
	}{
		{
			name:   "not an upgrade",
			setup:  func(r *http.Request) { r.Header.Del("Upgrade") },
			status: http.StatusUpgradeRequired, code: "UPGRADE_REQUIRED",
		},
		{
			name:   "upgrade with POST",
			setup:  func(r *http.Request) { r.Method = http.MethodPost },
			status: http.StatusUpgradeRequired, code: "UPGRADE_REQUIRED",
		},
		{
			name:   "no credentials",
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket"`, reason: "no_credentials",
		},
		{
			name:   "authorization that is not bearer",
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Basic YWxpY2U6cHc=") },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket"`, reason: "no_credentials",
		},
		{
			name:   "malformed bearer token",
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer not-a-token") },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "malformed_token", authCalled: true,
		},
		{
			name:   "token signed with another key",
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+forged) },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "bad_signature", authCalled: true,
		},
		{
			name:   "expired token",
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+expired) },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "expired", authCalled: true,
		},
		{
			name:   "oversized credential",
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+strings.Repeat("a", 9000)) },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "token_too_long",
		},
		{
			name: "malformed subprotocol token",
			setup: func(r *http.Request) {
				r.Header.Set("Sec-WebSocket-Protocol", "chat.v1, "+wsauth.DefaultSubprotocolPrefix+"!!not-base64!!")
			},
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "malformed_subprotocol",
		},
		{
			name: "subprotocol header too long to hold a token and protocols",
			setup: func(r *http.Request) {
				r.Header.Set("Sec-WebSocket-Protocol", strings.Repeat("chat.v1, ", 4<<10)+wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, valid))
			},
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "malformed_subprotocol",
		},
		{
			name: "two subprotocol tokens",
			setup: func(r *http.Request) {
				r.Header.Set("Sec-WebSocket-Protocol", "chat.v1, "+wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, valid)+", "+
					wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, valid))
			},
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "malformed_subprotocol",
		},
		{
			name: "cross-site origin",
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "https://evil.example")
				r.AddCookie(&http.Cookie{Name: "session", Value: valid})
			},
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "origin_not_allowed",
		},
		{
			name: "same host over plain http for an https request",
			setup: func(r *http.Request) {
				r.Header.Set("X-Forwarded-Proto", "https") // not trusted: no TrustedProxies
				r.Header.Set("Origin", "https://example.com")
				r.Header.Set("Authorization", "Bearer "+valid)
			},
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "origin_not_allowed",
		},
		{
			name: "null origin",
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "null")
				r.Header.Set("Authorization", "Bearer "+valid)
			},
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "origin_not_allowed",
		},
		{
			name: "origin not on the allow-list",
			opts: []wsauth.Option{wsauth.AllowOrigins("https://app.example")},
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "https://app.example:8443")
				r.Header.Set("Authorization", "Bearer "+valid)
			},
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "origin_not_allowed",
		},
		{
			name: "allow-list replaces same-origin",
			opts: []wsauth.Option{wsauth.AllowOrigins("https://app.example")},
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "http://example.com")
				r.Header.Set("Authorization", "Bearer "+valid)
			},
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "origin_not_allowed",
		},
		{
			name: "pattern with wrong scheme",
			opts: []wsauth.Option{wsauth.AllowOriginPatterns("https://*.example.com"), wsauth.Sources(wsauth.SourceBearer)},
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "http://app.example.com")
				r.Header.Set("Authorization", "Bearer "+valid)
			},
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "origin_not_allowed",
		},
		{
			name:   "cookie without origin",
			setup:  func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: valid}) },
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "origin_required",
		},
		{
			name:   "query token when query is not enabled",
			setup:  func(r *http.Request) { r.URL.RawQuery = "access_token=" + valid },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket"`, reason: "no_credentials",
		},
		{
			name: "authenticator denies with an APIError",
			auth: wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
				return nil, &respond.APIError{Status: http.StatusForbidden, Code: respond.CodeForbidden, Message: "account suspended"}
			}),
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+valid) },
			status: http.StatusForbidden, code: "FORBIDDEN", reason: "denied", authCalled: true,
		},
		{
			name: "authenticator returns an already expired identity",
			auth: wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
				return &wsauth.Identity{Subject: "alice", ExpiresAt: clock.Now().Add(-time.Second)}, nil
			}),
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+valid) },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "expired", authCalled: true,
		},
		{
			name: "authenticator wraps ErrInvalidCredentials",
			auth: wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
				return nil, errors.Join(errors.New("user disabled"), wsauth.ErrInvalidCredentials)
			}),
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+valid) },
			status: http.StatusUnauthorized, code: "UNAUTHORIZED",
			challenge: `Bearer realm="websocket", error="invalid_token"`, reason: "invalid_credentials", authCalled: true,
		},
		{
			name: "authenticator fails on the server side",
			auth: wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
				return nil, errors.New("session store unreachable")
			}),
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+valid) },
			status: http.StatusInternalServerError, code: "INTERNAL_ERROR", reason: "authenticator_error", authCalled: true,
		},
		{
			name: "authenticator returns neither identity nor error",
			auth: wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
				return nil, nil
			}),
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+valid) },
			status: http.StatusInternalServerError, code: "INTERNAL_ERROR", reason: "nil_identity", authCalled: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newLogger()
			inner := tt.auth
			if inner == nil {
				inner = signer
			}
			auth := &countingAuth{inner: inner}
			next := &identityHandler{}
			opts := append([]wsauth.Option{wsauth.Logger(logger), wsauth.Clock(clock.Now)}, tt.opts...)
			h := wsauth.Middleware(auth, opts...)(next)

			r := upgradeRequest("http://example.com/ws")
			if tt.setup != nil {
				tt.setup(r)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)

			assert.Equal(t, tt.status, rec.Code)
			env := decodeEnvelope(t, rec)
			assert.False(t, env.Success)
			assert.Equal(t, tt.code, env.Error.Code)
			assert.Equal(t, tt.challenge, rec.Header().Get("WWW-Authenticate"))
			assert.Zero(t, next.Calls(), "the handler must not run")
			assert.Equal(t, tt.authCalled, auth.Calls() > 0, "authenticator called")
			if tt.status == http.StatusUpgradeRequired {
				assert.Equal(t, "websocket", rec.Header().Get("Upgrade"))
				assert.Empty(t, logs.String(), "a non-upgrade request is not an attempt")
				return
			}
			recs := logs.Records(t)
			require.Len(t, recs, 1, "exactly one audit record")
			assert.Equal(t, tt.reason, recs[0]["reason"])
			if tt.status == http.StatusInternalServerError {
				assert.Equal(t, "error", recs[0]["outcome"])
				assert.Equal(t, "ERROR", recs[0]["level"])
			} else {
				assert.Equal(t, "rejected", recs[0]["outcome"])
				assert.Equal(t, "WARN", recs[0]["level"])
			}
			assert.Empty(t, recs[0]["subject"], "no subject on failure")
			if tt.reason == "token_too_long" {
				assert.Empty(t, recs[0]["token_fp"], "an oversized token is not hashed")
			}
			assert.NotContains(t, logs.String(), valid, "the token is never logged")
		})
	}
}

func TestPassThroughNonUpgrade(t *testing.T) {
	t.Parallel()
	next := &identityHandler{}
	h := wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.PassThroughNonUpgrade())(next)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ws", nil))
	assert.Equal(t, 1, next.Calls())
	assert.Nil(t, next.id, "no identity on a passed-through request")
}

func TestAcceptedAttempt(t *testing.T) {
	t.Parallel()
	logger, logs := newLogger()
	clock := newClock()
	signer := wsauth.NewSigner(testKey).WithClock(clock.Now)
	tok, err := signer.IssueClaims("alice", time.Hour, map[string]string{"role": "admin"})
	require.NoError(t, err)
	next := &identityHandler{}
	h := wsauth.Middleware(signer, wsauth.Logger(logger), wsauth.Clock(clock.Now))(next)

	r := upgradeRequest("http://example.com/ws")
	r.Header.Set("Origin", "http://example.com")
	r.Header.Set("Authorization", "Bearer "+tok)
	r.RemoteAddr = "203.0.113.7:5555"
	r = r.WithContext(requestIDContext(r.Context(), "req-42"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)

	require.Equal(t, http.StatusSwitchingProtocols, rec.Code)
	require.NotNil(t, next.id)
	assert.Equal(t, "alice", next.id.Subject)
	assert.Equal(t, wsauth.SourceBearer, next.id.Source)
	assert.Equal(t, "admin", next.id.Claims["role"])
	assert.True(t, clock.Now().Add(time.Hour).Equal(next.id.ExpiresAt))

	recs := logs.Records(t)
	require.Len(t, recs, 1)
	rec0 := recs[0]
	assert.Equal(t, "INFO", rec0["level"])
	for k, want := range map[string]any{
		"outcome": "accepted", "reason": "authenticated", "request_id": "req-42",
		"remote_addr": "203.0.113.7", "origin": "http://example.com", "host": "example.com",
		"path": "/ws", "user_agent": "wsauth-test/1", "source": "bearer", "subject": "alice",
		"token_fp": wsauth.Fingerprint(tok),
	} {
		assert.Equal(t, want, rec0[k], k)
	}
	assert.Len(t, rec0["token_fp"], 8)
	assert.NotContains(t, logs.String(), tok)
}

// TestContextExpiry checks the deadline at ExpiresAt and its ErrExpired
// cause, with a real clock.
func TestContextExpiry(t *testing.T) {
	t.Parallel()
	expires := time.Now().Add(80 * time.Millisecond)
	auth := wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		return &wsauth.Identity{Subject: "svc", ExpiresAt: expires}, nil
	})
	var (
		deadline time.Time
		hasDL    bool
		cause    error
	)
	h := wsauth.Middleware(auth, wsauth.Logger(discardLogger()))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, hasDL = r.Context().Deadline()
		<-r.Context().Done()
		cause = context.Cause(r.Context())
	}))
	r := upgradeRequest("http://example.com/ws")
	r.Header.Set("Authorization", "Bearer service-token")
	h.ServeHTTP(httptest.NewRecorder(), r)
	require.True(t, hasDL)
	assert.True(t, deadline.Equal(expires))
	assert.ErrorIs(t, cause, wsauth.ErrExpired)

	// Without ExpiresAt there is no deadline.
	auth = func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		return &wsauth.Identity{Subject: "svc"}, nil
	}
	h = wsauth.Middleware(auth, wsauth.Logger(discardLogger()))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, hasDL = r.Context().Deadline()
	}))
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.False(t, hasDL)
}

// TestServerErrorGoesThroughResponder: a server-side authenticator failure
// is rendered and logged by the configured respond.Responder, and its text
// never reaches the client.
func TestServerErrorGoesThroughResponder(t *testing.T) {
	t.Parallel()
	respLogger, respLogs := newLogger()
	auth := wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		return nil, errors.New("session store unreachable at 10.0.0.5")
	})
	h := wsauth.Middleware(auth, wsauth.Logger(discardLogger()), wsauth.Responder(respond.New(respond.WithLogger(respLogger))))(&identityHandler{})
	r := upgradeRequest("http://example.com/ws")
	r.Header.Set("Authorization", "Bearer x")
	r = r.WithContext(requestIDContext(r.Context(), "req-500"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Body.String(), "unreachable")
	assert.Contains(t, respLogs.String(), "session store unreachable")
	assert.Contains(t, respLogs.String(), "req-500")
}

// TestHTTP2WebSocketIsAuthenticated: an RFC 8441 WebSocket (extended
// CONNECT, which net/http serves with GODEBUG=http2xconnect=1) is a
// WebSocket handshake too, so it is authenticated; PassThroughNonUpgrade
// must not let it through unauthenticated.
func TestHTTP2WebSocketIsAuthenticated(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	next := &identityHandler{}
	h := wsauth.Middleware(signer, wsauth.PassThroughNonUpgrade(), wsauth.Logger(discardLogger()))(next)
	connect := func() *http.Request {
		r := httptest.NewRequest(http.MethodConnect, "https://example.com/ws", nil)
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
		r.Header[":protocol"] = []string{"websocket"} // as net/http's HTTP/2 server sets it
		r.Header.Set("Sec-WebSocket-Version", "13")
		return r
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, connect())
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Zero(t, next.Calls())

	r := connect()
	r.Header.Set("Authorization", "Bearer "+tok)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, 1, next.Calls())
	require.NotNil(t, next.id)
	assert.Equal(t, "alice", next.id.Subject)
}

// TestUpgradeRequiredOverHTTP2: the 426 answer carries Upgrade only over
// HTTP/1.x. HTTP/2 forbids connection-specific header fields (RFC 9113
// §8.2.2): net/http would send it, and clients such as curl (nghttp2) then
// fail the stream with PROTOCOL_ERROR instead of seeing the 426.
func TestUpgradeRequiredOverHTTP2(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(wsauth.Middleware(wsauth.NewSigner(testKey), wsauth.Logger(discardLogger()))(&identityHandler{}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, h2 := range []bool{true, false} {
		client := srv.Client()
		if !h2 {
			tlsConfig := client.Transport.(*http.Transport).TLSClientConfig.Clone()
			tlsConfig.NextProtos = nil // a custom TLS config without ALPN: HTTP/1.1
			client = &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}}
		}
		resp, err := client.Get(srv.URL + "/ws")
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, h2, resp.ProtoMajor == 2)
		assert.Equal(t, http.StatusUpgradeRequired, resp.StatusCode)
		if h2 {
			assert.Empty(t, resp.Header.Values("Upgrade"))
		} else {
			assert.Equal(t, "websocket", resp.Header.Get("Upgrade"))
		}
	}
}

// TestPassThroughFailsClosed: with PassThroughNonUpgrade, a GET that
// carries Upgrade or Sec-WebSocket-Key, whatever their values, is
// authenticated, never passed through: WebSocket libraries fold Unicode
// and trim Unicode spaces where wsauth does not.
func TestPassThroughFailsClosed(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	variants := map[string]func(h http.Header){
		"long s":          func(h http.Header) { h.Set("Upgrade", "web\u017focket") },
		"kelvin sign":     func(h http.Header) { h.Set("Upgrade", "websoc\u212aet") },
		"nbsp":            func(h http.Header) { h.Set("Upgrade", "\u00a0websocket\u00a0") },
		"nel":             func(h http.Header) { h.Set("Upgrade", "\u0085websocket\u0085") },
		"connection nbsp": func(h http.Header) { h.Set("Connection", "\u00a0Upgrade") },
		"connection long s": func(h http.Header) {
			h.Set("Connection", "upgrade, \u017fomething")
			h.Set("Upgrade", "web\u017focket")
		},
		"no connection": func(h http.Header) { h.Del("Connection") },
		"key only":      func(h http.Header) { h.Del("Upgrade"); h.Del("Connection") },
		"upgrade only":  func(h http.Header) { h.Del("Sec-WebSocket-Key"); h.Set("Upgrade", "h2c") },
		"empty upgrade": func(h http.Header) { h["Upgrade"] = []string{""} },
	}
	for name, mutate := range variants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			next := &identityHandler{}
			h := wsauth.Middleware(signer, wsauth.PassThroughNonUpgrade(), wsauth.Logger(discardLogger()))(next)
			r := upgradeRequest("http://example.com/ws")
			mutate(r.Header)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Zero(t, next.Calls(), "passed through unauthenticated")

			r = upgradeRequest("http://example.com/ws")
			mutate(r.Header)
			r.Header.Set("Authorization", "Bearer "+tok)
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, 1, next.Calls())
			require.NotNil(t, next.id, "authenticated")
			assert.Equal(t, "alice", next.id.Subject)
		})
	}
	// A GET without either header still passes through.
	next := &identityHandler{}
	h := wsauth.Middleware(signer, wsauth.PassThroughNonUpgrade(), wsauth.Logger(discardLogger()))(next)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/ws", nil))
	assert.Equal(t, 1, next.Calls())
	assert.Nil(t, next.id)
}
