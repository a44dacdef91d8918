package wsauth

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nexuskit/nexus/internal/clientaddr"
	"github.com/nexuskit/nexus/respond"
)

// codeUpgradeRequired is the envelope code of the 426 answer to requests
// that are not WebSocket upgrades.
const codeUpgradeRequired respond.Code = "UPGRADE_REQUIRED"

// The RFC 6750 challenges of a 401: without credentials, and after a
// rejected one.
const (
	challenge        = `Bearer realm="websocket"`
	challengeInvalid = challenge + `, error="invalid_token"`
)

// The client-facing rejections. Their messages say what to do and never
// echo anything the client sent.
var (
	errUpgradeRequired = &respond.APIError{Status: http.StatusUpgradeRequired, Code: codeUpgradeRequired,
		Message: "this endpoint accepts only WebSocket upgrade requests"}
	errRespInvalid = &respond.APIError{Status: http.StatusUnauthorized, Code: respond.CodeUnauthorized,
		Message: "the credentials are not valid"}
	errRespExpired = &respond.APIError{Status: http.StatusUnauthorized, Code: respond.CodeUnauthorized,
		Message: "the credentials have expired; obtain a new token"}
	errRespOrigin = &respond.APIError{Status: http.StatusForbidden, Code: respond.CodeForbidden,
		Message: "the request's Origin is not allowed to open this WebSocket"}
	errRespOriginRequired = &respond.APIError{Status: http.StatusForbidden, Code: respond.CodeForbidden,
		Message: "cookie credentials require an Origin header"}
	errRespThrottled = &respond.APIError{Status: http.StatusTooManyRequests, Code: respond.CodeRateLimitExceeded,
		Message: "too many authentication attempts from this address; retry after the time in Retry-After"}
)

// middleware is the http.Handler Middleware returns for one next handler.
type middleware struct {
	config
	auth          Authenticator
	next          http.Handler
	throttle      *throttler
	subprotocolOn bool
	errNoCreds    *respond.APIError
}

