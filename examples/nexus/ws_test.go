package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/ws" }

// dialWS connects with the token in a subprotocol entry, as browsers do.
// base may carry a query after the host ("?since=..." is sent to /ws).
func dialWS(t *testing.T, base, tok string, hdr http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	query := ""
	if i := strings.Index(base, "?"); i >= 0 {
		base, query = base[:i], base[i:]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	protos := []string{server.Subprotocol}
	if tok != "" {
		protos = append(protos, wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok))
	}
	c, res, err := websocket.Dial(ctx, wsURL(base)+query, &websocket.DialOptions{Subprotocols: protos, HTTPHeader: hdr})
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

// TestWebSocketResume (issue 13 item 3): every event has an ID; a client
// that reconnects with ?since=<the last ID it saw> receives exactly what it
// missed, and a client whose gap cannot be filled (the server restarted)
// is told to reload with a reset message.
func TestWebSocketResume(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	ts := startServer(t, env)
	tok := issueToken(t, time.Hour)
	c, _, err := dialWS(t, ts.URL, tok, nil)
	require.NoError(t, err)
	hello := readEvent(t, c)
	require.Equal(t, "hello", hello.Type)
	assert.Contains(t, string(hello.Data), `"lastEventId":""`, "no event yet")

	var ids []string
	for i := range 3 {
		createModule(t, ts.URL, tok, fmt.Sprintf("seen-%d", i))
		ev := readEvent(t, c)
		require.Equal(t, "module.created", ev.Type)
		require.NotEmpty(t, ev.ID)
		ids = append(ids, ev.ID)
	}
	assert.Len(t, map[string]bool{ids[0]: true, ids[1]: true, ids[2]: true}, 3, "distinct IDs")
	require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))

	// Missed while disconnected.
	for i := range 2 {
		createModule(t, ts.URL, tok, fmt.Sprintf("missed-%d", i))
	}
	for _, tc := range []struct {
		since string
		want  []string
	}{
		{ids[0], []string{"seen-1", "seen-2", "missed-0", "missed-1"}},
		{ids[2], []string{"missed-0", "missed-1", "live"}}, // live: created in the loop above
	} {
		since, want := tc.since, tc.want
		c, _, err := dialWS(t, ts.URL+"?since="+url.QueryEscape(since), tok, nil)
		require.NoError(t, err)
		hello := readEvent(t, c)
		require.Equal(t, "hello", hello.Type)
		for _, name := range want {
			ev := readEvent(t, c)
			require.Equal(t, "module.created", ev.Type, "after %s", since)
			assert.Contains(t, string(ev.Data), `"name":"`+name+`"`)
		}
		// Then live.
		m := createModule(t, ts.URL, tok, "live")
		ev := readEvent(t, c)
		assert.Contains(t, string(ev.Data), m.ID.String())
		_ = c.Close(websocket.StatusNormalClosure, "")
	}

	// A restart: the new process cannot know what came after the old IDs.
	ts.cancel()
	require.NoError(t, <-ts.done)
	ts.done <- nil
	ts2 := startServer(t, env) // same database
	for _, since := range []string{ids[2], "not-an-id", strings.Repeat("9", 200)} {
		c, _, err = dialWS(t, ts2.URL+"?since="+url.QueryEscape(since), tok, nil)
		require.NoError(t, err)
		assert.Equal(t, "hello", readEvent(t, c).Type)
		reset := readEvent(t, c)
		assert.Equal(t, "reset", reset.Type, "since %.20s", since)
		assert.Empty(t, reset.ID, "control messages carry no ID")
		_ = c.Close(websocket.StatusNormalClosure, "")
	}
}

// systemClients reads webSocketClients from /api/system.
func systemClients(t *testing.T, base string) int {
	t.Helper()
	_, env := call[struct {
		WebSocketClients int `json:"webSocketClients"`
	}](t, http.MethodGet, base+"/api/system", "", nil)
	return env.Data.WebSocketClients
}

// TestWebSocketKeepAlive (issue 13 item 2): the server pings every
// WS_PING_INTERVAL; a client that answers (any client that reads) stays,
// one that stops answering is closed, and a client that goes away without
// a close frame ends its handler.
func TestWebSocketKeepAlive(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["WS_PING_INTERVAL"] = "1s"
	ts := startServer(t, env)
	tok := issueToken(t, time.Hour)

	answering, _, err := dialWS(t, ts.URL, tok, nil)
	require.NoError(t, err)
	readErr := make(chan error, 1)
	go func() {
		for {
			if _, _, err := answering.Read(context.Background()); err != nil {
				readErr <- err
				return
			}
		}
	}()
	// Never reads, so it never answers a ping.
	silent, _, err := dialWS(t, ts.URL, tok, nil)
	require.NoError(t, err)
	// The handlers subscribe right after the handshake the dials waited for.
	require.Eventually(t, func() bool { return systemClients(t, ts.URL) == 2 }, 5*time.Second, 10*time.Millisecond)

	require.Eventually(t, func() bool { return systemClients(t, ts.URL) == 1 }, 10*time.Second, 100*time.Millisecond,
		"the silent peer is closed after an unanswered ping")
	assert.Contains(t, ts.logs.String(), "did not answer a ping")
	time.Sleep(2500 * time.Millisecond) // more pings: the answering peer stays
	assert.Equal(t, 1, systemClients(t, ts.URL))
	select {
	case err := <-readErr:
		t.Fatalf("the answering peer was closed: %v", err)
	default:
	}
	_ = silent.CloseNow()

	// A client that vanishes (no close frame): its handler returns.
	_ = answering.CloseNow()
	<-readErr
	require.Eventually(t, func() bool { return systemClients(t, ts.URL) == 0 }, 5*time.Second, 50*time.Millisecond)
}
