package compress

import (
	"fmt"
	"strings"
)

// Defaults, chosen from BenchmarkCompressLevels and BenchmarkCompressMemory
// in examples/benchmarks: each encoder alone on 64 KB and 1 MB of JSON and
// 64 KB of HTML, timed alternately with gzip level 6 on the same (shared,
// noisy) machine, with the live heap of one encoder beside it, and the live
// heap per response of 64 responses blocked mid-stream; the tables are in
// the README. Memory counts as much as speed and size: a server holding
// thousands of server-sent event or slow-client streams pays it for each.
//
//   - gzip level 6 is the seed's level (Express compression), 1.09 MB per
//     stream, as gzhttp's. Level 1 takes 0.45x the time but is 12% larger;
//     level 9 takes 5–7x the time for 5–20% smaller output.
//   - zstd level 1 (klauspost's "fastest", gzhttp's default) with a 128 KiB
//     window: 0.78 MB per stream, less than gzip, for 0.5–0.6x gzip 6's
//     time; as small as gzip 6 on 1 MB of JSON (0.241 vs 0.242), 2% larger
//     on 64 KB (0.250 vs 0.245), 23% smaller on HTML. Level 3 is 1–9%
//     smaller on JSON (14% larger on HTML) but holds 1.89 MB per stream at
//     this window (2.81 MB at the 1 MiB window used before), for 0.8–1.0x
//     gzip 6's time.
//   - brotli level 4 is 7–20% smaller than gzip 6 on JSON and 14% on HTML
//     for 2.4–3.7x its time, with a 2^18 window: 2.1 MB per stream (the
//     library's default 4 MiB window held 9.9 MB for the same size on
//     64 KB and 0.4% less on 1 MB). Levels 2–3 save only 2–9%; level 5
//     saves another 7–13% but takes 4–5x gzip 6's time and 2.6 MB.
const (
	// DefaultMinSize is the smallest body compressed when MinSize is not
	// given, in bytes (the seed's 1 KB threshold).
	DefaultMinSize = 1024
	// DefaultGzipLevel is the gzip level when GzipLevel is not given.
	DefaultGzipLevel = 6
	// DefaultBrotliLevel is the brotli quality when BrotliLevel is not given.
	DefaultBrotliLevel = 4
	// DefaultZstdLevel is the zstd level when ZstdLevel is not given.
	DefaultZstdLevel = 1
	// DefaultZstdWindow is the zstd window in bytes when ZstdWindow is not
	// given.
	DefaultZstdWindow = 128 << 10
	// DefaultBrotliWindow is the base-2 logarithm of the brotli window
	// when BrotliWindow is not given: 2^18 bytes (256 KiB).
	DefaultBrotliWindow = 18
)

// defaultEncodings is the server preference order used when Encodings is not
// given: zstd first (faster than gzip 6, about as small, less memory), brotli
// second (the smallest output, for 2.4–3.7x gzip 6's CPU), gzip last
// (understood by every client). The preference only breaks ties: a client's
// q-values always win.
var defaultEncodings = [...]coding{codingZstd, codingBrotli, codingGzip}

// DefaultEncodings returns the server preference order used when the
// Encodings option is not given: "zstd", "br", "gzip".
func DefaultEncodings() []string {
	names := make([]string, len(defaultEncodings))
	for i, c := range defaultEncodings {
		names[i] = c.String()
	}
	return names
}

// ETagMode says how a strong ETag is changed when a response is compressed.
// A compressed body is a different byte sequence, so a strong validator must
// not be reused unchanged (RFC 9110, section 8.8.3).
type ETagMode uint8

const (
	// ETagWeaken turns a strong ETag "x" into the weak W/"x" (the default).
	// Conditional requests keep working with handlers that use weak
	// comparison for If-None-Match, as http.ServeContent does.
	ETagWeaken ETagMode = iota + 1
	// ETagSuffix appends the coding to a strong ETag: "x" becomes "x-gzip",
	// "x-br" or "x-zstd". The tag stays strong, but the handler must accept
	// the suffixed forms in If-None-Match and If-Match itself.
	ETagSuffix
	// ETagKeep leaves ETags untouched. Only correct when every client of the
	// resource receives the same coding.
	ETagKeep
)

