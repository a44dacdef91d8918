package wsauth

import (
	"context"
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
		// Malformed brackets (issue 12 item 5).
		{"http://[::80", ""},
		{"http://[::1", ""},
		{"http://::1]", ""},
		{"http://a]:80", ""},
		{"http://[a]:80", ""},
		{"http://[::1]x", ""},
		{"http://[::1]:", ""},
		{"http://[::1]]:80", ""},
		{"http://[[::1]]", ""},
		{"http://[fe80::1%25eth0]", ""},
		{"http://[192.0.2.1]", ""},
		{"http://[]", ""},
		{"http://[::1]:8080:1", ""},
		// Canonical IPv6 and ports.
		{"http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080"},
		{"http://[2001:DB8::1]", "http://[2001:db8::1]"},
		{"http://a.example:0080", "http://a.example"},
		{"http://a.example:08080", "http://a.example:8080"},
		{"http://a.example:0", ""},
		{"http://a.example:65536", ""},
		{"http://a.example:000000000443", "http://a.example:443"},
	}
	for _, tt := range tests {
		got, ok := normalizeOrigin(tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.want != "", ok, tt.in)
	}
}

// memAttempt is a one-key attempt on a /32 with limit 2 and a minute's window.
func memAttempt(addr string) *ThrottleAttempt {
	a := netip.MustParseAddr(addr)
	return &ThrottleAttempt{Keys: []ThrottleKey{{Prefix: netip.PrefixFrom(a, a.BitLen()), Limit: 2}}, Window: time.Minute}
}

// TestThrottleBoundedMemory: an attack from many addresses never grows the
// table beyond its capacity, and recent offenders mostly stay blocked.
func TestThrottleBoundedMemory(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := func() time.Time { return now }
	th := newMemoryStore(1000, clock)
	ctx := context.Background()
	for i := range 50_000 {
		a := memAttempt(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String())
		res, err := th.Admit(ctx, a)
		require.NoError(t, err)
		require.Equal(t, ThrottleAdmitted, res.Verdict)
		require.NoError(t, th.Done(ctx, a, true))
		require.LessOrEqual(t, th.size(), 1000)
	}
	// Expired entries go first.
	now = now.Add(2 * time.Minute)
	for i := range 10 {
		a := memAttempt(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}).String())
		res, _ := th.Admit(ctx, a)
		require.Equal(t, ThrottleAdmitted, res.Verdict)
		_ = th.Done(ctx, a, true)
	}
	assert.LessOrEqual(t, th.size(), 20, "expired entries are dropped before live ones")
}

// TestThrottleBookkeeping: successes leave no entry behind, an entry
// evicted while its attempt is in progress is handled, and a window that
// ends while an attempt is in progress starts the count afresh.
func TestThrottleBookkeeping(t *testing.T) {
	t.Parallel()
	now := time.Now()
	th := newMemoryStore(1, func() time.Time { return now })
	ctx := context.Background()
	a, b := memAttempt("192.0.2.1"), memAttempt("192.0.2.2")
	admit := func(x *ThrottleAttempt) ThrottleResult {
		res, err := th.Admit(ctx, x)
		require.NoError(t, err)
		return res
	}

	require.Equal(t, ThrottleAdmitted, admit(a).Verdict)
	_ = th.Done(ctx, a, false)
	assert.Zero(t, th.size(), "a success leaves nothing behind")

	require.Equal(t, ThrottleAdmitted, admit(a).Verdict)
	require.Equal(t, ThrottleAdmitted, admit(b).Verdict) // capacity 1: evicts a, in progress
	_ = th.Done(ctx, a, true)                            // a's failure is still recorded
	_ = th.Done(ctx, b, false)
	assert.Equal(t, 1, th.size())

	require.Equal(t, ThrottleAdmitted, admit(a).Verdict)
	now = now.Add(time.Minute)
	_ = th.Done(ctx, a, true) // counted in the new window
	require.Equal(t, ThrottleAdmitted, admit(a).Verdict, "one failure in the new window, two allowed")
	_ = th.Done(ctx, a, true)
	now = now.Add(time.Second)
	res := admit(a)
	assert.Equal(t, ThrottleBlocked, res.Verdict)
	assert.Equal(t, 59*time.Second, res.RetryAfter)
}

func TestThrottleKeys(t *testing.T) {
	t.Parallel()
	c := defaultConfig()
	c.failures, c.failures56, c.failures48 = 10, 40, 160
	var dst [3]ThrottleKey
	assert.Nil(t, c.throttleKeys(&dst, netip.Addr{}), "an unparseable RemoteAddr (a Unix socket peer) is not throttled")
	assert.Nil(t, c.throttleKeys(&dst, parseRemoteAddr("@")))
	assert.Equal(t, []ThrottleKey{{netip.MustParsePrefix("192.0.2.1/32"), 10}}, c.throttleKeys(&dst, netip.MustParseAddr("192.0.2.1")))
	assert.Equal(t, []ThrottleKey{
		{netip.MustParsePrefix("2001:db8:0:1::/64"), 10},
		{netip.MustParsePrefix("2001:db8::/56"), 40},
		{netip.MustParsePrefix("2001:db8::/48"), 160},
	}, c.throttleKeys(&dst, netip.MustParseAddr("2001:db8:0:1:2:3:4:5")))
	assert.Equal(t, "fe80::/64", c.throttleKeys(&dst, netip.MustParseAddr("fe80::1%eth0"))[0].Prefix.String())
}
