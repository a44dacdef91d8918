package wsauthtest

import (
	"context"
	"errors"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/internal/testlog"
	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/wsauth"
)

var key = []byte("e2e-key-e2e-key-e2e-key-e2e-key-")

// syncBuffer is the shared goroutine-safe log buffer of the tests.
type syncBuffer = testlog.Buffer

// server is a WebSocket endpoint behind wsauth: it greets the client with
// its subject, echoes messages, and closes with 1008 when the credential
// expires.
func server(t *testing.T, logs *syncBuffer, originPatterns []string, auth wsauth.Authenticator, opts ...wsauth.Option) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ws := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := wsauth.FromContext(r.Context())
		if !ok {
			http.Error(w, "no identity", http.StatusInternalServerError)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			Subprotocols: []string{"chat.v1"},
			// wsauth enforces the Origin policy; coder/websocket's own check
			// (Origin host == Host) must allow the same extra origins.
			OriginPatterns: originPatterns,
		})
		if err != nil {
			logger.Error("accept", "err", err)
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		if err := c.Write(ctx, websocket.MessageText, []byte("hello "+id.Subject+" via "+id.Source+" query="+r.URL.RawQuery)); err != nil {
			return
		}
		// Echo until the client leaves or the credential expires. The reads
		// use their own context: coder/websocket closes the connection
		// without a close frame when a read's context ends, which would
		// lose the 1008. r.Context() of a hijacked connection does not end
		// when the client leaves, so the handler waits on gone as well.
		gone := make(chan struct{})
		go func() {
			defer close(gone)
			for {
				typ, msg, err := c.Read(context.Background())
				if err != nil {
					return
				}
				if err := c.Write(context.Background(), typ, msg); err != nil {
					return
				}
			}
		}()
		select {
		case <-gone:
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), wsauth.ErrExpired) {
				logger.InfoContext(ctx, "closing: credential expired", "subject", id.Subject)
				_ = c.Close(websocket.StatusPolicyViolation, "credential expired")
			}
		}
	})
	// Every log the server makes goes to logs: wsauth's audit records, the
	// respond envelopes' error logs, the handler's and net/http's own.
	opts = append([]wsauth.Option{wsauth.Logger(logger), wsauth.Responder(respond.New(respond.WithLogger(logger)))}, opts...)
	srv := httptest.NewUnstartedServer(wsauth.Middleware(auth, opts...)(ws))
	srv.Config.ErrorLog = log.New(logs, "http: ", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws" }

// TestEachSourceConnects: a valid token in each credential source opens a
// socket; the subprotocol route negotiates the application protocol, and
// nothing the clients sent as a token appears in the logs.
func TestEachSourceConnects(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	signer := wsauth.NewSigner(key)
	srv := server(t, logs, nil, signer, wsauth.QueryParam("access_token"))
	var secrets []string
	issue := func() string {
		tok, err := signer.Issue("alice", time.Hour)
		require.NoError(t, err)
		secrets = append(secrets, tok, wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok))
		return tok
	}
	bearer, sub, cookie, query := issue(), issue(), issue(), issue()

	tests := []struct {
		name     string
		url      string
		opts     *websocket.DialOptions
		source   string
		protocol string
		query    string
	}{
		{"bearer", wsURL(srv), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + bearer}}}, "bearer", "", ""},
		{"subprotocol", wsURL(srv), &websocket.DialOptions{
			Subprotocols: []string{"chat.v1", wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, sub)},
			HTTPHeader:   http.Header{"Origin": {srv.URL}},
		}, "subprotocol", "chat.v1", ""},
		{"cookie", wsURL(srv), &websocket.DialOptions{HTTPHeader: http.Header{
			"Origin": {srv.URL}, "Cookie": {"session=" + cookie},
		}}, "cookie", "", ""},
		{"query", wsURL(srv) + "?room=1&access_token=" + query, nil, "query", "", "room=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, tt.url, tt.opts)
			require.NoError(t, err)
			defer c.CloseNow()
			assert.Equal(t, tt.protocol, c.Subprotocol())
			assert.Equal(t, tt.protocol, resp.Header.Get("Sec-WebSocket-Protocol"), "the token entry is never echoed")
			_, msg, err := c.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, "hello alice via "+tt.source+" query="+tt.query, string(msg), "the handler never sees the query token")
			require.NoError(t, c.Write(ctx, websocket.MessageText, []byte("ping")))
			_, msg, err = c.Read(ctx)
			require.NoError(t, err)
			assert.Equal(t, "ping", string(msg))
			require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
		})
	}
	t.Cleanup(func() {
		out := logs.String()
		assert.Equal(t, 4, strings.Count(out, `"outcome":"accepted"`), out)
		for _, s := range secrets {
			assert.NotContains(t, out, s, "a token in the logs")
		}
	})
}