// Option configures the Middleware. Invalid values panic when Middleware is
// called, with a message naming the option.
type Option func(*config)

// MinSize sets the smallest body, in bytes, that is compressed (default
// 1024). Smaller bodies are sent as they are: compression would add CPU time
// and framing for no gain. The size is known from Content-Length when the
// handler sets it, otherwise the first bytes are buffered until MinSize is
// reached, the handler flushes, or the handler returns. 0 compresses every
// non-empty body. Negative values panic.
func MinSize(n int) Option {
	if n < 0 {
		panic(fmt.Sprintf("compress.MinSize: size %d is negative", n))
	}
	return func(c *config) { c.minSize = n }
}

// GzipLevel sets the gzip level, 1 (fastest) to 9 (smallest); default 6.
// Other values panic.
func GzipLevel(n int) Option {
	if n < 1 || n > 9 {
		panic(fmt.Sprintf("compress.GzipLevel: level %d is outside 1..9", n))
	}
	return func(c *config) { c.gzipLevel = n }
}

// BrotliLevel sets the brotli quality, 0 (fastest) to 11 (smallest); default
// 4. Levels above 5 are meant for static assets compressed once, not for
// responses compressed on every request. Other values panic.
func BrotliLevel(n int) Option {
	if n < 0 || n > 11 {
		panic(fmt.Sprintf("compress.BrotliLevel: level %d is outside 0..11", n))
	}
	return func(c *config) { c.brotliLevel = n }
}

// BrotliWindow sets the brotli window as its base-2 logarithm, 10 (1 KiB)
// to 24 (16 MiB); default 18 (256 KiB). The brotli library's own default,
// 22 (4 MiB), costs tens of megabytes per encoder on large responses for
// little gain on the responses an HTTP server compresses on the fly: the
// window bounds how far back a match can reach, so only bodies with
// repeats further apart than the window compress better with a larger one.
// Memory per encoder at quality 4 is about 2 MB at 18, 2.5 MB at 19 and
// 3.5 MB at 20 (see the README). Other values panic.
func BrotliWindow(lgwin int) Option {
	if lgwin < 10 || lgwin > 24 {
		panic(fmt.Sprintf("compress.BrotliWindow: %d is outside 10..24 (the base-2 logarithm of the window size)", lgwin))
	}
	return func(c *config) { c.brotliWindow = lgwin }
}

// ZstdWindow sets the zstd window in bytes: a power of two from 1 KiB to
// 8 MiB (the largest window browsers accept for HTTP, RFC 9659); default
// DefaultZstdWindow. A larger window finds repeats further back, which
// only helps bodies larger than the window, and costs its size in memory
// for every response in flight. Other values panic.
func ZstdWindow(bytes int) Option {
	if bytes < 1<<10 || bytes > 8<<20 || bytes&(bytes-1) != 0 {
		panic(fmt.Sprintf("compress.ZstdWindow: %d is not a power of two from 1024 to 8388608", bytes))
	}
	return func(c *config) { c.zstdWindow = bytes }
}

// ZstdLevel sets the zstd level on zstd's usual scale, 1 to 22; default 1.
// klauspost/compress implements four encoders, so levels map to them as
// zstd.EncoderLevelFromZstd does: 1–2 fastest, 3–5 default, 6–9 better,
// 10–22 best. Other values panic.
func ZstdLevel(n int) Option {
	if n < 1 || n > 22 {
		panic(fmt.Sprintf("compress.ZstdLevel: level %d is outside 1..22", n))
	}
	return func(c *config) { c.zstdLevel = n }
}

// Encodings sets the content codings the server offers, in its order of
// preference: any of "zstd", "br" and "gzip". The preference breaks ties
// between codings the client accepts with equal q-values; codings left out
// are never used. The default is DefaultEncodings(). An empty list, an
// unknown name or a repeated name panics.
func Encodings(names ...string) Option {
	if len(names) == 0 {
		panic("compress.Encodings: no encodings given")
	}
	order := make([]coding, 0, len(names))
	for _, name := range names {
		c := codingFromName(name)
		if c == codingNone {
			panic(fmt.Sprintf("compress.Encodings: unknown encoding %q (want zstd, br or gzip)", name))
		}
		for _, seen := range order {
			if seen == c {
				panic(fmt.Sprintf("compress.Encodings: encoding %q listed twice", name))
			}
		}
		order = append(order, c)
	}
	return func(cfg *config) { cfg.order = order }
}

