package wsauthtest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"
)

// The WebSocket handler of wsauth's documentation with coder/websocket,
// behind shutdown's LongLived, and a real client: a browser-style token in
// Sec-WebSocket-Protocol, a greeting pushed by the server, and the close
// 1008 the handler sends when the token expires.
func Example() {
	m := shutdown.New()
	signer := wsauth.NewSigner([]byte("a 32-byte key from crypto/rand!!"))

	mux := http.NewServeMux()
	mux.Handle("GET /ws", m.LongLived(wsauth.Middleware(signer,
		wsauth.Logger(slog.New(slog.DiscardHandler)),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := wsauth.FromContext(r.Context())
		if !ok { // not behind wsauth (a routing mistake): refuse
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"chat.v1"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		// What push(c, id) does in the documentation, once.
		_ = c.Write(context.Background(), websocket.MessageText, []byte("hello "+id.Subject))
		gone := c.CloseRead(context.Background()) // ends when the client closes or vanishes
		select {
		case <-gone.Done():
		case <-r.Context().Done(): // the credential expired
			if errors.Is(context.Cause(r.Context()), wsauth.ErrExpired) {
				c.Close(websocket.StatusPolicyViolation, "credential expired")
			}
		case <-m.Draining(): // the server is shutting down
			c.Close(websocket.StatusGoingAway, "server shutting down")
		}
	}))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	token, _ := signer.Issue("alice", 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", &websocket.DialOptions{
		Subprotocols: []string{"chat.v1", wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, token)},
	})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer c.CloseNow()
	fmt.Println("subprotocol:", c.Subprotocol())
	_, msg, err := c.Read(ctx)
	fmt.Println("message:", string(msg), err)
	_, _, err = c.Read(ctx) // until the token expires
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		fmt.Println("closed:", ce.Code, ce.Reason)
	}
	// Output:
	// subprotocol: chat.v1
	// message: hello alice <nil>
	// closed: StatusPolicyViolation credential expired
}
