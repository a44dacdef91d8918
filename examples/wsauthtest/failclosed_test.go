package wsauthtest

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/wsauth"
)

// TestPassThroughFailsClosed sends handshakes that are not RFC 6455
// upgrades by wsauth's strict reading but that coder/websocket's Accept
// takes for one (it folds Unicode case and trims Unicode spaces): with
// PassThroughNonUpgrade, each must be authenticated, so without a
// credential it gets 401 and no socket; with a valid one it is upgraded
// with the identity in the context.
func TestPassThroughFailsClosed(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(key)
	good, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	var unauthenticated atomic.Int32
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := wsauth.FromContext(r.Context()); !ok {
			unauthenticated.Add(1)
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.CloseNow()
	})
	srv := httptest.NewServer(wsauth.Middleware(signer, wsauth.PassThroughNonUpgrade(), wsauth.Logger(discardLogger()))(next))
	t.Cleanup(srv.Close)

	variants := []struct{ name, connection, upgrade string }{
		{"control", "Upgrade", "websocket"},
		{"long s (U+017F)", "Upgrade", "web\u017focket"},
		{"kelvin sign (U+212A)", "Upgrade", "websoc\u212aet"},
		{"NBSP around upgrade", "Upgrade", "\u00a0websocket\u00a0"},
		{"NEL around upgrade", "Upgrade", "\u0085websocket\u0085"},
		{"NBSP around connection", "\u00a0Upgrade\u00a0", "websocket"},
		{"NEL around connection", "\u0085Upgrade", "websocket"},
		{"long s in connection list", "keep-alive, \u00a0upgrade", "WEB\u017fOCKET"},
		{"kelvin and NEL", "Upgrade\u0085", "\u0085websoc\u212aet"},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, http.StatusUnauthorized, rawHandshake(t, srv, v.connection, v.upgrade, ""), "without a credential")
			assert.Equal(t, http.StatusSwitchingProtocols, rawHandshake(t, srv, v.connection, v.upgrade, good),
				"coder/websocket accepts this handshake; wsauth authenticated it")
		})
	}
	t.Cleanup(func() { assert.Zero(t, unauthenticated.Load(), "handshakes reached the handler unauthenticated") })
}

// rawHandshake writes a WebSocket handshake with the given Connection and
// Upgrade values byte for byte (no client library normalizes them) and
// returns the response status.
func rawHandshake(t *testing.T, srv *httptest.Server, connection, upgrade, token string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	var b strings.Builder
	b.WriteString("GET /ws HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() + "\r\n")
	b.WriteString("Connection: " + connection + "\r\nUpgrade: " + upgrade + "\r\n")
	b.WriteString("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
	if token != "" {
		b.WriteString("Authorization: Bearer " + token + "\r\n")
	}
	b.WriteString("\r\n")
	_, err = conn.Write([]byte(b.String()))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestForeignPageCannotLockOut: another site's page opening many sockets
// to the app (each refused for its Origin) does not lock the user's
// address out: the app's own page then connects with its token.
func TestForeignPageCannotLockOut(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	signer := wsauth.NewSigner(key)
	srv := server(t, logs, nil, signer)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 3 * wsauth.DefaultThrottleFailures {
		c, resp, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{HTTPHeader: http.Header{
			"Origin": {"https://evil.example"}, "Cookie": {"session=" + tok}}})
		if c != nil {
			c.CloseNow()
		}
		require.Error(t, err)
		require.NotNil(t, resp)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
	}
	c, _, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{
		Subprotocols: []string{"chat.v1", wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok)},
		HTTPHeader:   http.Header{"Origin": {srv.URL}},
	})
	require.NoError(t, err, "the app's own page is not locked out")
	defer c.CloseNow()
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "hello alice via subprotocol query=", string(msg))
	require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
}
