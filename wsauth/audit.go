package wsauth

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/nexuskit/nexus/requestid"
)

// Audit outcomes.
const (
	outcomeAccepted  = "accepted"
	outcomeRejected  = "rejected"
	outcomeThrottled = "throttled"
	outcomeError     = "error"
)

// maxLoggedHeader bounds the client-controlled header values copied into
// an audit record.
const maxLoggedHeader = 256

// attempt collects what the audit record reports about one handshake.
type attempt struct {
	client  netip.Addr
	store   ThrottleStore // the store that admitted the attempt, nil if none
	ext     *storeAttempt // throttle's copy for a store other than the default
	failed  bool          // a credential the Authenticator refused, counted by the throttle
	source  string
	token   string // only ever logged as its fingerprint
	subject string
}

// audit writes the one record of an attempt: Info when accepted, Warn
// otherwise, Error for server-side failures.
func (m *middleware) audit(ctx context.Context, r *http.Request, a *attempt, outcome, reason string) {
	if m.observe != nil {
		m.observe(ctx, Event{Kind: EventAttempt, Outcome: outcome, Reason: reason, Source: a.source, Client: a.client, Request: r})
	}
	level := slog.LevelWarn
	switch outcome {
	case outcomeAccepted:
		level = slog.LevelInfo
	case outcomeError:
		level = slog.LevelError
	}
	if !m.logger.Enabled(ctx, level) {
		return
	}
	remote := r.RemoteAddr
	if a.client.IsValid() {
		remote = a.client.String()
	}
	path := ""
	if r.URL != nil {
		path = r.URL.Path
	}
	attrs := [...]slog.Attr{
		slog.String("outcome", outcome),
		slog.String("reason", reason),
		slog.String("request_id", requestid.FromContext(ctx)),
		slog.String("remote_addr", remote),
		slog.String("origin", clip(headerGet(r.Header, "Origin"))),
		slog.String("host", clip(r.Host)),
		slog.String("path", clip(path)),
		slog.String("user_agent", clip(headerGet(r.Header, "User-Agent"))),
		slog.String("source", a.source),
		slog.String("subject", a.subject),
		slog.String("token_fp", Fingerprint(a.token)),
	}
	m.logger.LogAttrs(ctx, level, "wsauth: websocket handshake "+outcome, attrs[:]...)
}

// clip bounds a client-controlled value for logging and keeps it valid
// UTF-8; slog's handlers quote it, so it cannot forge records.
func clip(s string) string {
	if len(s) > maxLoggedHeader {
		s = s[:maxLoggedHeader]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}
