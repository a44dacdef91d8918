package wsauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Signer limits and defaults.
const (
	// MinKeyLen is the shortest HMAC key NewSigner accepts: 32 bytes, the
	// SHA-256 output size (RFC 2104 §3 recommends at least that much).
	MinKeyLen = 32
	// DefaultSkew is how far in the future a token's issued-at may lie
	// (another replica's clock running ahead) before it is refused.
	DefaultSkew = 30 * time.Second
	// MaxTokenLen is the longest token Verify looks at; longer ones are
	// refused before any decoding or hashing.
	MaxTokenLen = 4096

	maxSubjectLen = 256
	maxClaims     = 32
	// tokenVersion is the payload without an audience, tokenVersionAud
	// the payload with one (after the version byte). A Signer without an
	// audience still issues the first, so tokens stay readable by
	// verifiers that predate audiences.
	tokenVersion    = 1
	tokenVersionAud = 2
	// macDomain separates these MACs from any other use of the same key.
	macDomain = "nexuskit.wsauth.v1."
)

var b64 = base64.RawURLEncoding.Strict()

// Signer issues and verifies compact HMAC-SHA256 tokens carrying a
// subject, issued-at and expiry times and optional string claims:
//
//	base64url(payload) "." base64url(HMAC-SHA256(key, domain || base64url(payload)))
//
// The payload is a small binary encoding (version, times in Unix
// milliseconds, length-prefixed strings); tokens are opaque to clients and
// much shorter than a JWT. The signature is checked, in constant time,
// before the payload is decoded. Several keys allow rotation: the first
// signs, every key verifies. A Signer is an Authenticator accepting tokens
// from any credential source. It is safe for concurrent use.
//
// A token can name an audience (WithAudience): the service or purpose it
// was issued for. A Signer with an audience issues only tokens for it and
// accepts only tokens for it; a Signer without one accepts only tokens
// without one. So a key shared by several services (or used for several
// purposes, such as WebSocket access and e-mail links) cannot turn a token
// minted for one into a credential for another.
type Signer struct {
	keys []*signingKey
	skew time.Duration
	now  func() time.Time
	aud  string
}

// signingKey pools HMAC states for one key: creating one costs more than
// the MAC of a short token.
type signingKey struct{ pool sync.Pool }

// macState is one pooled HMAC with a scratch buffer for its input, so that
// computing a MAC allocates nothing.
type macState struct {
	h   hash.Hash
	buf []byte
}

var _ Authenticator = (*Signer)(nil)

// NewSigner returns a Signer. keys[0] signs; all keys verify. It panics
// when no key is given or a key is shorter than MinKeyLen bytes: generate
// keys with crypto/rand (e.g. `openssl rand -base64 32`), never from a
// password. The keys are copied.
func NewSigner(keys ...[]byte) *Signer {
	if len(keys) == 0 {
		panic("wsauth: NewSigner: at least one key is required")
	}
	s := &Signer{skew: DefaultSkew, now: time.Now}
	for i, k := range keys {
		if len(k) < MinKeyLen {
			panic(fmt.Sprintf("wsauth: NewSigner: key %d is %d bytes; keys must be at least %d random bytes", i, len(k), MinKeyLen))
		}
		key := append([]byte(nil), k...)
		sk := &signingKey{}
		sk.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key), buf: make([]byte, 0, 256)} }
		s.keys = append(s.keys, sk)
	}
	return s
}

// WithSkew returns a copy of s that accepts tokens issued up to d in the
// future (default DefaultSkew). Expiry is never stretched: the socket must
// end when the token says. It panics for a negative d.
func (s *Signer) WithSkew(d time.Duration) *Signer {
	if d < 0 {
		panic("wsauth: Signer.WithSkew: negative skew")
	}
	c := *s
	c.skew = d
	return &c
}

