package cluster

import (
	"strings"
	"testing"
)

func TestParseStreamID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"1700000000000-0", true}, {"0-1", true}, {"18446744073709551615-18446744073709551615", true},
		{"", false}, {"-", false}, {"1-", false}, {"-1", false}, {"1", false}, {"01-0", false},
		{"1-01", false}, {"+1-0", false}, {"1-0-0", false}, {"*", false}, {"$", false},
		{"18446744073709551616-0", false}, {" 1-0", false}, {"1-0 ", false}, {"a-b", false},
		{strings.Repeat("1", 42) + "-0", false},
	} {
		id, ok := parseStreamID(tc.in)
		if ok != tc.ok {
			t.Errorf("parseStreamID(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
		if ok && id.String() != tc.in {
			t.Errorf("parseStreamID(%q) = %s", tc.in, id)
		}
	}
	a, _ := parseStreamID("5-9")
	b, _ := parseStreamID("6-0")
	c, _ := parseStreamID("6-1")
	if !a.less(b) || !b.less(c) || c.less(a) || a.less(a) {
		t.Error("order of stream IDs")
	}
}

// FuzzParseStreamID: /ws?since= is untrusted. A parsed ID prints back as
// its input (one spelling per position), and nothing panics.
func FuzzParseStreamID(f *testing.F) {
	for _, s := range []string{"1700000000000-0", "0-0", "1-", "01-1", "18446744073709551616-0", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseStreamID(s)
		if ok && id.String() != s {
			t.Fatalf("parseStreamID(%q) = %s", s, id)
		}
		if !ok && id != (streamID{}) {
			t.Fatalf("parseStreamID(%q) failed but returned %v", s, id)
		}
	})
}
