package wsauthtest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"
)

// TestDocumentedHandler runs the handler of wsauth's package doc and README
// behind shutdown's LongLived: handlers of clients that left return at
// once (the request context of a hijacked connection would never tell
// them), and a shutdown closes the remaining sockets with 1001, waits for
// their handlers and runs the OnShutdown hooks, well before the hard
// timeout.
func TestDocumentedHandler(t *testing.T) {
	t.Parallel()
	signer := wsauth.NewSigner(key)
	tok, err := signer.Issue("alice", time.Hour)
	require.NoError(t, err)
	m := shutdown.New(shutdown.Signals(), shutdown.DrainDelay(0), shutdown.Timeout(20*time.Second),
		shutdown.Logger(discardLogger()))
	var running atomic.Int32
	var hookRan atomic.Bool
	m.OnShutdown("hook", func(context.Context) error { hookRan.Store(true); return nil })

	// The documented handler, with push writing one greeting.
	push := func(c *websocket.Conn, id *wsauth.Identity) {
		_ = c.Write(context.Background(), websocket.MessageText, []byte("hello "+id.Subject))
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		running.Add(1)
		defer running.Add(-1)
		id, ok := wsauth.FromContext(r.Context())
		if !ok {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"chat.v1"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		go push(c, id)
		gone := c.CloseRead(context.Background())
		select {
		case <-gone.Done():
		case <-r.Context().Done():
			if errors.Is(context.Cause(r.Context()), wsauth.ErrExpired) {
				c.Close(websocket.StatusPolicyViolation, "credential expired")
			}
		case <-m.Draining():
			c.Close(websocket.StatusGoingAway, "server shutting down")
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /ws", m.LongLived(wsauth.Middleware(signer, wsauth.Logger(discardLogger()))(handler)))
	m.ServeListener(&http.Server{Handler: mux, ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}, ln)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- m.Run(ctx) }()

	url := "ws://" + ln.Addr().String() + "/ws"
	dialCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var conns []*websocket.Conn
	for range 5 {
		c, _, err := websocket.Dial(dialCtx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + tok}}})
		require.NoError(t, err)
		defer c.CloseNow()
		_, msg, err := c.Read(dialCtx)
		require.NoError(t, err)
		require.Equal(t, "hello alice", string(msg))
		conns = append(conns, c)
	}
	require.EqualValues(t, 5, running.Load())

	// Two clients leave: their handlers return.
	for _, c := range conns[:2] {
		require.NoError(t, c.Close(websocket.StatusNormalClosure, "bye"))
	}
	require.Eventually(t, func() bool { return running.Load() == 3 }, 5*time.Second, 5*time.Millisecond,
		"handlers still running: %d", running.Load())

	// Shutdown: the others get 1001 and the hooks run, long before the timeout.
	start := time.Now()
	stop()
	for _, c := range conns[2:] {
		_, _, err := c.Read(dialCtx)
		assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "got %v", err)
	}
	select {
	case err := <-runErr:
		require.NoError(t, err, "a clean shutdown, not a forced one")
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return")
	}
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.True(t, hookRan.Load(), "the OnShutdown hook ran")
	assert.Zero(t, running.Load())
}
