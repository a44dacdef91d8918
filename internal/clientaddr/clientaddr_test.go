package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func prefixes(t testing.TB, s ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, x := range s {
		p, ok := ParsePrefix(x)
		require.True(t, ok, x)
		ps = append(ps, p)
	}
	return ps
}

func TestFrom(t *testing.T) {
	t.Parallel()
	proxies := []string{"10.0.0.0/8", "192.0.2.10", "2001:db8:ffff::/48"}
	tests := []struct {
		name      string
		remote    string
		xff, fwd  []string
		trusted   []string
		want      string // "" for the zero Addr
		fromProxy bool
	}{
		{name: "no proxies: peer", remote: "203.0.113.9:1", xff: []string{"198.51.100.1"}, want: "203.0.113.9"},
		{name: "untrusted peer: headers ignored", remote: "203.0.113.9:1", xff: []string{"198.51.100.1"},
			fwd: []string{"for=198.51.100.2"}, trusted: proxies, want: "203.0.113.9"},
		{name: "unix socket peer", remote: "@", trusted: proxies, want: ""},
		{name: "mapped peer", remote: "[::ffff:203.0.113.9]:1", want: "203.0.113.9"},
		{name: "trusted peer without headers", remote: "10.1.1.1:1", trusted: proxies, want: "10.1.1.1", fromProxy: true},
		{name: "xff", remote: "10.1.1.1:1", xff: []string{"198.51.100.5, 10.9.9.9"}, trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "xff left of the client is the client's own", remote: "10.1.1.1:1",
			xff: []string{"1.2.3.4", "198.51.100.5, 192.0.2.10"}, trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "xff ip:port", remote: "10.1.1.1:1", xff: []string{"198.51.100.5:4711"}, trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "xff [v6]:port", remote: "10.1.1.1:1", xff: []string{"[2001:db8::5]:4711"}, trusted: proxies, want: "2001:db8::5", fromProxy: true},
		{name: "xff bare v6", remote: "10.1.1.1:1", xff: []string{"2001:db8::5"}, trusted: proxies, want: "2001:db8::5", fromProxy: true},
		{name: "xff [v6]", remote: "10.1.1.1:1", xff: []string{"[2001:db8::5]"}, trusted: proxies, want: "2001:db8::5", fromProxy: true},
		{name: "xff trusted v6 proxy skipped", remote: "[2001:db8:ffff::1]:1", xff: []string{"198.51.100.5, [2001:db8:ffff::2]:80"},
			trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "xff garbage stops the walk", remote: "10.1.1.1:1", xff: []string{"198.51.100.5, not-an-ip"}, trusted: proxies, want: "10.1.1.1", fromProxy: true},
		{name: "xff garbage after a trusted hop", remote: "10.1.1.1:1", xff: []string{"x, 10.2.2.2"}, trusted: proxies, want: "10.2.2.2", fromProxy: true},
		{name: "xff bad port", remote: "10.1.1.1:1", xff: []string{"198.51.100.5:http"}, trusted: proxies, want: "10.1.1.1", fromProxy: true},
		{name: "xff empty elements", remote: "10.1.1.1:1", xff: []string{"198.51.100.5, ,"}, trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "xff zone refused", remote: "10.1.1.1:1", xff: []string{"fe80::1%eth0"}, trusted: proxies, want: "10.1.1.1", fromProxy: true},
		{name: "forwarded", remote: "10.1.1.1:1", fwd: []string{"for=198.51.100.5;proto=https"}, trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "forwarded quoted v6 with port", remote: "10.1.1.1:1", fwd: []string{`for="[2001:db8:cafe::17]:4711"`}, trusted: proxies,
			want: "2001:db8:cafe::17", fromProxy: true},
		{name: "forwarded chain", remote: "10.1.1.1:1", fwd: []string{"for=1.2.3.4, for=198.51.100.5;by=10.1.1.1", "For=\"10.3.3.3:80\""},
			trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "forwarded unknown stops", remote: "10.1.1.1:1", fwd: []string{"for=198.51.100.5, for=unknown"}, trusted: proxies, want: "10.1.1.1", fromProxy: true},
		{name: "forwarded obfuscated", remote: "10.1.1.1:1", fwd: []string{"for=_hidden"}, trusted: proxies, want: "10.1.1.1", fromProxy: true},
		{name: "forwarded obfuscated port", remote: "10.1.1.1:1", fwd: []string{`for="198.51.100.5:_p1"`}, trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "forwarded element without for", remote: "10.1.1.1:1", fwd: []string{"for=198.51.100.5, proto=https"}, trusted: proxies, want: "10.1.1.1", fromProxy: true},
		{name: "forwarded comma in quotes", remote: "10.1.1.1:1", fwd: []string{`for=198.51.100.5;ext="a,b"`}, trusted: proxies, want: "198.51.100.5", fromProxy: true},
		{name: "forwarded unquoted v6 is malformed", remote: "10.1.1.1:1", fwd: []string{"for=[2001:db8::1]:80"}, trusted: proxies, want: "2001:db8::1", fromProxy: true},
		{name: "both agree", remote: "10.1.1.1:1", xff: []string{"198.51.100.5"}, fwd: []string{"for=198.51.100.5"}, trusted: proxies,
			want: "198.51.100.5", fromProxy: true},
		{name: "both disagree: neither believed", remote: "10.1.1.1:1", xff: []string{"198.51.100.5"}, fwd: []string{"for=192.0.2.77"}, trusted: proxies,
			want: "10.1.1.1", fromProxy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			r.Header["X-Forwarded-For"] = tt.xff
			r.Header["Forwarded"] = tt.fwd
			got, fromProxy := From(r, prefixes(t, tt.trusted...))
			want := netip.Addr{}
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			assert.Equal(t, want, got)
			assert.Equal(t, tt.fromProxy, fromProxy)
		})
	}
}