// Middleware authenticates WebSocket upgrade requests before next (which
// performs the upgrade) runs, so a rejected client costs no WebSocket
// resources. In order it:
//
//  1. answers 426 to a request that is not a WebSocket upgrade (or passes
//     it through with PassThroughNonUpgrade, unless it is a GET carrying
//     Upgrade or Sec-WebSocket-Key headers of any value: those are
//     authenticated like upgrades, because some WebSocket library may take
//     them for one);
//  2. answers 429 with Retry-After to a client address whose credentials
//     the Authenticator refused too often (Throttle), without running the
//     Authenticator; an attempt that would exceed the allowance only
//     together with attempts still in progress waits for them (up to 5 s)
//     instead;
//  3. answers 403 to an Origin the policy refuses (same-origin by default,
//     AllowOrigins and AllowOriginPatterns otherwise);
//  4. takes the first credential found in the Sources order, and answers
//     401 with WWW-Authenticate when there is none;
//  5. answers 403 to cookie credentials without an Origin header (only
//     non-browser clients omit it, and they have no business with cookies);
//  6. asks auth, and answers 401 (invalid or expired credentials), the
//     *respond.APIError auth returned, or, for other errors, whatever
//     respond.Error makes of them (500);
//  7. on success runs next with the Identity in the context (FromContext)
//     and a context deadline at Identity.ExpiresAt whose cause is
//     ErrExpired, the token subprotocol entry removed from
//     Sec-WebSocket-Protocol (even when SourceSubprotocol is not enabled)
//     and the query parameter (QueryParam) removed from the URL and from
//     any form parsed before.
//
// HTTP/2 WebSockets (RFC 8441 extended CONNECT) count as upgrades and are
// authenticated the same way. Every attempt past step 1 produces exactly
// one audit record. Rejections are respond envelopes. Middleware panics if
// auth is nil or an option is invalid.
func Middleware(auth Authenticator, opts ...Option) func(http.Handler) http.Handler {
	if auth == nil {
		panic("wsauth: Middleware: nil Authenticator")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			panic("wsauth: Middleware: nil Option")
		}
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.responder == nil {
		cfg.responder = respond.New()
	}
	hasQuery := false
	for _, s := range cfg.sources {
		hasQuery = hasQuery || s == SourceQuery
	}
	switch {
	case hasQuery && cfg.query == "":
		optPanic("Sources", "SourceQuery requires QueryParam to name the parameter")
	case !hasQuery && cfg.query != "" && cfg.sourcesSet:
		optPanic("QueryParam", "Sources does not list SourceQuery")
	case !hasQuery && cfg.query != "":
		cfg.sources = append(cfg.sources[:len(cfg.sources):len(cfg.sources)], SourceQuery)
	}
	if !cfg.aggregatesSet {
		cfg.failures56, cfg.failures48 = satMul(cfg.failures, aggregateFactor56), satMul(cfg.failures, aggregateFactor48)
	}
	if cfg.failures56 < cfg.failures || cfg.failures48 < cfg.failures56 {
		optPanic("ThrottleIPv6", "the limits must grow with the block: /64 %d, /56 %d, /48 %d", cfg.failures, cfg.failures56, cfg.failures48)
	}
	if cfg.cookieWildcard() {
		optPanic("AllowOriginPatterns", "a wildcard pattern with cookie credentials lets any matching origin (a forgotten or taken-over subdomain) use your users' sessions; list exact origins with AllowOrigins, or leave SourceCookie out of Sources")
	}
	base := middleware{config: cfg, auth: auth}
	if !cfg.throttleOff {
		// One throttle shared by every handler this Middleware wraps.
		local := newMemoryStore(cfg.capacity, cfg.now)
		th := &throttler{store: cfg.store, local: local, timeout: cfg.storeTimeout, window: cfg.window, logger: cfg.logger, observe: cfg.observe}
		if th.store == nil {
			th.store = local
		}
		base.throttle = th
	}
	var names []string
	for _, s := range cfg.sources {
		base.subprotocolOn = base.subprotocolOn || s == SourceSubprotocol
		switch s {
		case SourceBearer:
			names = append(names, "an Authorization: Bearer token")
		case SourceSubprotocol:
			names = append(names, "a token Sec-WebSocket-Protocol entry")
		case SourceCookie:
			names = append(names, "the session cookie")
		case SourceQuery:
			names = append(names, "a token query parameter")
		}
	}
	base.errNoCreds = &respond.APIError{Status: http.StatusUnauthorized, Code: respond.CodeUnauthorized,
		Message: "authentication required: send " + strings.Join(names, " or ")}
	return func(next http.Handler) http.Handler {
		if next == nil {
			panic("wsauth: Middleware: nil next handler")
		}
		m := base
		m.next = next
		return &m
	}
}

// ServeHTTP implements http.Handler.
func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case isUpgrade(r):
	case m.passThrough && !upgradeAttempt(r):
		m.next.ServeHTTP(w, r)
		return
	case m.passThrough:
		// Not an upgrade by RFC 6455, but next may take it for one:
		// authenticate it like one.
	default:
		if r.ProtoMajor == 1 {
			// HTTP/2 and later forbid these connection-specific fields
			// (RFC 9113 §8.2.2): clients fail the stream on seeing them.
			w.Header().Set("Upgrade", "websocket")
			w.Header().Set("Connection", "Upgrade")
		}
		m.responder.Error(w, r, errUpgradeRequired)
		return
	}
	now := m.now()
	client, fromProxy := m.clientAddr(r)
	a := attempt{client: client}
	// The keys and the ThrottleAttempt are variables of their own, not
	// fields of a: a struct pointing into itself makes the compiler move
	// it to the heap (golang.org/issue/35518).
	var keyBuf [3]ThrottleKey
	var ta ThrottleAttempt
	if m.throttle != nil {
		if keys := m.throttleKeys(&keyBuf, client); keys != nil {
			ta = ThrottleAttempt{ID: m.throttle.ids.Add(1), Keys: keys, Window: m.window, Lease: throttleLease}
			store, ext, res := m.throttle.admit(r.Context(), &ta)
			if res.Verdict != ThrottleAdmitted {
				reason, wait := reasonThrottled, res.RetryAfter
				if res.Verdict == ThrottleBusy {
					reason, wait = reasonBusy, time.Second
				}
				m.audit(r.Context(), r, &a, outcomeThrottled, reason)
				secs := max(int64((wait+time.Second-1)/time.Second), 1)
				w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
				m.responder.Error(w, r, errRespThrottled)
				return
			}
			a.store, a.ext = store, ext
		}
	}
	id, out := m.authenticate(w, r, &a, &ta, now, fromProxy)
	if id == nil {
		return
	}
	// Build the whole context before next sees any of it, so the identity
	// is never partly set.
	ctx := context.WithValue(r.Context(), ctxKey{}, id)
	if !id.ExpiresAt.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadlineCause(ctx, id.ExpiresAt, ErrExpired)
		defer cancel()
	}
	m.next.ServeHTTP(w, out.WithContext(ctx))
}

