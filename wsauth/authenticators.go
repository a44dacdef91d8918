package wsauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"slices"
)

// Sessions returns an Authenticator for cookie sessions: it passes the
// session cookie's value to lookup, which returns the session's Identity
// (with ExpiresAt set to the session's end, so the socket ends with it),
// nil and nil for an unknown or ended session, or an error for a failed
// lookup (rendered as 500 and not counted against the client; it is
// logged, so it must not contain the session ID). Session IDs arriving any
// other way than the cookie are refused: they are not meant to be typed
// into URLs or headers. It panics if lookup is nil.
func Sessions(lookup func(ctx context.Context, sessionID string) (*Identity, error)) Authenticator {
	if lookup == nil {
		panic("wsauth: Sessions: nil lookup function")
	}
	return AuthenticatorFunc(func(ctx context.Context, c Credentials) (*Identity, error) {
		if c.Source != SourceCookie {
			return nil, errNotCookie
		}
		id, err := lookup(ctx, c.Token)
		if err != nil {
			return nil, err
		}
		if id == nil {
			return nil, errUnknownSession
		}
		return id, nil
	})
}

// MinStaticTokenLen is the shortest token StaticTokens accepts.
const MinStaticTokenLen = 16

// StaticTokens returns an Authenticator for service clients holding
// long-lived secrets: tokens maps each token to its subject. Presented
// tokens are hashed and compared with every configured token's hash in
// constant time, so neither timing nor length tells an attacker how close
// a guess was. The identities have no expiry. It panics on an empty map, a
// token shorter than MinStaticTokenLen or an empty subject.
func StaticTokens(tokens map[string]string) Authenticator {
	if len(tokens) == 0 {
		panic("wsauth: StaticTokens: no tokens")
	}
	type entry struct {
		hash    [sha256.Size]byte
		subject string
	}
	entries := make([]entry, 0, len(tokens))
	for tok, sub := range tokens {
		if len(tok) < MinStaticTokenLen {
			panic(fmt.Sprintf("wsauth: StaticTokens: the token of subject %q is shorter than %d bytes", sub, MinStaticTokenLen))
		}
		if sub == "" {
			panic("wsauth: StaticTokens: a token has an empty subject")
		}
		entries = append(entries, entry{sha256.Sum256([]byte(tok)), sub})
	}
	return AuthenticatorFunc(func(_ context.Context, c Credentials) (*Identity, error) {
		h := sha256.Sum256([]byte(c.Token))
		match := -1
		for i := range entries {
			eq := subtle.ConstantTimeCompare(h[:], entries[i].hash[:])
			match = subtle.ConstantTimeSelect(eq, i, match)
		}
		if match < 0 {
			return nil, errUnknownToken
		}
		return &Identity{Subject: entries[match].subject}, nil
	})
}

// BySource returns an Authenticator that hands each credential to the
// Authenticator registered for its source, for example Sessions for
// browsers' cookies and StaticTokens for services' bearer tokens.
// Credentials from other sources are refused (401). It panics on an empty
// map, an unknown source name or a nil Authenticator.
func BySource(m map[string]Authenticator) Authenticator {
	if len(m) == 0 {
		panic("wsauth: BySource: no authenticators")
	}
	c := make(map[string]Authenticator, len(m))
	for src, a := range m {
		if !slices.Contains([]string{SourceBearer, SourceSubprotocol, SourceCookie, SourceQuery}, src) {
			panic(fmt.Sprintf("wsauth: BySource: unknown source %q", src))
		}
		if a == nil {
			panic(fmt.Sprintf("wsauth: BySource: nil Authenticator for %q", src))
		}
		c[src] = a
	}
	return AuthenticatorFunc(func(ctx context.Context, cr Credentials) (*Identity, error) {
		a, ok := c[cr.Source]
		if !ok {
			return nil, errSourceRefused
		}
		return a.Authenticate(ctx, cr)
	})
}