func TestProto(t *testing.T) {
	t.Parallel()
	tests := []struct {
		xfp, fwd []string
		want     string
	}{
		{nil, nil, ""},
		{[]string{"HTTPS, http"}, nil, "https"},
		{[]string{"ftp"}, []string{"proto=https"}, ""},
		{nil, []string{`for=1.2.3.4;proto="https", for=10.0.0.1;proto=http`}, "https"},
		{nil, []string{"for=1.2.3.4"}, ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["X-Forwarded-Proto"] = tt.xfp
		r.Header["Forwarded"] = tt.fwd
		assert.Equal(t, tt.want, Proto(r), "%v %v", tt.xfp, tt.fwd)
	}
}

func TestParsePrefix(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"10.1.2.3/8": "10.0.0.0/8", "192.0.2.1": "192.0.2.1/32", "::1": "::1/128", "::ffff:192.0.2.1": "192.0.2.1/32",
	} {
		p, ok := ParsePrefix(in)
		require.True(t, ok, in)
		assert.Equal(t, want, p.String())
	}
	for _, in := range []string{"", "10.0.0.0/33", "host", "fe80::1%eth0"} {
		_, ok := ParsePrefix(in)
		assert.False(t, ok, in)
	}
}

// FuzzFrom: From never panics; for an untrusted peer it is the peer
// whatever the headers say; otherwise it is the peer or an address written
// in one of the headers, never a trusted proxy unless the walk stopped at
// one, and valid.
func FuzzFrom(f *testing.F) {
	f.Add("10.1.1.1:1", "198.51.100.5:80, 10.2.2.2", `for="[2001:db8::1]:1", for=10.3.3.3`)
	f.Add("10.1.1.1:1", "", `for=unknown;proto=https, for="a,b\"c"`)
	f.Add("203.0.113.1:1", "1.2.3.4", "")
	f.Add("[2001:db8:ffff::1]:1", "[2001:db8::5]:4711", "")
	trusted := prefixes(f, "10.0.0.0/8", "2001:db8:ffff::/48")
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header["X-Forwarded-For"] = strings.Split(xff, "\n")
		}
		if fwd != "" {
			r.Header["Forwarded"] = strings.Split(fwd, "\n")
		}
		got, fromProxy := From(r, trusted)
		peer := Peer(remote)
		if got != peer && !got.IsValid() {
			t.Fatalf("invalid address %v for peer %v", got, peer)
		}
		if !fromProxy {
			if got != peer {
				t.Fatalf("untrusted peer %v, got %v", peer, got)
			}
			return
		}
		if got != peer && got.Zone() != "" {
			t.Fatalf("zone in %v", got)
		}
		if got != peer && fwd == "" {
			// Only X-Forwarded-For was sent: the client is one of its entries.
			found := false
			for e := range strings.FieldsFuncSeq(xff, func(r rune) bool { return r == ',' || r == '\n' }) {
				if a, ok := parseNode(strings.Trim(e, " \t")); ok && a == got {
					found = true
				}
			}
			if !found {
				t.Fatalf("%v is not an entry of %q", got, xff)
			}
		}
		if got != peer && contains(trusted, got) {
			// The walk may end on a trusted hop only when nothing usable
			// is left of it: then the hop is the last vouched-for address.
			if xff != "" && fwd != "" {
				t.Fatalf("both headers and a trusted result %v", got)
			}
		}
		_ = Proto(r)
	})
}
