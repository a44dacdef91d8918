package compress

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	def := defaultEncodings[:]
	gzipFirst := []coding{codingGzip, codingBrotli, codingZstd}
	tests := []struct {
		name    string
		values  []string // nil: header absent
		order   []coding
		want    coding
		refused bool
	}{
		{name: "absent header", values: nil, want: codingNone},
		{name: "empty header", values: []string{""}, want: codingNone},
		{name: "browser", values: []string{"gzip, deflate, br, zstd"}, want: codingZstd},
		{name: "browser, gzip first", values: []string{"gzip, deflate, br, zstd"}, order: gzipFirst, want: codingGzip},
		{name: "only gzip", values: []string{"gzip"}, want: codingGzip},
		{name: "case-insensitive", values: []string{"GZIP, Br"}, want: codingBrotli},
		{name: "x-gzip is gzip", values: []string{"x-gzip"}, want: codingGzip},
		{name: "exact tokens only", values: []string{"gzipx, gz, zstd2, brotli"}, want: codingNone},
		{name: "q-values beat server order", values: []string{"zstd;q=0.5, gzip;q=0.8, br;q=0.7"}, want: codingGzip},
		{name: "uppercase Q and spaces", values: []string{"zstd ; Q=0.2 , gzip ;q=0.9"}, want: codingGzip},
		{name: "tie broken by server order", values: []string{"gzip;q=0.5, br;q=0.5"}, want: codingBrotli},
		{name: "tie broken by custom order", values: []string{"gzip;q=0.5, br;q=0.5"}, order: gzipFirst, want: codingGzip},
		{name: "q=0 refuses", values: []string{"gzip;q=0"}, want: codingNone},
		{name: "q=0.000 refuses", values: []string{"zstd;q=0.000, br;q=0.0, gzip;q=0."}, want: codingNone},
		{name: "q=0.001 accepts", values: []string{"gzip;q=0.001"}, want: codingGzip},
		{name: "q=1.000", values: []string{"gzip;q=0.9, br;q=1.000"}, want: codingBrotli},
		{name: "star covers unlisted", values: []string{"*"}, want: codingZstd},
		{name: "star with refusal of zstd", values: []string{"*, zstd;q=0"}, want: codingBrotli},
		{name: "specific beats star", values: []string{"*;q=0.1, gzip;q=0.5"}, want: codingGzip},
		{name: "star q=0 refuses all unlisted and identity", values: []string{"*;q=0"}, want: codingNone, refused: true},
		{name: "star q=0 but gzip listed", values: []string{"*;q=0, gzip"}, want: codingGzip, refused: true},
		{name: "star q=0 with identity allowed", values: []string{"*;q=0, identity"}, want: codingNone},
		{name: "identity;q=0 alone", values: []string{"identity;q=0"}, want: codingNone, refused: true},
		{name: "identity;q=0 with gzip", values: []string{"gzip, identity;q=0"}, want: codingGzip, refused: true},
		{name: "identity preferred over codings", values: []string{"gzip;q=0.5, identity"}, want: codingNone},
		{name: "identity lower than coding", values: []string{"gzip, identity;q=0.5"}, want: codingGzip},
		{name: "identity via star preferred", values: []string{"*;q=0.9, gzip;q=0.2"}, order: []coding{codingGzip}, want: codingNone},
		{name: "unsupported codings only", values: []string{"deflate, compress"}, want: codingNone},
		{name: "malformed q ignores element", values: []string{"gzip;q=2, br;q=abc, zstd;q=1.5, gzip;q=0.5x"}, want: codingNone},
		{name: "malformed q too long", values: []string{"gzip;q=0.0001"}, want: codingNone},
		{name: "duplicate keeps lowest q", values: []string{"gzip;q=0, gzip"}, want: codingNone},
		{name: "several header lines", values: []string{"deflate", "br;q=0.4", "gzip;q=0.3"}, want: codingBrotli},
		{name: "empty elements", values: []string{" , ,gzip,, "}, want: codingGzip},
		{name: "unknown parameters ignored", values: []string{"gzip;level=9;q=0.5, br;q=0.4"}, want: codingGzip},
		{name: "garbage", values: []string{";;;,==,q=1,\"gzip\""}, want: codingNone},
		{name: "only codings the server offers", values: []string{"br;q=1, gzip;q=0.1"}, order: []coding{codingGzip}, want: codingGzip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			order := tt.order
			if order == nil {
				order = def
			}
			a := parseAcceptEncoding(tt.values)
			got := negotiate(&a, order)
			assert.Equal(t, tt.want.String(), got.coding.String())
			assert.Equal(t, tt.refused, got.identityRefused, "identityRefused")
		})
	}
}