// TestRefused: a bad origin, a cookie without Origin, a forged token and a
// subprotocol token without an application protocol's help are refused
// with the right status before any socket exists, and the failed tokens do
// not appear in the logs.
func TestRefused(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	signer := wsauth.NewSigner(key)
	srv := server(t, logs, []string{"app.example"}, signer, wsauth.AllowOrigins("https://app.example"))
	good, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	forged, err := wsauth.NewSigner([]byte("forger-forger-forger-forger-forg")).Issue("alice", time.Hour)
	require.NoError(t, err)

	tests := []struct {
		name   string
		opts   *websocket.DialOptions
		status int
	}{
		{"cross-site origin with cookie", &websocket.DialOptions{HTTPHeader: http.Header{
			"Origin": {"https://evil.example"}, "Cookie": {"session=" + good}}}, http.StatusForbidden},
		{"same host but not on the allow-list", &websocket.DialOptions{HTTPHeader: http.Header{
			"Origin": {srv.URL}, "Authorization": {"Bearer " + good}}}, http.StatusForbidden},
		{"cookie without origin", &websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {"session=" + good}}}, http.StatusForbidden},
		{"forged token", &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + forged}}}, http.StatusUnauthorized},
		{"forged subprotocol token", &websocket.DialOptions{
			Subprotocols: []string{"chat.v1", wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, forged)}}, http.StatusUnauthorized},
		{"no credentials", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, wsURL(srv), tt.opts)
			if c != nil {
				c.CloseNow()
			}
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tt.status, resp.StatusCode)
		})
	}
	// The allowed origin connects.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{HTTPHeader: http.Header{
		"Origin": {"https://app.example"}, "Authorization": {"Bearer " + good}}})
	require.NoError(t, err)
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "hello alice via bearer query=", string(msg))
	require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
	t.Cleanup(func() {
		out := logs.String()
		for _, tok := range []string{good, forged} {
			assert.NotContains(t, out, tok)
			assert.NotContains(t, out, wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok))
		}
		assert.Equal(t, 6, strings.Count(out, `"outcome":"rejected"`), out)
	})
}

// TestExpiryClosesWith1008: a socket opened with a short-lived token is
// closed by the server with 1008 (policy violation) when it expires.
func TestExpiryClosesWith1008(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	signer := wsauth.NewSigner(key)
	srv := server(t, logs, nil, signer)
	tok, err := signer.Issue("alice", time.Second) // long enough for Dial on a busy machine
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}})
	require.NoError(t, err)
	defer c.CloseNow()
	start := time.Now()
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "hello alice via bearer query=", string(msg))
	_, _, err = c.Read(ctx)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "got %v", err)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Contains(t, logs.String(), "closing: credential expired")
	assert.NotContains(t, logs.String(), tok)
}

// TestSubprotocolTokenAlone: a client that offers only the token entry
// gets no subprotocol back (the entry is never echoed). coder/websocket's
// Dial tolerates that; a browser would fail the handshake, which is why
// clients must also offer an application protocol.
func TestSubprotocolTokenAlone(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	signer := wsauth.NewSigner(key)
	srv := server(t, logs, nil, signer)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{
		Subprotocols: []string{wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok)},
	})
	require.NoError(t, err)
	defer c.CloseNow()
	assert.Empty(t, c.Subprotocol())
	assert.Empty(t, resp.Header.Values("Sec-WebSocket-Protocol"))
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "hello alice via subprotocol query=", string(msg))
}
