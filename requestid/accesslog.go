package requestid

import (
	"context"
	"log/slog"
	"net/http"
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
// A handler that wrote nothing is logged with status 200, as net/http sends
// it, unless the client went away while it ran (the request's context was
// cancelled): then nothing is sent and the record says status 499, nginx's
// "client closed request", so the log and the metrics built on it count a
// client event, not a successful response. A handler that panics is logged at error level with panic=true (and
// status 500 if none was written), then the panic continues to net/http or
// an outer recovery middleware, untouched. A hijacked connection is logged
// with hijacked=true.
//
// Put it inside Middleware so its records and the handler's share the
// request context; it also works outside, where it learns the ID from the
// Middleware below it.
func AccessLog(l *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("requestid: AccessLog: nil next handler")
		}
		return &accessLog{logger: l, next: next}
	}
}

// statusClientClosedRequest is nginx's 499, which net/http has no name for.
const statusClientClosedRequest = 499

type accessLog struct {
	logger *slog.Logger
	next   http.Handler
}

func (a *accessLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, id: FromContext(r.Context())}
	completed := false
	defer func() {
		// Runs also while a panic unwinds; it does not recover it.
		a.log(r, rec, time.Since(start), !completed)
	}()
	a.next.ServeHTTP(rec, r)
	completed = true
}

func (a *accessLog) log(r *http.Request, rec *recorder, d time.Duration, panicked bool) {
	l := a.logger
	if l == nil {
		l = slog.Default()
	}
	status := rec.status
	if status == 0 {
		switch {
		case panicked:
			status = http.StatusInternalServerError
		case r.Context().Err() == context.Canceled:
			// net/http cancels the context before the handler returns only
			// when the connection is gone: the implicit 200 is never sent.
			status = statusClientClosedRequest
		default:
			status = http.StatusOK
		}
	}
	level := slog.LevelInfo
	switch {
	case status >= 500 || panicked:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
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
		{}, {}, // room for the flags below
	}
	n := 8
	if panicked {
		attrs[n] = slog.Bool("panic", true)
		n++
	}
	if rec.hijacked {
		attrs[n] = slog.Bool("hijacked", true)
		n++
	}
	l.LogAttrs(ctx, level, "http request", attrs[:n]...)
}
