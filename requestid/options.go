package requestid

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"net/textproto"
)

// DefaultHeader is the header Middleware reads and writes, and Transport
// sets, unless the Header option (or TransportHeader) says otherwise.
const DefaultHeader = "X-Request-ID"

// Option configures Middleware. Options panic when given an invalid value,
// naming the option: that is a programming error, found at start-up.
type Option func(*config)

type config struct {
	header   string        // canonical header key
	generate func() string // custom generator, or nil for the built-in UUIDs
	// generateCtx is a context-aware generator, or nil; "" from it falls
	// back to the built-in UUIDs.
	generateCtx func(context.Context) string
	traceParent bool           // take the ID from a valid traceparent's trace-id
	v7          bool           // built-in generator makes UUIDv7 instead of UUIDv4
	edge        bool           // never trust incoming IDs
	trusted     []netip.Prefix // trust incoming IDs only from these networks (nil: from anyone)
	logger      *slog.Logger   // nil: slog.Default() at log time
}

// Header sets the request and response header that carries the ID.
// Default: DefaultHeader ("X-Request-ID"). The name must be a valid HTTP
// header field name (RFC 9110 token characters).
func Header(name string) Option {
	key := headerName("Header", name)
	return func(c *config) { c.header = key }
}

// headerName checks a header field name given to the option opt and returns
// its canonical form.
func headerName(opt, name string) string {
	if name == "" {
		panic("requestid: " + opt + ": empty header name")
	}
	for i := 0; i < len(name); i++ {
		if !tokenByte(name[i]) {
			panic(fmt.Sprintf("requestid: %s: %q is not a valid header name (byte %d is not a token character)", opt, name, i))
		}
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// Generator sets the function that makes new IDs, for example to use ULIDs
// or a tracing system's IDs. It must be safe for concurrent use. Its results
// are checked like incoming IDs: one that is not well formed is replaced by
// a UUIDv4 and logged at error level, so a buggy generator cannot inject
// into logs. Default: random UUIDv4 from a buffered crypto/rand reader owned
// by the middleware. The last of Generator, GeneratorContext and UUIDv7
// wins.
func Generator(fn func() string) Option {
	if fn == nil {
		panic("requestid: Generator: nil function")
	}
	return func(c *config) { c.generate, c.generateCtx, c.v7 = fn, nil, false }
}

// GeneratorContext sets a generator that receives the request's context, so
// a new ID can come from what outer middleware put there: typically the
// trace id of the span a tracing middleware (otelhttp) started, so one ID
// joins logs and traces also for requests that arrived without a
// traceparent. Returning "" means "no opinion": the built-in UUIDv4 (UUIDv7
// with that option) is used. Other results are checked like Generator's: a
// malformed one is replaced by a built-in UUID and logged at error level. It
// must be safe for concurrent use. It replaces Generator; UUIDv7 given after
// it only chooses the fallback. Default: none.
func GeneratorContext(fn func(ctx context.Context) string) Option {
	if fn == nil {
		panic("requestid: GeneratorContext: nil function")
	}
	return func(c *config) { c.generateCtx, c.generate = fn, nil }
}

// UUIDv7 makes the middleware generate time-ordered UUIDv7 IDs (RFC 9562)
// instead of random UUIDv4, so IDs sort by arrival time, which helps log
// stores and databases indexed by ID. IDs from one middleware are strictly
// increasing. The last of Generator and UUIDv7 wins; after GeneratorContext
// it sets the fallback for "".
func UUIDv7() Option {
	return func(c *config) { c.generate, c.v7 = nil, true }
}

// TraceParent makes the middleware take the request ID from the W3C Trace
// Context traceparent header when the request has exactly one valid one
// (version not ff, 32 and 16 lowercase hex digits for trace-id and
// parent-id, neither all zeros, 2 for the flags): the ID is the 32-digit
// trace-id, so the log records of a request carry the id under which your
// tracing system shows its trace. It comes before the ID header (a proxy
// that sends both gets the trace id); an invalid traceparent is ignored and
// the ID header or the generator decides as without the option. Incoming
// trace context is as client-controlled as the ID header, so the same trust
// rules apply: with Edge it is ignored, with TrustedProxies it is used only
// from those peers (use GeneratorContext to take the trace id from the span
// your tracing middleware started instead). Default: off.
func TraceParent() Option {
	return func(c *config) { c.traceParent = true }
}

// Edge makes the middleware ignore incoming IDs and always generate one: use
// it on servers that face the internet directly, where any client could
// choose the ID that your logs and downstream services will trust.
// It cannot be combined with TrustedProxies.
func Edge() Option {
	return func(c *config) { c.edge = true }
}

// TrustedProxies accepts incoming IDs only from requests whose immediate peer
// (http.Request.RemoteAddr, not X-Forwarded-For, which clients can forge) is
// inside one of the given networks, such as your load balancers; IDs from
// anyone else are replaced by generated ones. IPv4-mapped IPv6 peers are
// matched as IPv4. A list from configuration is passed as
// TrustedProxies(prefixes...); it is copied, and an empty list panics (leave
// the option out when nothing is configured). Default: incoming well-formed
// IDs are accepted from anyone. It cannot be combined with Edge.
func TrustedProxies(networks ...netip.Prefix) Option {
	if len(networks) == 0 {
		panic("requestid: TrustedProxies: no networks given (use Edge to trust no one)")
	}
	ps := make([]netip.Prefix, len(networks))
	for i, p := range networks {
		if !p.IsValid() {
			panic(fmt.Sprintf("requestid: TrustedProxies: network %d is not a valid prefix", i))
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				panic(fmt.Sprintf("requestid: TrustedProxies: IPv4-mapped network %d must be /96 or longer", i))
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		ps[i] = p.Masked()
	}
	return func(c *config) { c.trusted = append(c.trusted, ps...) }
}

// Logger sets the logger for the middleware's own records: a debug record
// when an incoming ID is rejected (with the reason and length, never the
// value) and an error record when a custom Generator returns a malformed ID.
// Default: slog.Default() at the time of logging.
func Logger(l *slog.Logger) Option {
	if l == nil {
		panic("requestid: Logger: nil logger")
	}
	return func(c *config) { c.logger = l }
}

// tokenByte reports whether c may appear in an HTTP field name (RFC 9110
// section 5.6.2 tchar).
func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
