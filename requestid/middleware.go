package requestid

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/textproto"
)

// Middleware returns middleware that gives every request a correlation ID.
//
// The ID is taken from the request header (DefaultHeader unless the Header
// option says otherwise) when it is well formed: 1 to MaxLength bytes of
// [A-Za-z0-9._:+/=-], sent once. Anything else (spaces, control bytes,
// non-ASCII, too long, repeated) is replaced by a fresh ID from the
// generator, a random UUIDv4 by default; the rejected value is never logged.
// With TraceParent, the trace-id of a valid W3C traceparent header comes
// first. Edge and TrustedProxies restrict whose IDs are accepted at all.
//
// Before the next handler runs, the ID is stored in the request context
// (read it with FromContext) and set in the response header. If the context
// already carries an ID, because the middleware is stacked twice or an outer
// layer called NewContext (which accepts only well-formed IDs), that ID is
// kept, so a request has one ID.
//
// The handler gets a copy of the request (with the new context). When it
// returns (or panics), the route pattern a router set on that copy
// (http.Request.Pattern, set by http.ServeMux) is copied back to the request
// Middleware received, so AccessLog and metrics middleware outside it see
// the route.
//
// It panics, naming the problem, if an option is nil or Edge and
// TrustedProxies are both given.
func Middleware(opts ...Option) func(http.Handler) http.Handler {
	c := config{header: textproto.CanonicalMIMEHeaderKey(DefaultHeader)}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("requestid: Middleware: option %d is nil", i))
		}
		o(&c)
	}
	if c.edge && c.trusted != nil {
		panic("requestid: Middleware: Edge and TrustedProxies contradict each other; use one")
	}
	m := &middleware{config: c, gen: newUUIDGen()}
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("requestid: Middleware: nil next handler")
		}
		return &handler{m: m, next: next}
	}
}

// middleware is the state shared by every handler one Middleware call wraps.
type middleware struct {
	config
	gen *uuidGen
}

type handler struct {
	m    *middleware
	next http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := h.m
	ctx := r.Context()
	if outer, ok := ctx.Value(ctxKey{}).(*idContext); ok && outer.id != "" {
		// Stacked, or the caller set an ID: keep it, so a request has one ID.
		w.Header()[m.header] = []string{outer.id}
		tellRecorder(w, outer.id)
		h.next.ServeHTTP(w, r)
		return
	}

	id, why := m.incoming(r)
	if id == "" {
		id = m.newID(ctx)
		if why != accepted {
			m.log().LogAttrs(ctx, slog.LevelDebug, "requestid: rejected incoming request ID",
				slog.String("reason", why.String()),
				slog.String("header", m.header),
				slog.String("request_id", id))
		}
	}
	c := &idContext{Context: ctx, id: id, header: m.header}
	c.hdr[0] = id
	w.Header()[m.header] = c.hdr[:] // the header key is canonical already
	tellRecorder(w, id)
	r2 := r.WithContext(c)
	// ServeMux sets Pattern on the copy; pass it up, also after a panic, so
	// a caller outside (an AccessLog, a metrics middleware) sees the route.
	defer passPattern(w, r, r2)
	h.next.ServeHTTP(w, r2)
}

// passPattern copies the route pattern that a router set on inner, the
// request Middleware handed down, to outer, the request it received, and
// tells an AccessLog outside it, the way it learns the ID.
func passPattern(w http.ResponseWriter, outer, inner *http.Request) {
	if inner.Pattern == "" || outer.Pattern != "" {
		return
	}
	outer.Pattern = inner.Pattern
	for {
		switch t := w.(type) {
		case *recorder:
			if t.pattern == "" {
				t.pattern = inner.Pattern
			}
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return
		}
	}
}

// incoming returns the request's ID if it may be used, or "" and why not
// (accepted when there simply is none, or it is not trusted).
func (m *middleware) incoming(r *http.Request) (string, rejection) {
	if m.edge {
		return "", accepted
	}
	vals := r.Header[m.header]
	var tp []string
	if m.traceParent {
		tp = r.Header[TraceParentHeader]
	}
	if len(vals) == 0 && len(tp) == 0 {
		return "", accepted
	}
	if m.trusted != nil && !m.trustedPeer(r.RemoteAddr) {
		return "", accepted
	}
	if len(tp) == 1 {
		if id := traceID(tp[0]); id != "" {
			return id, accepted
		}
	}
	if len(vals) == 0 {
		return "", accepted
	}
	if len(vals) > 1 {
		return "", rejectMultiple
	}
	if why := check(vals[0]); why != accepted {
		return "", why
	}
	return vals[0], accepted
}

// trustedPeer reports whether the connection's peer is in a trusted network.
func (m *middleware) trustedPeer(remoteAddr string) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false // unix sockets, tests with fake addresses: not a trusted proxy
	}
	a := ap.Addr().Unmap().WithZone("")
	for _, p := range m.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// newID makes a fresh ID with the configured generator.
func (m *middleware) newID(ctx context.Context) string {
	if m.generateCtx != nil {
		if id := m.generateCtx(ctx); id != "" {
			if valid(id) {
				return id
			}
			m.log().LogAttrs(ctx, slog.LevelError, "requestid: GeneratorContext returned a malformed ID; using a built-in UUID instead",
				slog.Int("length", len(id)))
		}
	}
	switch {
	case m.generate != nil:
		id := m.generate()
		if valid(id) {
			return id
		}
		m.log().LogAttrs(ctx, slog.LevelError, "requestid: Generator returned a malformed ID; using a UUIDv4 instead",
			slog.Int("length", len(id)))
		return m.gen.v4()
	case m.v7:
		return m.gen.v7()
	default:
		return m.gen.v4()
	}
}

func (m *middleware) log() *slog.Logger {
	if m.logger != nil {
		return m.logger
	}
	return slog.Default()
}

// tellRecorder hands id to an AccessLog writer that wraps w, so AccessLog
// placed outside Middleware still logs the ID.
func tellRecorder(w http.ResponseWriter, id string) {
	for {
		switch t := w.(type) {
		case *recorder:
			if t.id == "" {
				t.id = id
			}
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return
		}
	}
}