// WithAudience returns a copy of s whose tokens are for audience aud (a
// service or purpose, such as "nexus-ws"): it issues tokens naming aud and
// refuses, with reason "wrong_audience", every token that names another
// audience or none (so tokens issued before the audience was set stop
// working; deploy WithAudience on issuers and verifiers together, or
// accept both for a while with BySource or an AuthenticatorFunc trying
// each Signer). It panics unless aud is non-empty valid UTF-8 of at most
// 256 bytes.
func (s *Signer) WithAudience(aud string) *Signer {
	if aud == "" || len(aud) > maxSubjectLen || !utf8.ValidString(aud) {
		panic("wsauth: Signer.WithAudience: audience must be non-empty valid UTF-8 of at most 256 bytes")
	}
	c := *s
	c.aud = aud
	return &c
}

// WithClock returns a copy of s that uses now as its clock (for tests).
func (s *Signer) WithClock(now func() time.Time) *Signer {
	if now == nil {
		panic("wsauth: Signer.WithClock: nil clock")
	}
	c := *s
	c.now = now
	return &c
}

// Issue returns a token for subject valid for ttl from now.
func (s *Signer) Issue(subject string, ttl time.Duration) (string, error) {
	return s.IssueClaims(subject, ttl, nil)
}

// Errors of IssueClaims: the caller's mistakes, never the client's.
var (
	ErrIssueSubject = errors.New("wsauth: Issue: subject must be non-empty valid UTF-8 of at most 256 bytes")
	ErrIssueTTL     = errors.New("wsauth: Issue: ttl must be at least one millisecond")
	ErrIssueClaims  = errors.New("wsauth: Issue: at most 32 claims, with non-empty valid UTF-8 keys and valid UTF-8 values of at most 256 bytes")
)

// IssueClaims is Issue with extra claims (roles, tenant, ...), which
// Verify returns in Identity.Claims.
func (s *Signer) IssueClaims(subject string, ttl time.Duration, claims map[string]string) (string, error) {
	if subject == "" || len(subject) > maxSubjectLen || !utf8.ValidString(subject) {
		return "", ErrIssueSubject
	}
	if ttl < time.Millisecond {
		return "", ErrIssueTTL
	}
	if len(claims) > maxClaims {
		return "", ErrIssueClaims
	}
	for k, v := range claims {
		if k == "" || len(k) > maxSubjectLen || len(v) > maxSubjectLen || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return "", ErrIssueClaims
		}
	}
	now := s.now()
	p := make([]byte, 0, 32+len(subject)+len(s.aud))
	if s.aud == "" {
		p = append(p, tokenVersion)
	} else {
		p = append(p, tokenVersionAud)
		p = appendString(p, s.aud)
	}
	p = binary.AppendUvarint(p, uint64(now.UnixMilli()))
	p = binary.AppendUvarint(p, uint64(now.Add(ttl).UnixMilli()))
	p = appendString(p, subject)
	p = binary.AppendUvarint(p, uint64(len(claims)))
	for _, k := range sortedKeys(claims) {
		p = appendString(p, k)
		p = appendString(p, claims[k])
	}
	enc := b64.EncodeToString(p)
	var sum [sha256.Size]byte
	s.keys[0].mac(sum[:0], enc)
	tok := enc + "." + b64.EncodeToString(sum[:])
	if len(tok) > MaxTokenLen {
		return "", ErrIssueClaims
	}
	return tok, nil
}

// Authenticate verifies c.Token; it makes Signer an Authenticator.
func (s *Signer) Authenticate(_ context.Context, c Credentials) (*Identity, error) {
	return s.Verify(c.Token)
}