func TestParseQ(t *testing.T) {
	t.Parallel()
	valid := map[string]int16{"0": 0, "1": 1000, "0.5": 500, "0.25": 250, "0.125": 125, "1.0": 1000, "1.000": 1000, "0.": 0, "1.": 1000, "0.000": 0, "0.001": 1, "0.999": 999}
	for in, want := range valid {
		got, ok := parseQ(in)
		require.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "2", "1.001", "1.0001", "1.0000", "1.5", "0.1234", "0.0000", "-0", "+0", ".5", "0,5", "1e0", "01", "0.5 ", "0x1", "１"} {
		_, ok := parseQ(in)
		assert.False(t, ok, in)
	}
}

// TestNegotiateAllocations proves the parse and the choice allocate nothing.
// testing.AllocsPerRun refuses to run in a parallel test.
func TestNegotiateAllocations(t *testing.T) { //nolint:paralleltest
	values := []string{"gzip;q=0.8, deflate, BR;q=0.9, zstd;q=0.7, identity;q=0.1, *;q=0"}
	var sink choice
	allocs := testing.AllocsPerRun(200, func() {
		a := parseAcceptEncoding(values)
		sink = negotiate(&a, defaultEncodings[:])
	})
	assert.Zero(t, allocs)
	assert.Equal(t, codingBrotli, sink.coding)
}

// referenceQ is a deliberately simple, allocating model of the parser used
// by the fuzz target: strings.Split and strconv.
func referenceQ(values []string) (q map[string]int, wildcard int) {
	q = map[string]int{}
	wildcard = -1
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			parts := strings.Split(elem, ";")
			name := strings.ToLower(strings.Trim(parts[0], " \t"))
			if name == "" || !isToken(name) {
				continue
			}
			qv, ok := 1000, true
			for _, p := range parts[1:] {
				p = strings.Trim(p, " \t")
				if p == "" {
					continue
				}
				k, val, found := strings.Cut(p, "=")
				if !found {
					ok = false
					break
				}
				if strings.EqualFold(strings.Trim(k, " \t"), "q") {
					val = strings.Trim(val, " \t")
					f, err := strconv.ParseFloat(val, 64)
					if err != nil || f < 0 || f > 1 || strings.ContainsAny(val, "eE+-xXpP_") ||
						!(val[0] == '0' || val[0] == '1') || (len(val) > 1 && val[1] != '.') || len(val) > 5 {
						ok = false
						break
					}
					qv = int(f*1000 + 0.5)
				}
			}
			if !ok {
				continue
			}
			if name == "x-gzip" {
				name = "gzip"
			}
			if name == "*" {
				if wildcard < 0 || qv < wildcard {
					wildcard = qv
				}
				continue
			}
			if old, seen := q[name]; !seen || qv < old {
				q[name] = qv
			}
		}
	}
	return q, wildcard
}

func FuzzAcceptEncoding(f *testing.F) {
	for _, seed := range []string{
		"gzip, deflate, br, zstd", "*;q=0", "identity;q=0, gzip;q=0.5", "GZIP;Q=1.000",
		"br;q=0.001, *", "gzip;q=0.5x", ";;,,", "x-gzip; q=0 , zstd ;q=1.",
		"gzip;foo=\"a,b\";q=0.3",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		values := strings.Split(header, "\n")
		a := parseAcceptEncoding(values)
		ch := negotiate(&a, defaultEncodings[:])

		// Every q-value is in range.
		for _, q := range append(a.q[:], a.wildcard) {
			if q != notListed && (q < 0 || q > 1000) {
				t.Fatalf("q-value %d out of range for %q", q, header)
			}
		}
		if strings.Contains(header, "\"") || strings.Contains(header, "\\") {
			return // the reference model does not handle quoted strings
		}
		// Differential check against the simple model.
		refQ, refWild := referenceQ(values)
		for _, c := range []coding{codingGzip, codingBrotli, codingZstd, codingNone} {
			want, listed := refQ[c.String()]
			if !listed {
				want = notListed
			}
			if int(a.q[c]) != want {
				t.Fatalf("%q: q[%s] = %d, reference %d", header, c, a.q[c], want)
			}
		}
		if int(a.wildcard) != refWild {
			t.Fatalf("%q: wildcard = %d, reference %d", header, a.wildcard, refWild)
		}
		// The chosen coding is acceptable and no offered coding beats it.
		if ch.coding != codingNone {
			chosen := weight(&a, ch.coding)
			if chosen <= 0 {
				t.Fatalf("%q: chose %s with weight %d", header, ch.coding, chosen)
			}
			for _, c := range defaultEncodings {
				if weight(&a, c) > chosen {
					t.Fatalf("%q: chose %s but %s weighs more", header, ch.coding, c)
				}
			}
		}
	})
}

func weight(a *acceptance, c coding) int16 {
	if a.q[c] != notListed {
		return a.q[c]
	}
	return a.wildcard
}
