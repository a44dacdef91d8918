// Package wsauth authenticates WebSocket upgrade requests before the
// upgrade happens, blocks cross-site WebSocket hijacking with an Origin
// policy, throttles clients that keep failing, writes one audit record per
// attempt, and ends the request context when the credential expires.
//
// Why a middleware in front of the upgrade: once a WebSocket library has
// accepted a connection, a rejected client has already cost a goroutine, a
// buffer and a file descriptor, and the browser never shows the page the
// HTTP status of a failed handshake anyway (the page only sees close code
// 1006). wsauth runs first:
// rejections are cheap HTTP responses (401 with WWW-Authenticate, 403, 429
// as respond envelopes) and the handler only runs for authenticated
// clients, with the Identity in the context.
//
// Browsers cannot set an Authorization header on a WebSocket. They can
// send a cookie (automatically, which is why cookie-authenticated sockets
// without an Origin check are open to cross-site hijacking) or a token in
// the Sec-WebSocket-Protocol header, the Kubernetes API server's scheme:
//
//	new WebSocket(url, ["chat.v1", "base64url.bearer.authorization.nexuskit." + b64url(token)])
//
// wsauth removes the token entry before the handler (and its WebSocket
// library) sees the header. The client must also offer a real application
// subprotocol ("chat.v1" above) and the server must select it, because
// browsers fail the handshake when they offered subprotocols and the
// response selects none (WHATWG WebSockets standard, "establish a
// WebSocket connection"), and the server must never select the token entry
// (it would reflect the token into the response, proxies and their logs).
// With coder/websocket, set AcceptOptions.Subprotocols to the application
// protocols; Accept selects only from that list, so it picks one of the
// entries wsauth left. Note that coder/websocket's own Dial accepts a
// response that selects no subprotocol: a Go client that forgets the
// application protocol still connects, a browser does not.
//
// Services should use "Authorization: Bearer". A query parameter
// (QueryParam) is the last resort: URLs end up in logs.
//
// The shortest use, with the built-in HMAC token Signer:
//
//	signer := wsauth.NewSigner(key) // key: 32+ random bytes
//	mux.Handle("GET /ws", wsauth.Middleware(signer)(wsHandler))
//
// and wsHandler, with coder/websocket and a shutdown.Manager m:
//
//	func(w http.ResponseWriter, r *http.Request) {
//		id, ok := wsauth.FromContext(r.Context())
//		if !ok { // not behind wsauth (a routing mistake): refuse
//			http.Error(w, "unauthenticated", http.StatusUnauthorized)
//			return
//		}
//		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"chat.v1"}})
//		if err != nil {
//			return
//		}
//		defer c.CloseNow()
//		go push(c, id) // writes; a client that also sends reads in a loop instead of CloseRead
//		gone := c.CloseRead(context.Background()) // ends when the client closes or vanishes
//		select {
//		case <-gone.Done():
//		case <-r.Context().Done(): // the credential expired
//			if errors.Is(context.Cause(r.Context()), wsauth.ErrExpired) {
//				c.Close(websocket.StatusPolicyViolation, "credential expired")
//			}
//		case <-m.Draining(): // the server is shutting down
//			c.Close(websocket.StatusGoingAway, "server shutting down")
//		}
//	}
//
// The handler must wait on something that ends with the socket: the
// request context of a hijacked connection is not canceled when the client
// leaves (only at the credential's expiry), so a handler that waited on it
// alone would run, and hold its goroutines, until then, and behind
// shutdown's LongLived it would hold up every shutdown until the hard
// timeout. CloseRead's context is derived from context.Background, not
// r.Context, because coder/websocket closes the connection without a close
// frame when the context of a read ends, which would lose the 1008.
//
// Throttling counts only credentials the Authenticator refused, per client
// address (IPv4, IPv6 /64 with /56 and /48 aggregates; behind proxies see
// TrustedProxies). The counts live in a ThrottleStore: in memory by
// default, or shared by every replica with ThrottleStorage and
// github.com/nexuskit/nexus/wsauth/redisthrottle. A store that fails or
// hangs never fails a handshake: the throttle counts locally until it
// recovers. Package throttletest checks a store against wsauth's
// expectations.
//
// With coder/websocket, wsauth's Origin policy replaces Accept's own check,
// which compares only the Origin's host with the request's Host and lets
// requests without Origin through; if you allow other origins with
// AllowOrigins, pass their hosts (OriginPatterns matches hosts, such as
// "app.example") to AcceptOptions.OriginPatterns so Accept does not refuse
// what wsauth allowed.
package wsauth
