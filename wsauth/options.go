package wsauth

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/nexuskit/nexus/internal/clientaddr"
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
	// DefaultThrottleCapacity is how many keys (an IPv4 address, or an
	// IPv6 /64, /56 or /48) the in-memory throttle tracks at most, so an
	// attack from many addresses cannot grow memory without bound: about
	// 80 bytes each, ~0.8 MB in all, as measured (see MemoryThrottleStore).
	DefaultThrottleCapacity = 10000
	// DefaultThrottleStoreTimeout bounds each call to a ThrottleStore set
	// with ThrottleStorage: long enough for a store on the local network,
	// short enough that an unreachable one adds little to a handshake.
	DefaultThrottleStoreTimeout = 50 * time.Millisecond
)

// The IPv6 aggregates' limits by default, as multiples of the /64's: a
// home usually gets a /56 (256 /64s) and a site a /48, so without them one
// subscriber could make 256 times the guesses. The multiples leave room
// for several honest users sharing the block.
const (
	aggregateFactor56 = 4
	aggregateFactor48 = 16
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
	failures56     int
	failures48     int
	aggregatesSet  bool
	window         time.Duration
	capacity       int
	store          ThrottleStore
	storeTimeout   time.Duration
	proxies        []netip.Prefix
	now            func() time.Time
	responder      *respond.Responder
	observe        func(context.Context, Event)
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
		storeTimeout:   DefaultThrottleStoreTimeout,
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
//
// A pattern with a wildcard ('*', '?' or '[') cannot be combined with
// cookie credentials (SourceCookie, which the default Sources include):
// Middleware panics. A browser sends the cookie from any page, so every
// host the pattern matches (a forgotten subdomain, one taken over through
// a dangling DNS record, a user-content host) could open sockets with your
// users' sessions; CORS forbids the equivalent ("*" with credentials). Use
// AllowOrigins with the exact origins, or Sources without SourceCookie
// (tokens in the subprotocol or Authorization header are not sent by the
// browser on its own).
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

// Cookie sets the session cookie's name (default DefaultCookie). Prefer a
// name starting with "__Host-" (such as "__Host-session") for a session
// cookie served over HTTPS: browsers accept such a cookie only with Secure,
// Path=/ and no Domain, so no subdomain, and no plain-HTTP page, can set
// or overwrite it (RFC 6265bis §4.1.3.2), which closes session fixation
// from a sibling host. The default stays "session" because "__Host-"
// cookies cannot be set over plain HTTP, as in local development.
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

// Throttle sets how many credentials from one client address the
// Authenticator may refuse within window before further attempts get 429
// Too Many Requests with Retry-After until the window (which starts at the
// first refusal) ends, without reaching the Authenticator. Only refusals
// by the Authenticator count: a refused Origin, a missing or malformed
// credential and cookie credentials without Origin do not (they are no
// guesses, and counting them would let any web page lock its visitors'
// address out), nor do successes or server-side errors.
//
// Attempts still being authenticated count against the allowance (a client
// cannot get more guesses through by sending them all at once), but an
// attempt they would push over it waits for them to end, up to 5 seconds,
// instead of being refused: valid clients reconnecting together (after a
// server restart closed every socket) all get in. Defaults:
// DefaultThrottleFailures per DefaultThrottleWindow. IPv6 addresses are
// counted per /64, the block one subscriber usually holds, and also per
// /56 and /48 with higher limits (ThrottleIPv6).
func Throttle(failures int, window time.Duration) Option {
	if failures < 1 {
		optPanic("Throttle", "failures must be at least 1, got %d", failures)
	}
	if window <= 0 {
		optPanic("Throttle", "window must be positive, got %v", window)
	}
	return func(c *config) { c.failures, c.window, c.throttleOff = failures, window, false }
}

// ThrottleIPv6 sets the failure limits of the IPv6 aggregates, counted per
// window besides each /64's: per56 for a /56 (a home's usual delegation of
// 256 /64s) and per48 for a /48 (a site's). Without them one subscriber
// could multiply its guesses by its number of /64s. The defaults are 4 and
// 16 times Throttle's failures (40 and 160). It panics unless
// 1 <= per56 <= per48; Middleware panics if per56 is below Throttle's
// failures.
func ThrottleIPv6(per56, per48 int) Option {
	if per56 < 1 || per48 < per56 {
		optPanic("ThrottleIPv6", "want 1 <= per56 <= per48, got %d and %d", per56, per48)
	}
	return func(c *config) { c.failures56, c.failures48, c.aggregatesSet = per56, per48, true }
}

// ThrottleCapacity bounds how many keys the default in-memory throttle
// tracks (default DefaultThrottleCapacity): one per IPv4 address, three per
// IPv6 client (its /64, /56 and /48). When full, expired entries are
// dropped first, then arbitrary ones, so memory stays bounded under an
// attack from many addresses (at the price of forgetting some of them). It
// also bounds the local fallback of ThrottleStorage.
func ThrottleCapacity(n int) Option {
	if n < 1 {
		optPanic("ThrottleCapacity", "capacity must be at least 1, got %d", n)
	}
	return func(c *config) { c.capacity = n }
}

// ThrottleStorage makes the throttle keep its counts in s instead of in
// this process's memory, so that several replicas of a server count
// failures together (github.com/nexuskit/nexus/wsauth/redisthrottle is a
// Redis store). Each call is bounded by ThrottleStoreTimeout. While s
// fails (an error or a timeout), the throttle counts in a local in-memory
// store instead (fail over, not open); one attempt a second tries s again,
// the others do not wait for it. Each change between the two states is
// logged once: at Error level when s fails, at Info when it recovers. An
// attempt counts as in progress in s for at most 10 seconds if its Done
// is lost (ThrottleAttempt.Lease).
func ThrottleStorage(s ThrottleStore) Option {
	if s == nil {
		optPanic("ThrottleStorage", "nil ThrottleStore")
	}
	return func(c *config) { c.store = s }
}

// ThrottleStoreTimeout bounds each call to the ThrottleStorage store
// (default DefaultThrottleStoreTimeout). It panics unless d is positive.
func ThrottleStoreTimeout(d time.Duration) Option {
	if d <= 0 {
		optPanic("ThrottleStoreTimeout", "timeout must be positive, got %v", d)
	}
	return func(c *config) { c.storeTimeout = d }
}

// NoThrottle turns throttling off, for deployments that rate-limit
// elsewhere.
func NoThrottle() Option {
	return func(c *config) { c.throttleOff = true }
}

// TrustedProxies lists the proxies (CIDR prefixes such as "10.0.0.0/8" or
// single addresses) in front of the server. Only for requests whose
// RemoteAddr is one of them are the forwarded headers used: for the client
// address, the rightmost X-Forwarded-For or RFC 7239 Forwarded entry
// ("ip", "ip:port", "[ipv6]:port", quoted or not) that is not itself a
// trusted proxy; for the same-origin scheme, X-Forwarded-Proto or
// Forwarded's proto=. When a request carries both X-Forwarded-For and
// Forwarded and they name different clients, neither is believed (one of
// them came from the client) and the proxy's own address counts. By
// default no header is trusted: any client can send them. This is the rule
// of the whole nexuskit reference server (rate limits, request IDs, access
// log), so every part counts the same client.
func TrustedProxies(cidrs ...string) Option {
	prefixes := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		p, ok := clientaddr.ParsePrefix(s)
		if !ok {
			optPanic("TrustedProxies", "%q is neither a CIDR prefix nor an IP address", s)
		}
		prefixes = append(prefixes, p)
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

// cookieWildcard reports whether origin patterns with a wildcard are
// combined with cookie credentials.
func (c *config) cookieWildcard() bool {
	wild := false
	for _, p := range c.patterns {
		wild = wild || strings.ContainsAny(p.host, "*?[\\")
	}
	if !wild {
		return false
	}
	for _, s := range c.sources {
		if s == SourceCookie {
			return true
		}
	}
	return false
}
