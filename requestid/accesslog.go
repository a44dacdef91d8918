package requestid

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// AccessLog returns middleware that logs one record per request to l
// (slog.Default() at logging time if l is nil) after the handler returns,
// with the message "http request" and the attributes method, path (without
// the query, which often carries tokens), status, bytes (body bytes
// written), duration, request_id, remote_addr and user_agent. The level is
// error for 5xx, warn for 4xx and info otherwise; the record is skipped
// cheaply when l is not enabled for that level.
//
// The status logged is the one the connection was given, and bytes the body
// bytes the writer accepted. A handler that wrote nothing is logged with
// status 200, as net/http sends it. When the request's context was
// cancelled before it returned, the client may be gone or may only have
// closed its sending side (shutdown(SHUT_WR), after which it still reads the
// answer): net/http cancels the context in both cases and, over HTTP/1.x,
// nothing on the server can tell them apart before writing. So AccessLog
// sends that implicit empty 200 itself (the same bytes net/http would send)
// and flushes it: if the connection refuses it (an HTTP/2 or HTTP/3 stream
// reset, a reset TCP connection) the record says 499, nginx's "client
// closed request", so logs and metrics count a client event; if the
// connection takes it, the record says 200, which a half-closed client does
// receive. A client that closed an HTTP/1.x connection entirely is then
// also logged 200: its kernel accepts that first write and only refuses
// later ones. Handlers that answer a cancelled request themselves (such as
// respond.Error, which writes 499) are logged with the status they wrote.
//
// A handler that panics is logged at error level with panic=true (and
// status 500 if none was written), then the panic continues to net/http or
// an outer recovery middleware with the same value. A panic with
// http.ErrAbortHandler, which net/http documents as the quiet way to abort
// a response (httputil.ReverseProxy uses it when the client went away), is
// not a crash: it is logged at warn level with aborted=true and status 499
// if nothing was sent (else the status that was), no panic flag, and then
// re-panicked so net/http still aborts the connection. A hijacked connection
// is logged with hijacked=true.
//
// The attribute route holds the pattern that http.ServeMux matched
// (http.Request.Pattern, "GET /orders/{id}"), present when one did: it
// groups requests by endpoint where the path holds IDs. ServeMux sets the
// field on the request it is handed, so AccessLog sees it when no middleware
// between them replaces the request (r.WithContext makes a copy); Middleware
// does replace it and passes the pattern back up, so AccessLog outside
// Middleware logs it too. Put AccessLog inside other middleware that copies
// the request, or the route stays empty.
//
// Options: SkipPaths and SkipFunc leave requests out (health probes),
// RequestAttrs adds attributes taken from the request, Observe hands the
// same measurements to a metrics hook.
//
// Put it inside Middleware so its records and the handler's share the
// request context; it also works outside, where it learns the ID from the
// Middleware below it.
func AccessLog(l *slog.Logger, opts ...AccessLogOption) func(http.Handler) http.Handler {
	var c accessLogConfig
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("requestid: AccessLog: option %d is nil", i))
		}
		o(&c)
	}
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("requestid: AccessLog: nil next handler")
		}
		return &accessLog{logger: l, next: next, accessLogConfig: c}
	}
}

// AccessLogOption configures AccessLog.
type AccessLogOption func(*accessLogConfig)

type accessLogConfig struct {
	skipPaths []string                         // exact URL paths not logged
	skip      func(*http.Request) bool         // requests not logged, or nil
	attrs     func(*http.Request) []slog.Attr  // extra attributes, or nil
	observe   func(*http.Request, Observation) // observation hook, or nil
}

// Observation is what AccessLog measured about one request, handed to the
// Observe hook: the numbers a metrics system counts and histograms.
type Observation struct {
	Method   string        // request method
	Route    string        // matched route pattern ("GET /orders/{id}"), "" when none is known
	Status   int           // status as logged: the one sent, 499 when undelivered or aborted before any
	Bytes    int64         // response body bytes the writer accepted
	Duration time.Duration // from AccessLog receiving the request to the handler's end
	Panicked bool          // the handler panicked (not with http.ErrAbortHandler)
	Aborted  bool          // the handler panicked with http.ErrAbortHandler
	Hijacked bool          // the handler took over the connection
}

// Observe sets a hook that AccessLog calls once per request it does not
// skip, with the request and what it measured, for metrics (requests by
// route and status, latency histograms, bytes). It is called synchronously
// on the request's goroutine after the handler ends (also when it panicked,
// before the panic continues) and before the record is logged, whatever
// the logger's level: it must be fast, must not block and must be safe for
// concurrent use. The Observation is passed by value, so the hook costs no
// allocation of its own. The last Observe wins. Default: nil, no hook and no
// cost.
func Observe(fn func(r *http.Request, o Observation)) AccessLogOption {
	if fn == nil {
		panic("requestid: Observe: nil function")
	}
	return func(c *accessLogConfig) { c.observe = fn }
}