// Verify checks a token's signature against every key, then decodes it and
// checks its times. Errors wrap ErrInvalidCredentials or ErrExpired.
func (s *Signer) Verify(token string) (*Identity, error) {
	if len(token) > MaxTokenLen {
		return nil, errTokenTooLong
	}
	enc, sigEnc, ok := strings.Cut(token, ".")
	if !ok || enc == "" || len(sigEnc) != b64.EncodedLen(sha256.Size) || !isBase64URL(enc) || !isBase64URL(sigEnc) {
		return nil, errTokenMalformed
	}
	var sig [sha256.Size]byte
	var sigBuf [64]byte // sigEnc is 43 bytes: decode from the stack
	if n, err := b64.Decode(sig[:], append(sigBuf[:0], sigEnc...)); err != nil || n != sha256.Size {
		return nil, errTokenMalformed
	}
	valid := false
	var sum [sha256.Size]byte
	for _, k := range s.keys {
		// Every key is tried even after a match, so timing does not say
		// which key signed.
		if hmac.Equal(k.mac(sum[:0], enc), sig[:]) {
			valid = true
		}
	}
	if !valid {
		return nil, errBadSignature
	}
	raw, err := b64.DecodeString(enc)
	if err != nil {
		return nil, errTokenMalformed
	}
	id, err := decodePayload(raw)
	if err != nil {
		return nil, err
	}
	if id.Audience != s.aud {
		return nil, errWrongAudience
	}
	now := s.now()
	if id.IssuedAt.After(now.Add(s.skew)) {
		return nil, errNotYetValid
	}
	if !now.Before(id.ExpiresAt) {
		return nil, errTokenExpired
	}
	return id, nil
}

// mac appends HMAC-SHA256(key, macDomain || enc) to dst.
func (k *signingKey) mac(dst []byte, enc string) []byte {
	st := k.pool.Get().(*macState)
	st.h.Reset()
	st.buf = append(append(st.buf[:0], macDomain...), enc...)
	st.h.Write(st.buf)
	dst = st.h.Sum(dst)
	if cap(st.buf) <= 4*MaxTokenLen {
		k.pool.Put(st)
	}
	return dst
}

// decodePayload parses an authenticated payload. The MAC already vouches
// for it, but it is parsed defensively anyway (a leaked key must not turn
// into a crash).
func decodePayload(p []byte) (*Identity, error) {
	if len(p) == 0 || p[0] != tokenVersion && p[0] != tokenVersionAud {
		return nil, errTokenMalformed
	}
	version := p[0]
	p = p[1:]
	aud := ""
	if version == tokenVersionAud {
		var ok bool
		if aud, p, ok = readString(p); !ok || aud == "" {
			return nil, errTokenMalformed
		}
	}
	iat, p, ok := readUvarint(p)
	if !ok {
		return nil, errTokenMalformed
	}
	exp, p, ok := readUvarint(p)
	if !ok || exp <= iat || exp > 1<<53 {
		return nil, errTokenMalformed
	}
	subject, p, ok := readString(p)
	if !ok || subject == "" {
		return nil, errTokenMalformed
	}
	n, p, ok := readUvarint(p)
	if !ok || n > maxClaims {
		return nil, errTokenMalformed
	}
	id := &Identity{
		Subject:   subject,
		Audience:  aud,
		IssuedAt:  time.UnixMilli(int64(iat)),
		ExpiresAt: time.UnixMilli(int64(exp)),
	}
	if n > 0 {
		id.Claims = make(map[string]string, n)
		for range n {
			var k, v string
			if k, p, ok = readString(p); !ok || k == "" {
				return nil, errTokenMalformed
			}
			if v, p, ok = readString(p); !ok {
				return nil, errTokenMalformed
			}
			if _, dup := id.Claims[k]; dup {
				return nil, errTokenMalformed
			}
			id.Claims[k] = v
		}
	}
	if len(p) != 0 {
		return nil, errTokenMalformed
	}
	return id, nil
}

func appendString(p []byte, s string) []byte {
	p = binary.AppendUvarint(p, uint64(len(s)))
	return append(p, s...)
}

func readUvarint(p []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, p, false
	}
	return v, p[n:], true
}

func readString(p []byte) (string, []byte, bool) {
	n, p, ok := readUvarint(p)
	if !ok || n > maxSubjectLen || n > uint64(len(p)) {
		return "", p, false
	}
	s := string(p[:n])
	if !utf8.ValidString(s) {
		return "", p, false
	}
	return s, p[n:], true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