// authenticate runs the origin policy, finds the credential and asks the
// Authenticator. It returns the Identity and the request next should see,
// or a nil Identity after answering the request itself; ta is the attempt
// as the throttle saw it (a separate argument, not a field of a, so that
// it can stay on the stack). Every call writes
// one audit record; a.failed reports a credential the Authenticator
// refused, the only failure the throttle counts.
func (m *middleware) authenticate(w http.ResponseWriter, r *http.Request, a *attempt, ta *ThrottleAttempt, now time.Time, fromProxy bool) (*Identity, *http.Request) {
	if a.store != nil {
		// Deferred, so that even a panicking Authenticator ends the attempt;
		// and here, not in ServeHTTP, so that an open socket is not an
		// attempt in progress.
		defer func() { m.throttle.done(r.Context(), a.store, ta, a.ext, a.failed) }()
	}
	origin := headerGet(r.Header, "Origin")
	if origin != "" && !m.originAllowed(origin, r, fromProxy) {
		m.reject(w, r, a, "origin_not_allowed", errRespOrigin)
		return nil, nil
	}

	creds, out, found, err := m.extract(r)
	a.source = creds.Source
	a.token = creds.Token
	if err != nil {
		m.reject(w, r, a, reasonOf(err), m.unauthorized(w, errRespInvalid))
		return nil, nil
	}
	if !found {
		m.reject(w, r, a, "no_credentials", m.unauthorized(w, m.errNoCreds))
		return nil, nil
	}
	if origin == "" && creds.Source == SourceCookie {
		m.reject(w, r, a, "origin_required", errRespOriginRequired)
		return nil, nil
	}
	if len(creds.Token) > maxCredentialLen {
		a.token = "" // hashing it for the fingerprint would make the rejection expensive
		m.reject(w, r, a, errTokenTooLong.reason, m.unauthorized(w, errRespInvalid))
		return nil, nil
	}

	id, err := m.auth.Authenticate(r.Context(), creds)
	if err != nil {
		m.authFailed(w, r, a, err)
		return nil, nil
	}
	if id == nil {
		m.audit(r.Context(), r, a, outcomeError, "nil_identity")
		m.responder.Error(w, r, errors.New("wsauth: Authenticator returned neither an identity nor an error"))
		return nil, nil
	}
	if !id.ExpiresAt.IsZero() && !now.Before(id.ExpiresAt) {
		m.reject(w, r, a, "expired", m.unauthorized(w, errRespExpired))
		return nil, nil
	}
	ident := *id
	ident.Source = creds.Source
	a.subject = ident.Subject
	m.audit(r.Context(), r, a, outcomeAccepted, "authenticated")
	return &ident, out
}

