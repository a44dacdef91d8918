package wsauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCredentialSources: a valid token in each source authenticates, the
// source is reported, and what later handlers see is cleaned.
func TestCredentialSources(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(testKey)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	entry := wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok)

	tests := []struct {
		name   string
		opts   []wsauth.Option
		setup  func(r *http.Request)
		source string
		check  func(t *testing.T, seen *http.Request)
	}{
		{
			name:   "bearer",
			setup:  func(r *http.Request) { r.Header.Set("Authorization", "bearer "+tok) },
			source: wsauth.SourceBearer,
		},
		{
			name: "subprotocol, entry stripped, application protocols kept in order",
			setup: func(r *http.Request) {
				r.Header.Add("Sec-WebSocket-Protocol", "chat.v2, "+entry)
				r.Header.Add("Sec-WebSocket-Protocol", "chat.v1")
			},
			source: wsauth.SourceSubprotocol,
			check: func(t *testing.T, seen *http.Request) {
				assert.Equal(t, []string{"chat.v2, chat.v1"}, seen.Header.Values("Sec-WebSocket-Protocol"))
			},
		},
		{
			name:   "subprotocol alone: header removed",
			setup:  func(r *http.Request) { r.Header.Set("Sec-WebSocket-Protocol", entry) },
			source: wsauth.SourceSubprotocol,
			check: func(t *testing.T, seen *http.Request) {
				assert.Empty(t, seen.Header.Values("Sec-WebSocket-Protocol"))
			},
		},
		{
			name: "kubernetes prefix",
			opts: []wsauth.Option{wsauth.SubprotocolPrefix("base64url.bearer.authorization.k8s.io.")},
			setup: func(r *http.Request) {
				r.Header.Set("Sec-WebSocket-Protocol", "v5.channel.k8s.io, "+wsauth.SubprotocolEntry("base64url.bearer.authorization.k8s.io.", tok))
			},
			source: wsauth.SourceSubprotocol,
			check: func(t *testing.T, seen *http.Request) {
				assert.Equal(t, "v5.channel.k8s.io", seen.Header.Get("Sec-WebSocket-Protocol"))
			},
		},
		{
			name: "cookie with same origin",
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "http://example.com")
				r.AddCookie(&http.Cookie{Name: "session", Value: tok})
			},
			source: wsauth.SourceCookie,
		},
		{
			name: "custom cookie name",
			opts: []wsauth.Option{wsauth.Cookie("sid")},
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "http://example.com:80")
				r.AddCookie(&http.Cookie{Name: "sid", Value: tok})
			},
			source: wsauth.SourceCookie,
		},
		{
			name: "query, enabled and redacted",
			opts: []wsauth.Option{wsauth.QueryParam("access_token")},
			setup: func(r *http.Request) {
				r.URL.RawQuery = "room=7&access_token=" + tok + "&x=%20y"
				r.RequestURI = r.URL.RequestURI()
			},
			source: wsauth.SourceQuery,
			check: func(t *testing.T, seen *http.Request) {
				assert.Equal(t, "room=7&x=%20y", seen.URL.RawQuery)
				assert.Equal(t, "/ws?room=7&x=%20y", seen.RequestURI)
				assert.NotContains(t, seen.URL.String(), tok)
			},
		},
		{
			name: "query, form parsed by earlier middleware",
			opts: []wsauth.Option{wsauth.QueryParam("access_token")},
			setup: func(r *http.Request) {
				r.URL.RawQuery = "room=7&access_token=" + tok
				_ = r.ParseForm()
			},
			source: wsauth.SourceQuery,
			check: func(t *testing.T, seen *http.Request) {
				assert.Empty(t, seen.FormValue("access_token"))
				assert.Equal(t, "7", seen.FormValue("room"))
			},
		},
		{
			name: "order: cookie first when configured",
			opts: []wsauth.Option{wsauth.Sources(wsauth.SourceCookie, wsauth.SourceBearer)},
			setup: func(r *http.Request) {
				r.Header.Set("Origin", "http://example.com")
				r.Header.Set("Authorization", "Bearer wrong")
				r.AddCookie(&http.Cookie{Name: "session", Value: tok})
			},
			source: wsauth.SourceCookie,
		},
		{
			name: "order: bearer before subprotocol by default, subprotocol still stripped",
			setup: func(r *http.Request) {
				r.Header.Set("Authorization", "Bearer "+tok)
				r.Header.Set("Sec-WebSocket-Protocol", "chat.v1, "+wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, "other"))
			},
			source: wsauth.SourceBearer,
			check: func(t *testing.T, seen *http.Request) {
				assert.Equal(t, "chat.v1", seen.Header.Get("Sec-WebSocket-Protocol"))
			},
		},
		{
			name: "subprotocol source disabled: a token entry is still stripped",
			opts: []wsauth.Option{wsauth.Sources(wsauth.SourceBearer)},
			setup: func(r *http.Request) {
				r.Header.Set("Authorization", "Bearer "+tok)
				r.Header.Set("Sec-WebSocket-Protocol", "chat.v1, "+entry+", "+wsauth.DefaultSubprotocolPrefix+"!malformed")
			},
			source: wsauth.SourceBearer,
			check: func(t *testing.T, seen *http.Request) {
				assert.Equal(t, "chat.v1", seen.Header.Get("Sec-WebSocket-Protocol"))
			},
		},
		{
			name: "a query parameter is redacted even when another source wins",
			opts: []wsauth.Option{wsauth.QueryParam("t")},
			setup: func(r *http.Request) {
				r.Header.Set("Authorization", "Bearer "+tok)
				r.URL.RawQuery = "t=secret-in-url"
			},
			source: wsauth.SourceBearer,
			check: func(t *testing.T, seen *http.Request) {
				assert.Empty(t, seen.URL.RawQuery)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			next := &identityHandler{}
			opts := append([]wsauth.Option{wsauth.Logger(discardLogger())}, tt.opts...)
			h := wsauth.Middleware(signer, opts...)(next)
			r := upgradeRequest("http://example.com/ws")
			tt.setup(r)
			orig := r.Header.Clone()
			origURL := r.URL.String()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, http.StatusSwitchingProtocols, rec.Code, rec.Body.String())
			require.NotNil(t, next.id)
			assert.Equal(t, "alice", next.id.Subject)
			assert.Equal(t, tt.source, next.id.Source)
			assert.Equal(t, orig, r.Header, "the caller's request is not modified")
			assert.Equal(t, origURL, r.URL.String(), "the caller's URL is not modified")
			if tt.check != nil {
				tt.check(t, next.req)
			}
		})
	}
}

