package wsauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOriginPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []wsauth.Option
		host   string
		origin string
		ok     bool
	}{
		{name: "same origin", host: "example.com", origin: "http://example.com", ok: true},
		{name: "same origin, case and default port", host: "Example.COM:80", origin: "HTTP://example.com", ok: true},
		{name: "same host, other port", host: "example.com:8080", origin: "http://example.com", ok: false},
		{name: "same host, https origin on http request", host: "example.com", origin: "https://example.com", ok: false},
		{name: "subdomain is another origin", host: "example.com", origin: "http://a.example.com", ok: false},
		{name: "origin with path", host: "example.com", origin: "http://example.com/", ok: false},
		{name: "origin with user info", host: "example.com", origin: "http://u@example.com", ok: false},
		{name: "allow-list exact", opts: []wsauth.Option{wsauth.AllowOrigins("https://app.example", "http://localhost:5173")},
			host: "api.example", origin: "https://app.example", ok: true},
		{name: "allow-list default port written", opts: []wsauth.Option{wsauth.AllowOrigins("https://app.example:443")},
			host: "api.example", origin: "https://app.example", ok: true},
		{name: "allow-list port", opts: []wsauth.Option{wsauth.AllowOrigins("http://localhost:5173")},
			host: "api.example", origin: "http://localhost:5173", ok: true},
		{name: "allow-list other port", opts: []wsauth.Option{wsauth.AllowOrigins("http://localhost:5173")},
			host: "api.example", origin: "http://localhost:5174", ok: false},
		{name: "allow-list scheme", opts: []wsauth.Option{wsauth.AllowOrigins("https://app.example")},
			host: "api.example", origin: "http://app.example", ok: false},
		{name: "allow-list defeats DNS rebinding", opts: []wsauth.Option{wsauth.AllowOrigins("https://app.example")},
			host: "rebound.attacker.example", origin: "http://rebound.attacker.example", ok: false},
		{name: "pattern", opts: []wsauth.Option{wsauth.AllowOriginPatterns("https://*.example.com")},
			host: "api.example", origin: "https://tenant-1.example.com", ok: true},
		{name: "pattern does not match the apex", opts: []wsauth.Option{wsauth.AllowOriginPatterns("https://*.example.com")},
			host: "api.example", origin: "https://example.com", ok: false},
		{name: "pattern suffix trick", opts: []wsauth.Option{wsauth.AllowOriginPatterns("https://*.example.com")},
			host: "api.example", origin: "https://example.com.evil.example", ok: false},
		{name: "pattern and list together", opts: []wsauth.Option{wsauth.AllowOriginPatterns("https://*.example.com"), wsauth.AllowOrigins("https://example.com")},
			host: "api.example", origin: "https://example.com", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Bearer only: wildcard patterns are refused with cookie credentials.
			opts := append([]wsauth.Option{wsauth.Logger(discardLogger()), wsauth.Sources(wsauth.SourceBearer)}, tt.opts...)
			h := wsauth.Middleware(wsauth.StaticTokens(map[string]string{"service-token-0123456789": "svc"}), opts...)(&identityHandler{})
			r := upgradeRequest("http://example.com/ws")
			r.Host = tt.host
			r.Header.Set("Origin", tt.origin)
			r.Header.Set("Authorization", "Bearer service-token-0123456789")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if tt.ok {
				assert.Equal(t, http.StatusSwitchingProtocols, rec.Code, rec.Body.String())
			} else {
				assert.Equal(t, http.StatusForbidden, rec.Code)
			}
		})
	}
}

// TestSameOriginOverTLS uses a real TLS server: the request's scheme comes
// from the connection, so an https page may connect and an http page on
// the same host may not.
func TestSameOriginOverTLS(t *testing.T) {
	t.Parallel()
	h := wsauth.Middleware(wsauth.StaticTokens(map[string]string{"service-token-0123456789": "svc"}), wsauth.Logger(discardLogger()))(&identityHandler{})
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		scheme string
		want   int
	}{{"https", http.StatusSwitchingProtocols}, {"http", http.StatusForbidden}} {
		r := upgradeRequest(srv.URL + "/ws")
		r.RequestURI = ""
		r.Header.Set("Origin", tc.scheme+"://"+r.URL.Host)
		r.Header.Set("Authorization", "Bearer service-token-0123456789")
		resp, err := srv.Client().Do(r)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, tc.want, resp.StatusCode, tc.scheme)
	}
}
