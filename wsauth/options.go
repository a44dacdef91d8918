package wsauth

import (
	"fmt"
	"log/slog"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/nexuskit/nexus/respond"
)

// Defaults, each with the reason for it.
const (
	// DefaultSubprotocolPrefix marks the Sec-WebSocket-Protocol entry that
	// carries a token. It follows the Kubernetes API server's scheme
	// ("base64url.bearer.authorization.k8s.io.<token>") under nexuskit's
	// own name; pass the Kubernetes prefix to SubprotocolPrefix to accept
	// clients written for it.
	DefaultSubprotocolPrefix = "base64url.bearer.authorization.nexuskit."
	// DefaultCookie is the session cookie's name.
	DefaultCookie = "session"
	// DefaultThrottleFailures failures from one address within
	// DefaultThrottleWindow block that address until the window ends: far
	// more than a user mistyping or a client retrying an expired token
	// produces, far fewer than a guessing attack needs.
	DefaultThrottleFailures = 10
	// DefaultThrottleWindow is the failure-counting window.
	DefaultThrottleWindow = time.Minute
	// DefaultThrottleCapacity is how many addresses the throttle tracks at
	// most (about 100 bytes each: ~1 MiB), so an attack from many
	// addresses cannot grow memory without bound.
	DefaultThrottleCapacity = 10000
)

// Option configures Middleware. Invalid values panic in Middleware with a
// message naming the option.
type Option func(*config)

type config struct {
	logger         *slog.Logger
	sources        []string
	sourcesSet     bool
	cookie         string
	query          string
	subprotoPrefix string
	origins        map[string]struct{}
	patterns       []originPattern
	passThrough    bool
	throttleOff    bool
	failures       int
	window         time.Duration
	capacity       int
	proxies        []netip.Prefix
	now            func() time.Time
	responder      *respond.Responder
}

func defaultConfig() config {
	return config{
		logger:         nil, // slog.Default() at construction
		sources:        []string{SourceBearer, SourceSubprotocol, SourceCookie},
		cookie:         DefaultCookie,
		subprotoPrefix: DefaultSubprotocolPrefix,
		failures:       DefaultThrottleFailures,
		window:         DefaultThrottleWindow,
		capacity:       DefaultThrottleCapacity,
		now:            time.Now,
	}
}

func optPanic(opt, format string, args ...any) {
	panic("wsauth: " + opt + ": " + fmt.Sprintf(format, args...))
}

// AllowOrigins replaces the default same-origin policy with an allow-list
// of exact origins: scheme, host and port, such as "https://app.example"
// or "http://localhost:5173". A default port may be written or left out.
// An allow-list also defeats DNS rebinding, which the same-origin default
// (comparing Origin with the request's own Host) cannot. Values with a
// path, query, user info or without a scheme panic.
func AllowOrigins(origins ...string) Option {
	parsed := make([]string, 0, len(origins))
	for _, o := range origins {
		n, ok := normalizeOrigin(o)
		if !ok {
			optPanic("AllowOrigins", "%q is not an origin of the form scheme://host[:port]", o)
		}
		parsed = append(parsed, n)
	}
	return func(c *config) {
		if c.origins == nil {
			c.origins = make(map[string]struct{}, len(parsed))
		}
		for _, n := range parsed {
			c.origins[n] = struct{}{}
		}
	}
}

// AllowOriginPatterns adds origin patterns of the form
// "scheme://hostpattern", for example "https://*.example.com". The scheme
// must match exactly; the host (with its port, if not the default) is
// matched with path.Match, case-insensitively. Like AllowOrigins it replaces
// the same-origin default. "*.example.com" does not match "example.com";
// list both if both are wanted.
func AllowOriginPatterns(patterns ...string) Option {
	parsed := make([]originPattern, 0, len(patterns))
	for _, p := range patterns {
		scheme, host, ok := strings.Cut(strings.ToLower(p), "://")
		if !ok || !validScheme(scheme) || host == "" || strings.ContainsAny(host, "/?#@") {
			optPanic("AllowOriginPatterns", "%q is not a pattern of the form scheme://hostpattern", p)
		}
		if _, err := path.Match(host, ""); err != nil {
			optPanic("AllowOriginPatterns", "%q: %v", p, err)
		}
		parsed = append(parsed, originPattern{scheme: scheme, host: host})
	}
	return func(c *config) { c.patterns = append(c.patterns, parsed...) }
}

// Sources sets which credential sources are read, in order; the first one
// present in the request is used (the others are not consulted). The
// default is SourceBearer, SourceSubprotocol, SourceCookie; QueryParam adds
// SourceQuery at the end. Unknown or repeated names panic, and so does
// SourceQuery without QueryParam.
func Sources(sources ...string) Option {
	if len(sources) == 0 {
		optPanic("Sources", "at least one source is required")
	}
	seen := map[string]bool{}
	for _, s := range sources {
		switch s {
		case SourceBearer, SourceSubprotocol, SourceCookie, SourceQuery:
		default:
			optPanic("Sources", "unknown source %q (want bearer, subprotocol, cookie or query)", s)
		}
		if seen[s] {
			optPanic("Sources", "source %q listed twice", s)
		}
		seen[s] = true
	}
	list := append([]string(nil), sources...)
	return func(c *config) { c.sources, c.sourcesSet = list, true }
}

