package wsauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	errStore := errors.New("store down")
	auth := wsauth.Sessions(func(_ context.Context, id string) (*wsauth.Identity, error) {
		switch id {
		case "sess-good":
			return &wsauth.Identity{Subject: "alice", ExpiresAt: time.Now().Add(time.Hour)}, nil
		case "sess-broken":
			return nil, errStore
		}
		return nil, nil
	})
	ctx := context.Background()
	id, err := auth.Authenticate(ctx, wsauth.Credentials{Token: "sess-good", Source: wsauth.SourceCookie})
	require.NoError(t, err)
	assert.Equal(t, "alice", id.Subject)

	_, err = auth.Authenticate(ctx, wsauth.Credentials{Token: "sess-good", Source: wsauth.SourceBearer})
	assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials, "session IDs only from the cookie")
	_, err = auth.Authenticate(ctx, wsauth.Credentials{Token: "sess-unknown", Source: wsauth.SourceCookie})
	assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials)
	_, err = auth.Authenticate(ctx, wsauth.Credentials{Token: "sess-broken", Source: wsauth.SourceCookie})
	assert.ErrorIs(t, err, errStore)

	// Through the middleware: a browser with a session cookie from the same origin.
	next := &identityHandler{}
	h := wsauth.Middleware(auth, wsauth.Logger(discardLogger()))(next)
	r := upgradeRequest("http://example.com/ws")
	r.Header.Set("Origin", "http://example.com")
	r.AddCookie(&http.Cookie{Name: "session", Value: "sess-good"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusSwitchingProtocols, rec.Code)
	assert.Equal(t, "alice", next.id.Subject)
	assert.Equal(t, wsauth.SourceCookie, next.id.Source)
}

func TestStaticTokens(t *testing.T) {
	t.Parallel()
	auth := wsauth.StaticTokens(map[string]string{
		"svc-a-0123456789abcdef": "billing",
		"svc-b-0123456789abcdef": "search",
	})
	ctx := context.Background()
	for tok, want := range map[string]string{"svc-a-0123456789abcdef": "billing", "svc-b-0123456789abcdef": "search"} {
		id, err := auth.Authenticate(ctx, wsauth.Credentials{Token: tok, Source: wsauth.SourceBearer})
		require.NoError(t, err)
		assert.Equal(t, want, id.Subject)
		assert.True(t, id.ExpiresAt.IsZero())
	}
	for _, bad := range []string{"", "svc-a-0123456789abcdeF", "svc-a-0123456789abcdef0", "svc-a"} {
		id, err := auth.Authenticate(ctx, wsauth.Credentials{Token: bad, Source: wsauth.SourceBearer})
		assert.Nil(t, id)
		assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials, bad)
	}
}

func TestBySource(t *testing.T) {
	t.Parallel()
	cookieAuth := wsauth.AuthenticatorFunc(func(context.Context, wsauth.Credentials) (*wsauth.Identity, error) {
		return &wsauth.Identity{Subject: "browser-user"}, nil
	})
	auth := wsauth.BySource(map[string]wsauth.Authenticator{
		wsauth.SourceCookie: cookieAuth,
		wsauth.SourceBearer: wsauth.StaticTokens(map[string]string{"svc-a-0123456789abcdef": "billing"}),
	})
	ctx := context.Background()
	id, err := auth.Authenticate(ctx, wsauth.Credentials{Token: "anything", Source: wsauth.SourceCookie})
	require.NoError(t, err)
	assert.Equal(t, "browser-user", id.Subject)
	id, err = auth.Authenticate(ctx, wsauth.Credentials{Token: "svc-a-0123456789abcdef", Source: wsauth.SourceBearer})
	require.NoError(t, err)
	assert.Equal(t, "billing", id.Subject)
	_, err = auth.Authenticate(ctx, wsauth.Credentials{Token: "anything", Source: wsauth.SourceBearer})
	assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials)
	_, err = auth.Authenticate(ctx, wsauth.Credentials{Token: "anything", Source: wsauth.SourceSubprotocol})
	assert.ErrorIs(t, err, wsauth.ErrInvalidCredentials, "unregistered source")
}

func TestFromContextEmpty(t *testing.T) {
	t.Parallel()
	id, ok := wsauth.FromContext(context.Background())
	assert.False(t, ok)
	assert.Nil(t, id)
	want := &wsauth.Identity{Subject: "x"}
	id, ok = wsauth.FromContext(wsauth.NewContext(context.Background(), want))
	assert.True(t, ok)
	assert.Same(t, want, id)
	_, ok = wsauth.FromContext(wsauth.NewContext(context.Background(), nil))
	assert.False(t, ok)
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	// sha256("abc") = ba7816bf...
	assert.Equal(t, "ba7816bf", wsauth.Fingerprint("abc"))
	assert.Equal(t, "", wsauth.Fingerprint(""))
}
