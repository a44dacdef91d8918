package wsauth_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