// Cookie sets the session cookie's name (default DefaultCookie).
func Cookie(name string) Option {
	if name == "" || !isToken(name) {
		optPanic("Cookie", "%q is not a valid cookie name", name)
	}
	return func(c *config) { c.cookie = name }
}

// QueryParam enables reading a token from the query parameter name
// (letters, digits and -._~, such as "access_token"), for clients that can
// do nothing else. Tokens in URLs end up in access logs,
// proxies and browser history (RFC 6750 §2.3), so it is off by default, and
// when enabled the parameter is removed from the URL (and RequestURI) that
// later handlers and their logs see. Middleware placed before wsauth still
// sees it: put wsauth first.
func QueryParam(name string) Option {
	if !isParamName(name) {
		optPanic("QueryParam", "%q is not a query parameter name of letters, digits and -._~", name)
	}
	return func(c *config) { c.query = name }
}

// SubprotocolPrefix sets the prefix of the Sec-WebSocket-Protocol entry
// that carries a base64url token (default DefaultSubprotocolPrefix). Use
// "base64url.bearer.authorization.k8s.io." to accept Kubernetes-style
// clients. It must be a valid HTTP token.
func SubprotocolPrefix(prefix string) Option {
	if prefix == "" || !isToken(prefix) {
		optPanic("SubprotocolPrefix", "%q is not a valid subprotocol token prefix", prefix)
	}
	return func(c *config) { c.subprotoPrefix = prefix }
}

// PassThroughNonUpgrade lets requests that are not WebSocket upgrades reach
// the next handler unauthenticated (FromContext reports false) instead of
// being answered 426 Upgrade Required. It fails closed: a GET carrying an
// Upgrade or Sec-WebSocket-Key header, whatever their values, is
// authenticated like a handshake even when it is not a strict RFC 6455
// upgrade, because WebSocket libraries read those headers more loosely
// than wsauth does (coder/websocket and gobwas/ws accept "webſocket" with
// U+017F, a Kelvin sign for "k", or NBSP and NEL around the token).
func PassThroughNonUpgrade() Option {
	return func(c *config) { c.passThrough = true }
}

// Throttle sets how many failed attempts (401 or 403) one client address
// may make within window before further attempts get 429 Too Many Requests
// with Retry-After until the window ends, without reaching the
// Authenticator. Attempts still being authenticated count too (a client
// cannot get more guesses through by sending them all at once); when they
// fill the allowance, the 429 says to retry after a second. Successful
// attempts are never counted. Defaults: DefaultThrottleFailures per
// DefaultThrottleWindow. IPv6 addresses are counted per /64, the block one
// subscriber usually holds.
func Throttle(failures int, window time.Duration) Option {
	if failures < 1 {
		optPanic("Throttle", "failures must be at least 1, got %d", failures)
	}
	if window <= 0 {
		optPanic("Throttle", "window must be positive, got %v", window)
	}
	return func(c *config) { c.failures, c.window, c.throttleOff = failures, window, false }
}

// ThrottleCapacity bounds how many client addresses the throttle tracks
// (default DefaultThrottleCapacity). When full, expired entries are dropped
// first, then arbitrary ones, so memory stays bounded under an attack from
// many addresses (at the price of forgetting some of them).
func ThrottleCapacity(n int) Option {
	if n < 1 {
		optPanic("ThrottleCapacity", "capacity must be at least 1, got %d", n)
	}
	return func(c *config) { c.capacity = n }
}

// NoThrottle turns throttling off, for deployments that rate-limit
// elsewhere.
func NoThrottle() Option {
	return func(c *config) { c.throttleOff = true }
}

// TrustedProxies lists the proxies (CIDR prefixes such as "10.0.0.0/8" or
// single addresses) in front of the server. Only for requests whose
// RemoteAddr is one of them is X-Forwarded-For used for the client address
// (the rightmost entry that is not itself a trusted proxy) and
// X-Forwarded-Proto for the same-origin scheme. By default neither header
// is trusted: any client can send them.
func TrustedProxies(cidrs ...string) Option {
	prefixes := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				optPanic("TrustedProxies", "%q is neither a CIDR prefix nor an IP address", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		prefixes = append(prefixes, p.Masked())
	}
	return func(c *config) { c.proxies = append(c.proxies, prefixes...) }
}

// Logger sets the logger for audit records (default slog.Default()).
func Logger(l *slog.Logger) Option {
	if l == nil {
		optPanic("Logger", "nil logger")
	}
	return func(c *config) { c.logger = l }
}

// Responder sets the respond.Responder that writes the rejection
// envelopes (and logs server-side authenticator failures), for example one
// with its own logger. The default is respond's package-level
// configuration (respond.Error).
func Responder(rs *respond.Responder) Option {
	if rs == nil {
		optPanic("Responder", "nil Responder")
	}
	return func(c *config) { c.responder = rs }
}

// Clock sets the time source used for expiry checks and throttling windows
// (default time.Now); for tests.
func Clock(now func() time.Time) Option {
	if now == nil {
		optPanic("Clock", "nil clock")
	}
	return func(c *config) { c.now = now }
}

// isParamName reports whether s is a non-empty run of RFC 3986 unreserved
// characters, which a query names without escaping.
func isParamName(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("-._~", b) >= 0) {
			return false
		}
	}
	return s != ""
}

// isToken reports whether s is an RFC 9110 token (tchar+).
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return s != ""
}

func isTchar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}
