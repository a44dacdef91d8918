package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/server"
)

type wsEvent struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/ws" }

// dialWS connects with the token in a subprotocol entry, as browsers do.
func dialWS(t *testing.T, base, tok string, hdr http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	protos := []string{server.Subprotocol}
	if tok != "" {
		protos = append(protos, wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok))
	}
	c, res, err := websocket.Dial(ctx, wsURL(base), &websocket.DialOptions{Subprotocols: protos, HTTPHeader: hdr})
	if c != nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, res, err
}

func readEvent(t *testing.T, c *websocket.Conn) wsEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, msg, err := c.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, websocket.MessageText, typ)
	var ev wsEvent
	require.NoError(t, json.Unmarshal(msg, &ev))
	return ev
}

func TestWebSocketEvents(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)

	viaProtocol, _, err := dialWS(t, ts.URL, tok, nil)
	require.NoError(t, err)
	assert.Equal(t, server.Subprotocol, viaProtocol.Subprotocol(), "the server selects the app protocol, never the token entry")
	viaHeader, _, err := dialWS(t, ts.URL, "", http.Header{"Authorization": {"Bearer " + tok}})
	require.NoError(t, err)

	for _, c := range []*websocket.Conn{viaProtocol, viaHeader} {
		hello := readEvent(t, c)
		assert.Equal(t, "hello", hello.Type)
		assert.Contains(t, string(hello.Data), `"subject":"tester"`)
	}

	m := createModule(t, ts.URL, tok, "Broadcast")
	call[any](t, http.MethodPatch, ts.URL+"/api/modules/"+m.ID.String(), tok, `{"integrationLevel":88}`)
	call[any](t, http.MethodPatch, ts.URL+"/api/safety-status", tok, `{"humanOversight":64}`)
	call[any](t, http.MethodDelete, ts.URL+"/api/modules/"+m.ID.String(), tok, nil)

	for _, c := range []*websocket.Conn{viaProtocol, viaHeader} {
		want := []struct{ typ, contains string }{
			{"module.created", `"name":"Broadcast"`},
			{"module.updated", `"integrationLevel":88`},
			{"safety.updated", `"humanOversight":64`},
			{"module.deleted", `"id":"` + m.ID.String() + `"`},
		}
		for _, w := range want {
			ev := readEvent(t, c)
			assert.Equal(t, w.typ, ev.Type)
			assert.Contains(t, string(ev.Data), w.contains)
		}
	}
	assert.NotContains(t, ts.logs.String(), tok, "tokens never reach the logs")
}

func TestWebSocketRejections(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["CORS_ORIGIN"] = "https://app.example"
	ts := startServer(t, env)
	good := issueToken(t, time.Hour)
	expired := issueToken(t, time.Millisecond)
	foreign, err := wsauthIssue("another-secret-that-is-long-enough-000", time.Hour)
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)

	tests := []struct {
		name   string
		tok    string
		origin string
		status int
	}{
		{"no token", "", "", http.StatusUnauthorized},
		{"expired token", expired, "", http.StatusUnauthorized},
		{"foreign key", foreign, "", http.StatusUnauthorized},
		{"origin not allowed", good, "https://evil.example", http.StatusForbidden},
		{"allowed origin", good, "https://app.example", http.StatusSwitchingProtocols},
		// The dashboard's own page, as for CORS: same-origin is always allowed.
		{"own origin", good, ts.URL, http.StatusSwitchingProtocols},
		{"own host, other scheme", good, strings.Replace(ts.URL, "http://", "https://", 1), http.StatusForbidden},
		{"own origin, no token", "", ts.URL, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hdr := http.Header{}
			if tt.origin != "" {
				hdr.Set("Origin", tt.origin)
			}
			c, res, err := dialWS(t, ts.URL, tt.tok, hdr)
			require.NotNil(t, res)
			assert.Equal(t, tt.status, res.StatusCode)
			if tt.status == http.StatusSwitchingProtocols {
				require.NoError(t, err)
				assert.Equal(t, "hello", readEvent(t, c).Type)
				return
			}
			require.Error(t, err)
		})
	}
}

func TestWebSocketClosesOnExpiryAndShutdown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))

	short := issueToken(t, 3*time.Second)
	c, _, err := dialWS(t, ts.URL, short, nil)
	require.NoError(t, err)
	assert.Equal(t, "hello", readEvent(t, c).Type)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err = c.Read(ctx)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "1008 when the token expires: %v", err)

	long, _, err := dialWS(t, ts.URL, issueToken(t, time.Hour), nil)
	require.NoError(t, err)
	assert.Equal(t, "hello", readEvent(t, long).Type)
	ts.cancel() // what SIGTERM does
	_, _, err = long.Read(ctx)
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "1001 at shutdown: %v", err)
}
