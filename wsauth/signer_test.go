package wsauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignerRoundTrip(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := wsauth.NewSigner(testKey).WithClock(clock.Now)
	tok, err := s.IssueClaims("user-1", 15*time.Minute, map[string]string{"role": "admin", "tenant": "t1"})
	require.NoError(t, err)
	assert.Less(t, len(tok), 120, "compact")
	id, err := s.Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, "user-1", id.Subject)
	assert.True(t, id.IssuedAt.Equal(clock.Now()))
	assert.True(t, id.ExpiresAt.Equal(clock.Now().Add(15*time.Minute)))
	assert.Equal(t, map[string]string{"role": "admin", "tenant": "t1"}, id.Claims)

	id, err = s.Authenticate(context.Background(), wsauth.Credentials{Token: tok, Source: wsauth.SourceCookie})
	require.NoError(t, err)
	assert.Equal(t, "user-1", id.Subject)

	plain, err := s.Issue("user-2", time.Minute)
	require.NoError(t, err)
	id, err = s.Verify(plain)
	require.NoError(t, err)
	assert.Nil(t, id.Claims)
}

func TestSignerRejects(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := wsauth.NewSigner(testKey).WithClock(clock.Now).WithSkew(5 * time.Second)
	tok, err := s.Issue("alice", time.Minute)
	require.NoError(t, err)
	payload, sig, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	require.NoError(t, err)
	tampered := append([]byte(nil), raw...)
	tampered[len(tampered)-2] ^= 1 // a subject byte

	future, err := s.WithClock(func() time.Time { return clock.Now().Add(6 * time.Second) }).Issue("alice", time.Minute)
	require.NoError(t, err)
	nearFuture, err := s.WithClock(func() time.Time { return clock.Now().Add(4 * time.Second) }).Issue("alice", time.Minute)
	require.NoError(t, err)
	justExpired, err := s.WithClock(func() time.Time { return clock.Now().Add(-time.Minute) }).Issue("alice", time.Minute)
	require.NoError(t, err)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", wsauth.ErrInvalidCredentials},
		{"no dot", payload + sig, wsauth.ErrInvalidCredentials},
		{"two dots", tok + ".x", wsauth.ErrInvalidCredentials},
		{"short signature", payload + "." + sig[:10], wsauth.ErrInvalidCredentials},
		{"signature not base64", payload + "." + strings.Repeat("*", len(sig)), wsauth.ErrInvalidCredentials},
		{"tampered payload", base64.RawURLEncoding.EncodeToString(tampered) + "." + sig, wsauth.ErrInvalidCredentials},
		{"padded payload", payload + "=." + sig, wsauth.ErrInvalidCredentials},
		{"too long", strings.Repeat("a", wsauth.MaxTokenLen+1), wsauth.ErrInvalidCredentials},
		{"issued in the future beyond skew", future, wsauth.ErrInvalidCredentials},
		{"expired at exactly exp", justExpired, wsauth.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := s.Verify(tt.token)
			assert.Nil(t, id)
			require.ErrorIs(t, err, tt.want)
			if !errors.Is(tt.want, wsauth.ErrExpired) {
				assert.NotErrorIs(t, err, wsauth.ErrExpired)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "wsauth: "))
		})
	}
	_, err = s.Verify(nearFuture)
	assert.NoError(t, err, "within the skew allowance")
}

func TestSignerKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey := []byte("old-key-old-key-old-key-old-key-")
	newKey := []byte("new-key-new-key-new-key-new-key-")
	before := wsauth.NewSigner(oldKey)
	during := wsauth.NewSigner(newKey, oldKey)
	after := wsauth.NewSigner(newKey)

	oldTok, err := before.Issue("alice", time.Hour)
	require.NoError(t, err)
	newTok, err := during.Issue("alice", time.Hour)
	require.NoError(t, err)

	_, err = during.Verify(oldTok)
	assert.NoError(t, err, "old tokens verify during rotation")
	_, err = after.Verify(newTok)
	assert.NoError(t, err, "the first key signs")
	_, err = before.Verify(newTok)
	assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials, "new tokens are not signed with the old key")
	_, err = after.Verify(oldTok)
	assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials, "old tokens die with the old key")
}

func TestSignerCopiesKeys(t *testing.T) {
	t.Parallel()
	key := append([]byte(nil), testKey...)
	s := wsauth.NewSigner(key)
	tok, err := s.Issue("alice", time.Hour)
	require.NoError(t, err)
	key[0] ^= 0xff
	_, err = s.Verify(tok)
	assert.NoError(t, err)
}

func TestIssueErrors(t *testing.T) {
	t.Parallel()
	s := wsauth.NewSigner(testKey)
	many := map[string]string{}
	for i := range 33 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	tests := []struct {
		name    string
		subject string
		ttl     time.Duration
		claims  map[string]string
		want    error
	}{
		{"empty subject", "", time.Minute, nil, wsauth.ErrIssueSubject},
		{"long subject", strings.Repeat("s", 257), time.Minute, nil, wsauth.ErrIssueSubject},
		{"invalid utf-8 subject", "\xff", time.Minute, nil, wsauth.ErrIssueSubject},
		{"zero ttl", "alice", 0, nil, wsauth.ErrIssueTTL},
		{"too many claims", "alice", time.Minute, many, wsauth.ErrIssueClaims},
		{"empty claim key", "alice", time.Minute, map[string]string{"": "v"}, wsauth.ErrIssueClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := s.IssueClaims(tt.subject, tt.ttl, tt.claims)
			assert.Empty(t, tok)
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

// TestSignerAudience: a token minted for one audience is refused by a
// Signer for another audience or for none, although they share the key;
// tokens without an audience keep working between Signers without one.
func TestSignerAudience(t *testing.T) {
	t.Parallel()
	plain := wsauth.NewSigner(testKey)
	ws := plain.WithAudience("nexus-ws")
	mail := plain.WithAudience("email-link")
	issue := func(s *wsauth.Signer) string {
		tok, err := s.IssueClaims("alice", time.Hour, map[string]string{"role": "admin"})
		require.NoError(t, err)
		return tok
	}
	wsTok, mailTok, plainTok := issue(ws), issue(mail), issue(plain)

	id, err := ws.Verify(wsTok)
	require.NoError(t, err)
	assert.Equal(t, "nexus-ws", id.Audience)
	assert.Equal(t, "alice", id.Subject)
	assert.Equal(t, "admin", id.Claims["role"])
	id, err = plain.Verify(plainTok)
	require.NoError(t, err, "tokens without an audience still verify")
	assert.Empty(t, id.Audience)

	for _, tt := range []struct {
		name string
		s    *wsauth.Signer
		tok  string
	}{
		{"other audience", ws, mailTok},
		{"other audience, reversed", mail, wsTok},
		{"audience token at a Signer without one", plain, wsTok},
		{"token without audience at a Signer with one", ws, plainTok},
	} {
		_, err := tt.s.Verify(tt.tok)
		assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials, tt.name)
		assert.Contains(t, err.Error(), "another audience", tt.name)
	}

	// Through Middleware: 401 with the audit reason.
	logger, logs := newLogger()
	h := wsauth.Middleware(ws, wsauth.Logger(logger))(&identityHandler{})
	r := upgradeRequest("http://example.com/ws")
	r.Header.Set("Authorization", "Bearer "+mailTok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	recs := logs.Records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "wrong_audience", recs[0]["reason"])

	assert.PanicsWithValue(t, "wsauth: Signer.WithAudience: audience must be non-empty valid UTF-8 of at most 256 bytes",
		func() { plain.WithAudience("") })
}
