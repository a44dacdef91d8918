package wsauth

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzParseSubprotocols: the Sec-WebSocket-Protocol parser never panics,
// never leaves a token entry in what the handler sees, and returns a token
// that re-encodes to the entry it came from.
func FuzzParseSubprotocols(f *testing.F) {
	f.Add("chat.v1, " + pfx + base64.RawURLEncoding.EncodeToString([]byte("tok")))
	f.Add(pfx + ",," + pfx)
	f.Add(" \t,\t" + pfx + "AAAA" + ", x")
	f.Add(pfx + "_-_-")
	f.Fuzz(func(t *testing.T, header string) {
		values := strings.Split(header, "\n")
		token, rest, found, err := parseSubprotocols(values, pfx)
		if rest != "" {
			for e := range strings.SplitSeq(rest, ", ") {
				if e == "" || strings.HasPrefix(e, pfx) || strings.Contains(e, ",") || e != strings.Trim(e, " \t") {
					t.Fatalf("bad remaining entry %q", e)
				}
			}
		}
		if err != nil {
			if token != "" || !found {
				t.Fatalf("error %v with token %q found %v", err, token, found)
			}
			return
		}
		if found {
			if token == "" {
				t.Fatal("found without a token")
			}
			if !strings.Contains(header, pfx+base64.RawURLEncoding.EncodeToString([]byte(token))) {
				t.Fatalf("token %q does not come from the header", token)
			}
		} else if token != "" {
			t.Fatal("token without found")
		}
	})
}

// FuzzVerify: token verification never panics, rejects everything not
// signed with the key, and every error wraps a sentinel.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef")).WithClock(func() time.Time { return now })
	good, _ := s.IssueClaims("alice", time.Hour, map[string]string{"role": "admin"})
	f.Add(good)
	f.Add("")
	f.Add(".")
	f.Add(good[:len(good)-1] + "A")
	f.Add("AQ." + strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, token string) {
		id, err := s.Verify(token)
		if err != nil {
			if id != nil {
				t.Fatal("identity with an error")
			}
			if !errors.Is(err, ErrInvalidCredentials) && !errors.Is(err, ErrExpired) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if token != good {
			// Only a signed token verifies; any other accepted string would
			// be a forgery (or a non-canonical encoding of the good one).
			t.Fatalf("accepted unsigned token %q", token)
		}
		if id.Subject != "alice" || id.Claims["role"] != "admin" {
			t.Fatalf("wrong identity %+v", id)
		}
	})
}

// FuzzDecodePayload exercises the payload decoder directly (Verify only
// reaches it with signed payloads).
func FuzzDecodePayload(f *testing.F) {
	f.Add([]byte{1, 1, 2, 1, 'a', 0})
	f.Add([]byte{1, 1, 2, 1, 'a', 1, 1, 'k', 1, 'v'})
	f.Add([]byte{})
	f.Add([]byte{2, 2, 'w', 's', 1, 2, 1, 'a', 0})
	f.Add([]byte{2, 0, 1, 2, 1, 'a', 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		id, err := decodePayload(p)
		if err != nil {
			if id != nil || !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("bad failure %v %v", id, err)
			}
			return
		}
		if id.Subject == "" || !id.IssuedAt.Before(id.ExpiresAt) {
			t.Fatalf("accepted bad payload %+v", id)
		}
		if (p[0] == tokenVersionAud) != (id.Audience != "") {
			t.Fatalf("version %d with audience %q", p[0], id.Audience)
		}
	})
}

// FuzzNormalizeOrigin: normalization is idempotent and never panics.
func FuzzNormalizeOrigin(f *testing.F) {
	f.Add("https://app.example:443")
	f.Add("http://[::1]:8080")
	f.Add("null")
	f.Add("http://[::80")
	f.Add("http://[::1]x")
	f.Add("http://a]:1")
	f.Add("http://[::1]:0080")
	f.Fuzz(func(t *testing.T, o string) {
		n, ok := normalizeOrigin(o)
		if !ok {
			return
		}
		n2, ok2 := normalizeOrigin(n)
		if !ok2 || n2 != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", o, n, n2)
		}
		// What is accepted is a well-formed origin: net/url reads the same
		// host and port back, an IPv6 literal is a valid address.
		u, err := url.Parse(n)
		if err != nil || u.Path != "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("%q -> %q: not a clean URL (%v)", o, n, err)
		}
		if h := u.Hostname(); strings.Contains(u.Host, "[") {
			if a, err := netip.ParseAddr(h); err != nil || !a.Is6() || a.String() != h {
				t.Fatalf("%q -> %q: bad IPv6 literal %q", o, n, h)
			}
		} else if h == "" || strings.ContainsAny(h, "[]:") {
			t.Fatalf("%q -> %q: bad host %q", o, n, h)
		}
		if p := u.Port(); p != "" {
			if v, err := strconv.Atoi(p); err != nil || v < 1 || v > 65535 || strconv.Itoa(v) != p {
				t.Fatalf("%q -> %q: bad port %q", o, n, p)
			}
		}
	})
}

// FuzzCutQueryParam: the query redaction never panics and never leaves a
// pair named like the token parameter (in any escaping) in the URL that
// later handlers see; every other pair is kept, in order.
func FuzzCutQueryParam(f *testing.F) {
	f.Add("room=7&access_token=abc&x=%20y", "access_token")
	f.Add("access%5Ftoken=a%2Bb&access_token", "access_token")
	f.Add("t=%zz&&t=1&t", "t")
	f.Fuzz(func(t *testing.T, raw, name string) {
		if !isParamName(name) {
			return // QueryParam refuses it
		}
		value, rest, found := cutQueryParam(raw, name)
		// Empty pairs carry nothing and may be dropped.
		nonEmpty := func(q string) []string {
			return slices.DeleteFunc(strings.Split(q, "&"), func(p string) bool { return p == "" })
		}
		var kept []string
		named := false
		for _, pair := range nonEmpty(raw) {
			k, _, _ := strings.Cut(pair, "=")
			if uk, err := url.QueryUnescape(k); err == nil && uk == name {
				named = true
				continue
			}
			kept = append(kept, pair)
		}
		if got := nonEmpty(rest); !slices.Equal(got, kept) {
			t.Fatalf("rest %q, want the pairs %q", rest, kept)
		}
		if found != named {
			t.Fatalf("found %v for %q", found, raw)
		}
		if value != "" && !found {
			t.Fatalf("value %q without found", value)
		}
	})
}
