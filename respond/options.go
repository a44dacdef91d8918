package respond

import (
	"log/slog"
	"time"
)

// Option configures a Responder (New) or the middleware built from one
// (Recover, MuxErrors). Invalid values panic at construction with a message
// naming the option.
type Option func(*Responder)

// WithLogger sets the logger for unexpected errors, recovered panics and
// encoding failures. Default: slog.Default(), looked up at each log call so
// a later slog.SetDefault is honoured. A nil logger panics.
func WithLogger(l *slog.Logger) Option {
	if l == nil {
		panic("respond: WithLogger: logger must not be nil")
	}
	return func(rs *Responder) { rs.logger = l }
}

// WithClock sets the clock for the envelope's timestamp, so tests can pin it.
// Default: time.Now. A nil clock panics.
func WithClock(now func() time.Time) Option {
	if now == nil {
		panic("respond: WithClock: clock must not be nil")
	}
	return func(rs *Responder) { rs.now = now }
}

// WithProblemDetails turns RFC 9457 problem details on or off. When on (the
// default), an error response is sent as application/problem+json instead of
// the envelope if the request's Accept header names application/problem+json
// with a q-value above zero and not below that of application/json, and
// error responses carry Vary: Accept. Success responses always use the
// envelope.
func WithProblemDetails(enabled bool) Option {
	return func(rs *Responder) { rs.noProblem = !enabled }
}