// SkipPaths leaves requests whose URL path is exactly one of paths out of
// the access log, such as "/healthz" and "/readyz" polled by a load balancer
// every few seconds. The handler still runs; AccessLog only steps aside.
// Several SkipPaths add up. Default: every request is logged. Each path must
// start with "/".
func SkipPaths(paths ...string) AccessLogOption {
	for i, p := range paths {
		if !strings.HasPrefix(p, "/") {
			panic(fmt.Sprintf("requestid: SkipPaths: path %d (%q) does not start with /", i, p))
		}
	}
	ps := slices.Clone(paths)
	return func(c *accessLogConfig) { c.skipPaths = append(c.skipPaths, ps...) }
}

// SkipFunc leaves the requests for which fn returns true out of the access
// log; fn runs before the handler, on the request AccessLog receives, and
// must be safe for concurrent use. Use it for rules SkipPaths cannot express
// (a probe's user agent, a path prefix). The last SkipFunc wins. Default:
// nil, every request is logged.
func SkipFunc(fn func(r *http.Request) bool) AccessLogOption {
	if fn == nil {
		panic("requestid: SkipFunc: nil function")
	}
	return func(c *accessLogConfig) { c.skip = fn }
}

// RequestAttrs adds the attributes fn returns to each access record, after
// the standard ones: a tenant, a header such as X-Forwarded-For, a value a
// handler stored. fn runs after the handler returns and only when the record
// is written, on the request AccessLog received; it must be safe for
// concurrent use and must not log secrets (tokens, cookies). The last
// RequestAttrs wins. Default: nil, no extra attributes.
func RequestAttrs(fn func(r *http.Request) []slog.Attr) AccessLogOption {
	if fn == nil {
		panic("requestid: RequestAttrs: nil function")
	}
	return func(c *accessLogConfig) { c.attrs = fn }
}

// statusClientClosedRequest is nginx's 499, which net/http has no name for.
const statusClientClosedRequest = 499

type accessLog struct {
	logger *slog.Logger
	next   http.Handler
	accessLogConfig
}

// outcome is how the handler ended.
type outcome uint8

const (
	returned outcome = iota // the handler returned
	panicked                // it panicked (or called runtime.Goexit)
	aborted                 // it panicked with http.ErrAbortHandler
)

func (a *accessLog) skipped(r *http.Request) bool {
	for _, p := range a.skipPaths {
		if r.URL.Path == p {
			return true
		}
	}
	return a.skip != nil && a.skip(r)
}

func (a *accessLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.skipped(r) {
		a.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rec := &recorder{ResponseWriter: w, id: FromContext(r.Context())}
	completed := false
	defer func() {
		if completed {
			if rec.status == 0 && !rec.hijacked && r.Context().Err() == context.Canceled {
				rec.sendImplicit(r.Method == http.MethodHead)
			}
			a.log(r, rec, time.Since(start), returned)
			return
		}
		// The handler panicked (or called runtime.Goexit, where recover
		// returns nil). The value is looked at only to tell an abort from a
		// crash and is re-panicked from this deferred call, whose stack
		// still holds the panicking frames, so an outer recovery that logs
		// debug.Stack() sees where it happened.
		p := recover()
		how := panicked
		if p == http.ErrAbortHandler { // compared with ==, as net/http does
			how = aborted
		}
		a.log(r, rec, time.Since(start), how)
		if p != nil {
			panic(p)
		}
	}()
	a.next.ServeHTTP(rec, r)
	completed = true
}

func (a *accessLog) log(r *http.Request, rec *recorder, d time.Duration, how outcome) {
	l := a.logger
	if l == nil {
		l = slog.Default()
	}
	status := rec.status
	if rec.undelivered {
		status = statusClientClosedRequest
	}
	if status == 0 {
		switch {
		case how == aborted:
			status = statusClientClosedRequest
		case how == panicked:
			status = http.StatusInternalServerError
		default:
			status = http.StatusOK
		}
	}
	level := slog.LevelInfo
	switch {
	case how == panicked || (status >= 500 && how != aborted):
		level = slog.LevelError
	case status >= 400 || how == aborted:
		level = slog.LevelWarn
	}
	route := r.Pattern
	if route == "" {
		route = rec.pattern
	}
	if a.observe != nil {
		a.observe(r, Observation{
			Method: r.Method, Route: route, Status: status, Bytes: rec.bytes, Duration: d,
			Panicked: how == panicked, Aborted: how == aborted, Hijacked: rec.hijacked,
		})
	}
	ctx := r.Context()
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := [...]slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", rec.bytes),
		slog.Duration("duration", d),
		slog.String("request_id", rec.id),
		slog.String("remote_addr", r.RemoteAddr),
		slog.String("user_agent", r.UserAgent()),
		{}, {}, {}, // room for the optional ones below
	}
	n := 8
	if route != "" {
		attrs[n] = slog.String("route", route)
		n++
	}
	switch how {
	case panicked:
		attrs[n] = slog.Bool("panic", true)
		n++
	case aborted:
		attrs[n] = slog.Bool("aborted", true)
		n++
	}
	if rec.hijacked {
		attrs[n] = slog.Bool("hijacked", true)
		n++
	}
	all := attrs[:n]
	if a.attrs != nil {
		all = append(all, a.attrs(r)...)
	}
	l.LogAttrs(ctx, level, "http request", all...)
}
