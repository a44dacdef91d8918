package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClientAddrResolve(t *testing.T) {
	t.Parallel()
	trusted := proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name, peer string
		xff        []string
		fwd        []string
		xproto     string
		want       string
		proto      string
	}{
		{"direct client, headers ignored", "203.0.113.9:5555", []string{"198.51.100.1"}, nil, "https", "203.0.113.9:5555", ""},
		{"one proxy", "10.0.0.1:80", []string{"198.51.100.1"}, nil, "", "198.51.100.1:0", ""},
		{"client sent a forged entry first", "10.0.0.1:80", []string{"1.2.3.4, 198.51.100.1"}, nil, "", "198.51.100.1:0", ""},
		{"chain of trusted proxies", "10.0.0.1:80", []string{"198.51.100.1, 10.1.1.1, 10.2.2.2"}, nil, "", "198.51.100.1:0", ""},
		{"several header lines", "10.0.0.1:80", []string{"1.2.3.4", "198.51.100.1, 10.9.9.9"}, nil, "", "198.51.100.1:0", ""},
		{"ip:port entries", "10.0.0.1:80", []string{"198.51.100.1:4711"}, nil, "", "198.51.100.1:4711", ""},
		{"bracketed IPv6 with port", "10.0.0.1:80", []string{"[2001:db8::1]:4711"}, nil, "", "[2001:db8::1]:4711", ""},
		{"bare IPv6", "[fd00::1]:80", []string{"2001:db8::2"}, nil, "", "[2001:db8::2]:0", ""},
		{"garbage stops at the last trusted hop", "10.0.0.1:80", []string{"198.51.100.1, bogus, 10.3.3.3"}, nil, "", "10.3.3.3:0", ""},
		{"all trusted: the leftmost", "10.0.0.1:80", []string{"10.4.4.4, 10.5.5.5"}, nil, "", "10.4.4.4:0", ""},
		{"no header: the proxy itself", "10.0.0.1:80", nil, nil, "", "10.0.0.1:80", ""},
		{"X-Forwarded-Proto", "10.0.0.1:80", []string{"198.51.100.1"}, nil, "HTTPS", "198.51.100.1:0", "https"},
		{"bad proto ignored", "10.0.0.1:80", []string{"198.51.100.1"}, nil, "gopher", "198.51.100.1:0", ""},
		{"Forwarded", "10.0.0.1:80", nil, []string{`for=198.51.100.1;proto=https`}, "", "198.51.100.1:0", "https"},
		{"Forwarded IPv6 quoted with port", "10.0.0.1:80", nil, []string{`for="[2001:db8:cafe::17]:4711"`}, "", "[2001:db8:cafe::17]:4711", ""},
		{"Forwarded chain, forged first", "10.0.0.1:80", nil, []string{`for=1.2.3.4, for=198.51.100.1;proto=http, For="10.6.6.6"`}, "", "198.51.100.1:0", ""},
		{"Forwarded unknown", "10.0.0.1:80", nil, []string{`for=unknown, for=10.7.7.7`}, "", "10.7.7.7:0", ""},
		{"Forwarded obfuscated", "10.0.0.1:80", nil, []string{`for=_hidden`}, "", "10.0.0.1:80", ""},
		{"Forwarded wins over X-Forwarded-For", "10.0.0.1:80", []string{"1.2.3.4"}, []string{`for=198.51.100.1`}, "", "198.51.100.1:0", ""},
		{"quoted comma inside a value", "10.0.0.1:80", nil, []string{`for=198.51.100.1;by="a,b", for=10.8.8.8`}, "", "198.51.100.1:0", ""},
		{"IPv4-mapped peer", "[::ffff:10.0.0.1]:80", []string{"198.51.100.1"}, nil, "", "198.51.100.1:0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range tt.fwd {
				r.Header.Add("Forwarded", v)
			}
			if tt.xproto != "" {
				r.Header.Set("X-Forwarded-Proto", tt.xproto)
			}
			got, proto := trusted.resolve(r)
			assert.Equal(t, tt.want, got.String())
			assert.Equal(t, tt.proto, proto)
		})
	}
	t.Run("no trusted proxies: always the peer", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "10.0.0.1:80"
		r.Header.Set("X-Forwarded-For", "198.51.100.1")
		got, _ := proxies(nil).resolve(r)
		assert.Equal(t, "10.0.0.1:80", got.String())
	})
}