// authFailed classifies an Authenticator error.
func (m *middleware) authFailed(w http.ResponseWriter, r *http.Request, a *attempt, err error) {
	var apiErr *respond.APIError
	switch {
	case errors.As(err, &apiErr):
		reason := "denied"
		if rr := reasonOf(err); rr != "authenticator_error" {
			reason = rr
		}
		if apiErr.Status == http.StatusUnauthorized {
			m.unauthorized(w, apiErr)
		}
		if apiErr.Status >= 400 && apiErr.Status < 500 {
			a.failed = true
			m.reject(w, r, a, reason, apiErr)
			return
		}
		m.audit(r.Context(), r, a, outcomeError, reason)
		m.responder.Error(w, r, apiErr)
	case errors.Is(err, ErrExpired):
		a.failed = true
		m.reject(w, r, a, reasonOf(err), m.unauthorized(w, errRespExpired))
	case errors.Is(err, ErrInvalidCredentials), errors.Is(err, ErrNoCredentials):
		a.failed = true
		m.reject(w, r, a, reasonOf(err), m.unauthorized(w, errRespInvalid))
	default:
		m.audit(r.Context(), r, a, outcomeError, "authenticator_error")
		m.responder.Error(w, r, err)
	}
}

// reject answers a client failure and audits it. Only a credential the
// Authenticator refused (a.failed, set by authFailed) counts for
// throttling: a refused Origin or a missing credential proves nothing
// about guessing, and counting them would let any web page a user visits
// lock the user's address out by opening sockets from the wrong origin.
func (m *middleware) reject(w http.ResponseWriter, r *http.Request, a *attempt, reason string, resp *respond.APIError) {
	m.audit(r.Context(), r, a, outcomeRejected, reason)
	m.responder.Error(w, r, resp)
}

// unauthorized sets the RFC 6750 challenge for a 401 and returns resp.
// When a credential was presented, error="invalid_token" tells the client
// that retrying the same one is pointless.
func (m *middleware) unauthorized(w http.ResponseWriter, resp *respond.APIError) *respond.APIError {
	c := challengeInvalid
	if resp == m.errNoCreds {
		c = challenge
	}
	w.Header()["Www-Authenticate"] = []string{c} // canonical key, set directly
	return resp
}

// isUpgrade reports whether r opens a WebSocket: an HTTP/1.1 upgrade (RFC
// 6455 §4.1: GET with "Connection: upgrade" and "Upgrade: websocket"
// tokens) or an HTTP/2 extended CONNECT (RFC 8441 §4: CONNECT with
// ":protocol: websocket", which net/http puts in the header map as is).
func isUpgrade(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet:
		return headerHasToken(r.Header, "Connection", "upgrade") &&
			headerHasToken(r.Header, "Upgrade", "websocket")
	case http.MethodConnect:
		return strings.EqualFold(headerGet(r.Header, ":protocol"), "websocket")
	}
	return false
}

// upgradeAttempt reports whether r could be taken for a WebSocket
// handshake by some server: a GET carrying Upgrade or Sec-WebSocket-Key,
// whatever their values. WebSocket libraries disagree on how strictly they
// read these headers (coder/websocket and gobwas/ws fold Unicode, so
// "webſocket" with U+017F or NBSP around the token is accepted), so
// PassThroughNonUpgrade never lets such a request through: wsauth
// authenticates it as a handshake instead (fail closed). Without
// PassThroughNonUpgrade such a request gets 426 like any other that is not
// a strict RFC 6455 upgrade.
func upgradeAttempt(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	_, up := r.Header["Upgrade"]
	_, key := r.Header["Sec-Websocket-Key"]
	return up || key
}

// headerHasToken reports whether a comma-separated header (name in
// canonical form) lists token (case-insensitively).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h[name] {
		for v != "" {
			var e string
			e, v, _ = strings.Cut(v, ",")
			if e = clientaddr.TrimOWS(e); len(e) == len(token) && strings.EqualFold(e, token) {
				return true
			}
		}
	}
	return false
}

// headerGet is http.Header.Get for a key already in canonical form: it
// skips the canonicalization, which costs more than the lookup.
func headerGet(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// satMul is a*b for positive a and b, or math.MaxInt if that overflows.
func satMul(a, b int) int {
	if a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}