func TestSubprotocolStrippedOnRejection(t *testing.T) {
	t.Parallel()
	// The Authenticator sees the cleaned request too.
	var seen *http.Request
	auth := wsauth.AuthenticatorFunc(func(_ context.Context, c wsauth.Credentials) (*wsauth.Identity, error) {
		seen = c.Request
		return nil, wsauth.ErrInvalidCredentials
	})
	h := wsauth.Middleware(auth, wsauth.Logger(discardLogger()))(&identityHandler{})
	r := upgradeRequest("http://example.com/ws")
	r.Header.Set("Sec-WebSocket-Protocol", "chat.v1,"+wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, "tok"))
	h.ServeHTTP(httptest.NewRecorder(), r)
	require.NotNil(t, seen)
	assert.Equal(t, "chat.v1", seen.Header.Get("Sec-WebSocket-Protocol"))
}

func TestCredentialsNeverPrintTheToken(t *testing.T) {
	t.Parallel()
	c := wsauth.Credentials{Token: "super-secret-token", Source: wsauth.SourceBearer}
	logger, logs := newLogger()
	logger.Info("x", "creds", c)
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), logs.String()} {
		assert.NotContains(t, s, "super-secret-token")
		assert.Contains(t, s, wsauth.Fingerprint("super-secret-token"))
	}
}
