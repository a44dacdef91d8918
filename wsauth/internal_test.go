package wsauth

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pfx = DefaultSubprotocolPrefix

func TestParseSubprotocols(t *testing.T) {
	t.Parallel()
	enc := base64.RawURLEncoding.EncodeToString([]byte("tok/en+?"))
	tests := []struct {
		name   string
		values []string
		token  string
		rest   string
		found  bool
		err    bool
	}{
		{"none", []string{"chat.v1, chat.v2"}, "", "", false, false},
		{"token last", []string{"chat.v1, " + pfx + enc}, "tok/en+?", "chat.v1", true, false},
		{"token alone", []string{pfx + enc}, "tok/en+?", "", true, false},
		{"token first, odd spacing", []string{" \t" + pfx + enc + " ,chat.v1,, "}, "tok/en+?", "chat.v1", true, false},
		{"several header lines", []string{"a", pfx + enc, "b, c"}, "tok/en+?", "a, b, c", true, false},
		{"prefix inside an entry", []string{"x" + pfx + enc}, "", "", false, false},
		{"prefix only", []string{"chat.v1, " + pfx}, "", "chat.v1", true, true},
		{"padded base64", []string{pfx + base64.URLEncoding.EncodeToString([]byte("x"))}, "", "", true, true},
		{"standard alphabet", []string{pfx + "a+b/"}, "", "", true, true},
		{"twice", []string{pfx + enc + "," + pfx + enc}, "", "", true, true},
		{"prefix is case-sensitive", []string{strings.ToUpper(pfx) + enc}, "", "", false, false},
		{"empty", []string{""}, "", "", false, false},
		{"too long to hold a token and protocols", []string{strings.Repeat("a,", 10<<10), pfx + enc}, "", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token, rest, found, err := parseSubprotocols(tt.values, pfx)
			assert.Equal(t, tt.token, token)
			assert.Equal(t, tt.rest, rest)
			assert.Equal(t, tt.found, found)
			assert.Equal(t, tt.err, err != nil, "%v", err)
		})
	}
}

func TestCutQueryParam(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, value, rest string }{
		{"t=abc", "abc", ""},
		{"a=1&t=abc&b=2", "abc", "a=1&b=2"},
		{"t=abc&t=def", "abc", ""},
		{"%74=a%2Bb", "a+b", ""},
		{"a=1&tt=2", "", "a=1&tt=2"},
		{"t", "", ""},
	}
	for _, tt := range tests {
		value, rest, _ := cutQueryParam(tt.raw, "t")
		assert.Equal(t, tt.value, value, tt.raw)
		assert.Equal(t, tt.rest, rest, tt.raw)
	}
}

func TestNormalizeOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://App.Example", "https://app.example"},
		{"https://app.example:443", "https://app.example"},
		{"http://app.example:443", "http://app.example:443"},
		{"http://[::1]:80", "http://[::1]"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"chrome-extension://abcdef", "chrome-extension://abcdef"},
		{"null", ""},
		{"https://", ""},
		{"https://a.example/", ""},
		{"https://a.example?x", ""},
		{"https://u@a.example", ""},
		{"https://a.example:", ""},
		{"https://a.example:x", ""},
		{"https://a:b:c", ""},
		{"1http://a", ""},
		{"https://a b", ""},
	}
	for _, tt := range tests {
		got, ok := normalizeOrigin(tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.want != "", ok, tt.in)
	}
}

// TestThrottleBoundedMemory: an attack from many addresses never grows the
// table beyond its capacity, and recent offenders mostly stay blocked.
func TestThrottleBoundedMemory(t *testing.T) {
	t.Parallel()
	th := newThrottle(2, time.Minute, 1000)
	now := time.Now()
	for i := range 50_000 {
		a := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		key := throttleKey(a)
		reason, _ := th.admit(key, now)
		require.Empty(t, reason)
		th.done(key, now, true)
		require.LessOrEqual(t, th.size(), 1000)
	}
	// Expired entries go first.
	later := now.Add(2 * time.Minute)
	for i := range 10 {
		key := throttleKey(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}))
		reason, _ := th.admit(key, later)
		require.Empty(t, reason)
		th.done(key, later, true)
	}
	assert.LessOrEqual(t, th.size(), 20, "expired entries are dropped before live ones")
}

// TestThrottleBookkeeping: successes leave no entry behind, an entry
// evicted while its attempt is in progress is handled, and a window that
// ends while an attempt is in progress starts the count afresh.
func TestThrottleBookkeeping(t *testing.T) {
	t.Parallel()
	th := newThrottle(2, time.Minute, 1)
	now := time.Now()
	a := throttleKey(netip.MustParseAddr("192.0.2.1"))
	b := throttleKey(netip.MustParseAddr("192.0.2.2"))

	reason, _ := th.admit(a, now)
	require.Empty(t, reason)
	th.done(a, now, false)
	assert.Zero(t, th.size(), "a success leaves nothing behind")

	reason, _ = th.admit(a, now)
	require.Empty(t, reason)
	reason, _ = th.admit(b, now) // capacity 1: evicts a, in progress
	require.Empty(t, reason)
	th.done(a, now, true) // a's failure is still recorded
	th.done(b, now, false)
	assert.Equal(t, 1, th.size())

	reason, _ = th.admit(a, now)
	require.Empty(t, reason)
	later := now.Add(time.Minute)
	th.done(a, later, true) // counted in the new window
	reason, _ = th.admit(a, later)
	require.Empty(t, reason, "one failure in the new window, two allowed")
	th.done(a, later, true)
	reason, wait := th.admit(a, later.Add(time.Second))
	assert.Equal(t, reasonThrottled, reason)
	assert.Equal(t, 59*time.Second, wait)
}

func TestThrottleKey(t *testing.T) {
	t.Parallel()
	assert.False(t, throttleKey(netip.Addr{}).IsValid())
	assert.Equal(t, "192.0.2.1/32", throttleKey(netip.MustParseAddr("192.0.2.1")).String())
	assert.Equal(t, "2001:db8:0:1::/64", throttleKey(netip.MustParseAddr("2001:db8:0:1:2:3:4:5")).String())
	assert.Equal(t, "fe80::/64", throttleKey(netip.MustParseAddr("fe80::1%eth0")).String())
	// An unparseable RemoteAddr (a Unix socket peer) is not throttled.
	th := newThrottle(1, time.Minute, 10)
	for range 3 {
		reason, _ := th.admit(throttleKey(parseRemoteAddr("@")), time.Now())
		assert.Empty(t, reason)
		th.done(throttleKey(parseRemoteAddr("@")), time.Now(), true)
	}
	assert.Zero(t, th.size())
}
