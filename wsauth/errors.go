package wsauth

import "errors"

// Sentinel errors. Authenticators return (or wrap) them so that Middleware
// can tell a client's bad credentials (401, counted for throttling) from a
// server-side failure (rendered by respond.Error, not counted).
var (
	// ErrNoCredentials means the request carried no credential in any of
	// the enabled sources.
	ErrNoCredentials = errors.New("wsauth: no credentials in the request")

	// ErrInvalidCredentials means a credential was present but is not
	// valid: malformed, badly signed, unknown, or from a source the
	// authenticator does not accept. Custom authenticators should wrap it.
	ErrInvalidCredentials = errors.New("wsauth: invalid credentials")

	// ErrExpired means the credential has expired. It is also the cause
	// (context.Cause) of the request context ending at Identity.ExpiresAt,
	// so a WebSocket handler can tell expiry from a client going away and
	// close the socket with status 1008 (policy violation).
	ErrExpired = errors.New("wsauth: credential expired")
)

// reasonError is a client-credential error with a short machine-readable
// reason for the audit record. Its message never contains client input.
type reasonError struct {
	reason string // audit reason, snake_case
	msg    string
	base   error // ErrInvalidCredentials or ErrExpired
}

func (e *reasonError) Error() string  { return "wsauth: " + e.msg }
func (e *reasonError) Unwrap() error  { return e.base }
func (e *reasonError) Reason() string { return e.reason }

// The errors Signer, Sessions, StaticTokens and BySource return. They are
// preallocated so that rejecting a credential costs no allocation.
var (
	errTokenTooLong   = &reasonError{"token_too_long", "token is longer than the accepted maximum", ErrInvalidCredentials}
	errTokenMalformed = &reasonError{"malformed_token", "token is not a well-formed signed token", ErrInvalidCredentials}
	errBadSignature   = &reasonError{"bad_signature", "token signature does not verify with any key", ErrInvalidCredentials}
	errNotYetValid    = &reasonError{"not_yet_valid", "token is issued in the future beyond the allowed clock skew", ErrInvalidCredentials}
	errTokenExpired   = &reasonError{"expired", "token expired", ErrExpired}
	errWrongAudience  = &reasonError{"wrong_audience", "token was issued for another audience", ErrInvalidCredentials}
	errUnknownSession = &reasonError{"unknown_session", "session is unknown or has ended", ErrInvalidCredentials}
	errNotCookie      = &reasonError{"source_not_accepted", "session IDs are only accepted from the session cookie", ErrInvalidCredentials}
	errSourceRefused  = &reasonError{"source_not_accepted", "no authenticator accepts this credential source", ErrInvalidCredentials}
	errUnknownToken   = &reasonError{"unknown_token", "token does not match any configured static token", ErrInvalidCredentials}
	errBadSubprotocol = &reasonError{"malformed_subprotocol", "token subprotocol entry is not valid base64url, is empty, or appears more than once", ErrInvalidCredentials}
)

// reasonOf returns the audit reason for an authentication error.
func reasonOf(err error) string {
	if re, ok := err.(*reasonError); ok { // the common case, without errors.As's allocation
		return re.reason
	}
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		return r.Reason()
	}
	switch {
	case errors.Is(err, ErrExpired):
		return "expired"
	case errors.Is(err, ErrNoCredentials):
		return "no_credentials"
	case errors.Is(err, ErrInvalidCredentials):
		return "invalid_credentials"
	}
	return "authenticator_error"
}
