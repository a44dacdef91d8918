package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
)

// expectedKey is the context key of an *expected.
type expectedKey struct{}

// expected is set by a handler whose 5xx answer is part of normal operation:
// the 503 of /readyz while the server starts or shuts down tells load
// balancers to route elsewhere, as designed. The server's logger then writes
// the records of that request at INFO instead of ERROR (the access log's
// and respond's), so an operator's alerts on ERROR do not fire at every
// deploy. A 503 of /readyz because the database is unreachable stays an
// ERROR.
type expected struct{ set atomic.Bool }

// markExpected puts an empty mark in the request context, outside the access
// log so that its record sees what the handler decided.
func markExpected(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.WithContext(context.WithValue(r.Context(), expectedKey{}, &expected{}))
		defer passPattern(r, r2)
		next.ServeHTTP(w, r2)
	})
}

// expect marks the request's failure as expected.
func expect(ctx context.Context) {
	if e, ok := ctx.Value(expectedKey{}).(*expected); ok {
		e.set.Store(true)
	}
}

// expectedAware is the server logger's handler: it lowers the ERROR records
// of a request marked expected to INFO.
type expectedAware struct{ slog.Handler }

func (h expectedAware) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		if e, ok := ctx.Value(expectedKey{}).(*expected); ok && e.set.Load() {
			r.Level = slog.LevelInfo
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h expectedAware) Enabled(ctx context.Context, l slog.Level) bool {
	if l >= slog.LevelError {
		if e, ok := ctx.Value(expectedKey{}).(*expected); ok && e.set.Load() {
			l = slog.LevelInfo
		}
	}
	return h.Handler.Enabled(ctx, l)
}

func (h expectedAware) WithAttrs(as []slog.Attr) slog.Handler {
	return expectedAware{h.Handler.WithAttrs(as)}
}

func (h expectedAware) WithGroup(name string) slog.Handler {
	return expectedAware{h.Handler.WithGroup(name)}
}

// passPattern copies the route pattern ServeMux set on inner, a copy this
// server's middleware made, up to outer, the request it received, so that
// layers outside (requestid, otelhttp's span name) see the route too.
func passPattern(outer, inner *http.Request) {
	if outer.Pattern == "" && inner.Pattern != "" {
		outer.Pattern = inner.Pattern
	}
}
