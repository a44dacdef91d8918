package wsauth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/nexuskit/nexus/wsauth"
)

// A WebSocket route protected by signed tokens. In a real server the
// handler would accept the socket (e.g. websocket.Accept from
// coder/websocket) where this one prints the identity.
func Example() {
	signer := wsauth.NewSigner([]byte("a 32-byte key from crypto/rand!!"))
	ws := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := wsauth.FromContext(r.Context())
		_, hasDeadline := r.Context().Deadline()
		fmt.Printf("handler: subject=%s source=%s deadline=%v protocols=%q\n",
			id.Subject, id.Source, hasDeadline, r.Header.Get("Sec-WebSocket-Protocol"))
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := wsauth.Middleware(signer, wsauth.Logger(quiet))(ws)

	handshake := func(configure func(r *http.Request)) {
		r := httptest.NewRequest(http.MethodGet, "http://chat.example/ws", nil)
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Upgrade", "websocket")
		configure(r)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			fmt.Println("rejected:", rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	}

	token, _ := signer.Issue("alice", 15*time.Minute)

	// A browser: the token rides in Sec-WebSocket-Protocol next to the
	// real application protocol, which is all the handler sees.
	handshake(func(r *http.Request) {
		r.Header.Set("Origin", "http://chat.example")
		r.Header.Set("Sec-WebSocket-Protocol", "chat.v1, "+wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, token))
	})
	// A service: Authorization header, no Origin.
	handshake(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	// No credentials.
	handshake(func(r *http.Request) {})
	// Another site's page trying to use the victim's session cookie.
	handshake(func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
		r.AddCookie(&http.Cookie{Name: "session", Value: token})
	})

	// Output:
	// handler: subject=alice source=subprotocol deadline=true protocols="chat.v1"
	// handler: subject=alice source=bearer deadline=true protocols=""
	// rejected: 401 Bearer realm="websocket"
	// rejected: 403
}

// Two services share a key but not their tokens: each Signer names its
// audience, and refuses tokens minted for another.
func ExampleSigner_WithAudience() {
	key := []byte("a 32-byte key from crypto/rand!!")
	chat := wsauth.NewSigner(key).WithAudience("chat-ws")
	admin := wsauth.NewSigner(key).WithAudience("admin-ws")

	token, _ := chat.Issue("alice", 15*time.Minute)
	id, err := chat.Verify(token)
	fmt.Println(id.Subject, id.Audience, err)
	_, err = admin.Verify(token)
	fmt.Println(err)
	// Output:
	// alice chat-ws <nil>
	// wsauth: token was issued for another audience
}

// Count outcomes for metrics: the hook receives each attempt's outcome and
// reason (a closed set, fit for labels), never the credential.
func ExampleObserve() {
	counts := map[string]int{} // a real server would use a metrics library
	var mu sync.Mutex
	observe := func(_ context.Context, e wsauth.Event) {
		if e.Kind == wsauth.EventAttempt {
			mu.Lock()
			counts[e.Outcome+"/"+e.Reason]++
			mu.Unlock()
		}
	}
	signer := wsauth.NewSigner([]byte("a 32-byte key from crypto/rand!!"))
	h := wsauth.Middleware(signer, wsauth.Observe(observe), wsauth.Throttle(2, time.Minute),
		wsauth.Logger(slog.New(slog.DiscardHandler)))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for range 3 {
		r := httptest.NewRequest(http.MethodGet, "/ws", nil)
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Authorization", "Bearer guessed")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	fmt.Println(counts)
	// Output:
	// map[rejected/malformed_token:2 throttled/too_many_failures:1]
}