// AllowTypes compresses responses of the given media types even when the
// built-in list of already-compressed types denies them. A pattern is a
// media type ("image/bmp"), a whole top-level type ("image/*") or "*/*";
// matching ignores case and parameters. When several patterns match, the
// most specific wins, and DenyTypes wins over AllowTypes at the same
// specificity; your patterns always win over the built-in list. So
// DenyTypes("*/*") with AllowTypes("text/*", "application/json") compresses
// only those. Malformed patterns panic.
func AllowTypes(patterns ...string) Option {
	parsed := parsePatterns("compress.AllowTypes", patterns)
	return func(c *config) {
		for _, p := range parsed {
			c.types.add(p, true)
		}
	}
}

// DenyTypes never compresses responses of the given media types, in addition
// to the built-in list. Patterns are as for AllowTypes. Malformed patterns
// panic.
func DenyTypes(patterns ...string) Option {
	parsed := parsePatterns("compress.DenyTypes", patterns)
	return func(c *config) {
		for _, p := range parsed {
			c.types.add(p, false)
		}
	}
}

// ETags sets how strong ETags of compressed responses are changed: ETagWeaken
// (the default), ETagSuffix or ETagKeep. A 304 Not Modified carries the
// validator its 200 was sent with: the adjusted tag when the request's
// If-None-Match holds the adjusted form, the handler's own when it holds
// that one (the 200 was not encoded: too small, or a type never encoded,
// whose Content-Type http.ServeContent deletes before a 304). With neither
// form in If-None-Match (If-Modified-Since, "*"), the 304's Content-Type
// decides, and without one the tag is adjusted whenever a coding was
// negotiated. Other values panic.
func ETags(mode ETagMode) Option {
	if mode < ETagWeaken || mode > ETagKeep {
		panic(fmt.Sprintf("compress.ETags: unknown mode %d", mode))
	}
	return func(c *config) { c.etag = mode }
}

// LengthJitter enables a BREACH mitigation: every compressed response gets
// between 1 and maxBytes bytes of padding that decoders ignore (a gzip header
// comment, a zstd skippable frame, a brotli metadata block), so the length of
// a response no longer reveals exactly how well a secret in it compressed
// together with attacker-controlled input. The padding length is derived from
// the content, not drawn afresh: a hash of the first 16 KiB of the
// uncompressed body, keyed with a random seed made when Middleware is called.
// The same body always gets the same padding, so repeating a request does not
// average it away; to hash those bytes, the decision waits for them (or for a
// Flush, or the handler's return). It is off by default (0). See the package
// documentation for what it does not protect against: prefer masking secrets
// (per-request CSRF tokens) or Skip on such responses. maxBytes outside
// 0..1024 panics.
func LengthJitter(maxBytes int) Option {
	if maxBytes < 0 || maxBytes > maxJitter {
		panic(fmt.Sprintf("compress.LengthJitter: %d is outside 0..%d", maxBytes, maxJitter))
	}
	return func(c *config) { c.jitter = maxBytes }
}

const maxJitter = 1024

// parsePatterns validates media-type patterns for AllowTypes and DenyTypes.
func parsePatterns(option string, patterns []string) []string {
	if len(patterns) == 0 {
		panic(option + ": no media types given")
	}
	out := make([]string, 0, len(patterns))
	for _, p := range patterns {
		lp := strings.ToLower(strings.TrimSpace(p))
		typ, sub, ok := strings.Cut(lp, "/")
		if !ok || !isToken(typ) || !(isToken(sub)) || (typ == "*" && sub != "*") {
			panic(fmt.Sprintf("%s: malformed media type pattern %q (want type/subtype, type/* or */*)", option, p))
		}
		out = append(out, lp)
	}
	return out
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	switch b {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
