package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/wsauth"
)

// TestRealClient: from a trusted proxy, every layer below sees the client
// named by the forwarded headers (RemoteAddr) and the scheme it reported;
// from anyone else, nothing changes.
func TestRealClient(t *testing.T) {
	t.Parallel()
	srv := New(Options{Store: store.NewMemory(), Signer: wsauth.NewSigner([]byte("server-test-key-0123456789abcdef0123")),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	tests := []struct {
		name, peer, xff, fwd, xproto string
		wantAddr, wantScheme         string
	}{
		{"untrusted peer: headers ignored", "203.0.113.9:5555", "198.51.100.1", "", "https", "203.0.113.9:5555", "http"},
		{"trusted proxy", "10.0.0.1:80", "1.2.3.4, 198.51.100.1", "", "https", "198.51.100.1:0", "https"},
		{"chain of proxies", "10.0.0.1:80", "198.51.100.1, 10.2.2.2", "", "", "198.51.100.1:0", "http"},
		{"Forwarded", "10.0.0.1:80", "", `for="[2001:db8::7]:4711";proto=https`, "", "[2001:db8::7]:0", "https"},
		{"no header: the proxy itself", "10.0.0.1:80", "", "", "", "10.0.0.1:80", "http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var gotAddr, gotScheme string
			h := srv.realClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotAddr, gotScheme = r.RemoteAddr, scheme(r)
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.fwd != "" {
				r.Header.Set("Forwarded", tt.fwd)
			}
			if tt.xproto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.xproto)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			require.Equal(t, tt.wantAddr, gotAddr)
			assert.Equal(t, tt.wantScheme, gotScheme)
			assert.Equal(t, tt.peer, r.RemoteAddr, "the caller's request is not changed")
		})
	}
}
