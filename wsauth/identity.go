package wsauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Credential sources, the values of Credentials.Source and Identity.Source
// and the names the Sources option takes.
const (
	// SourceBearer is an "Authorization: Bearer <token>" header: the choice
	// for services and native clients (browsers cannot set it on a WebSocket).
	SourceBearer = "bearer"
	// SourceSubprotocol is a Sec-WebSocket-Protocol entry made of a prefix
	// and the base64url-encoded token: the way a browser can send a token.
	SourceSubprotocol = "subprotocol"
	// SourceCookie is the session cookie: browsers send it automatically,
	// which is why it needs the Origin check.
	SourceCookie = "cookie"
	// SourceQuery is a query parameter, enabled only by QueryParam.
	SourceQuery = "query"
)

// Credentials is what Middleware found in the upgrade request and hands to
// the Authenticator. Its String, GoString and LogValue methods show the
// source and a fingerprint, never the token.
type Credentials struct {
	// Token is the credential as the client sent it (for SourceSubprotocol,
	// already base64url-decoded; for SourceCookie, the cookie's value).
	Token string
	// Source is one of SourceBearer, SourceSubprotocol, SourceCookie,
	// SourceQuery.
	Source string
	// Request is the upgrade request as later handlers will see it: the
	// token subprotocol entry removed and the query parameter redacted.
	// Authenticators must not modify it.
	Request *http.Request
}

// String describes c without revealing the token.
func (c Credentials) String() string {
	return fmt.Sprintf("wsauth.Credentials{Source: %q, Token: sha256:%s}", c.Source, Fingerprint(c.Token))
}

// GoString is String, so that %#v does not reveal the token either.
func (c Credentials) GoString() string { return c.String() }

// LogValue makes slog log the source and the token's fingerprint only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("source", c.Source), slog.String("token_fp", Fingerprint(c.Token)))
}

// Identity is who an Authenticator says the client is.
type Identity struct {
	// Subject identifies the user or service, e.g. a user ID.
	Subject string
	// ExpiresAt is when the credential stops being valid; the request
	// context ends then with cause ErrExpired. Zero means no expiry (static
	// service tokens).
	ExpiresAt time.Time
	// IssuedAt is when the credential was issued, if known.
	IssuedAt time.Time
	// Claims are optional extra attributes (roles, tenant, ...).
	Claims map[string]string
	// Audience is the service or purpose the credential was issued for
	// (Signer.WithAudience), "" when it names none.
	Audience string
	// Source is the credential source that authenticated the request; set
	// by Middleware.
	Source string
}

// Authenticator decides whether credentials are valid.
//
// Return ErrInvalidCredentials or ErrExpired (or errors wrapping them) for a
// client's bad credentials: Middleware answers 401 and counts the failure
// for throttling. Return a *respond.APIError to answer with that status
// (e.g. 403 for a banned user). Any other error is a server-side failure:
// respond.Error renders it (500, logged, not shown to the client) and it is
// not counted against the client; since it is logged, it must not contain
// c.Token. An error with a Reason() string method supplies the audit
// record's reason.
type Authenticator interface {
	Authenticate(ctx context.Context, c Credentials) (*Identity, error)
}

// AuthenticatorFunc adapts a function to the Authenticator interface.
type AuthenticatorFunc func(ctx context.Context, c Credentials) (*Identity, error)

// Authenticate calls f(ctx, c).
func (f AuthenticatorFunc) Authenticate(ctx context.Context, c Credentials) (*Identity, error) {
	return f(ctx, c)
}

var _ Authenticator = AuthenticatorFunc(nil)

// ctxKey is the unexported context key for the Identity.
type ctxKey struct{}

// FromContext returns the Identity Middleware stored in the context of an
// authenticated request. The second result is false when there is none.
// Treat the Identity as read-only: its Claims map may be shared with the
// Authenticator (a session cache, for example).
func FromContext(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(*Identity)
	return id, ok && id != nil
}

// Fingerprint returns the first 8 hex digits of the SHA-256 of token: enough
// to correlate audit records and tell tokens apart, useless to replay. It is
// what the audit record shows instead of the token.
func Fingerprint(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:4])
}

// NewContext returns a copy of ctx carrying id, for testing handlers that
// call FromContext without running Middleware. It sets no deadline.
func NewContext(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}
