// Package wsauth authenticates WebSocket upgrade requests before the
// upgrade happens, blocks cross-site WebSocket hijacking with an Origin
// policy, throttles clients that keep failing, writes one audit record per
// attempt (never the token), and ends the request context when the
// credential expires so the handler can close the socket with 1008.
//
// Why a middleware in front of the upgrade: once a WebSocket library has
// accepted a connection, a rejected client has already cost a goroutine, a
// buffer and a file descriptor, and the browser never shows the page the
// HTTP status of a failed handshake anyway (the page only sees close code
// 1006). wsauth runs first:
// rejections are cheap HTTP responses (401 with WWW-Authenticate, 403, 429
// as respond envelopes; the order of the checks is in Middleware's
// documentation) and the handler only runs for authenticated clients, with
// the Identity in the context.
//
// The shortest use, with the built-in HMAC token Signer:
//
//	signer := wsauth.NewSigner(key) // key: 32+ random bytes; NewSigner(newKey, oldKey) while rotating
//	mux.Handle("GET /ws", wsauth.Middleware(signer)(wsHandler))
//
//	// Issue a token, for example from your login endpoint:
//	token, err := signer.Issue(userID, 15*time.Minute)
//
// Besides Signer (expiry, audience, key rotation, clock skew), Sessions
// resolves a session cookie through your store, StaticTokens checks
// long-lived service tokens in constant time, and BySource combines them,
// for example cookies for browsers and bearer tokens for services. Any
// type with an Authenticate method (or an AuthenticatorFunc) will do.
//
// # Choosing a credential source
//
// Browsers cannot set an Authorization header on a WebSocket. They can
// send a cookie (automatically, which is why cookie-authenticated sockets
// without an Origin check are open to cross-site hijacking) or a token in
// the Sec-WebSocket-Protocol header, the Kubernetes API server's scheme.
//
// A browser with the token in JavaScript (a single-page app) sends it as a
// Sec-WebSocket-Protocol entry, next to a real application subprotocol:
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
// application protocol still connects, a browser does not, so Go tests
// will not catch it.
//
// The other clients:
//
//   - A browser with a cookie session: the session cookie and Sessions.
//     The cookie is sent automatically, so it is exactly what cross-site
//     hijacking abuses: keep the Origin policy strict (an allow-list,
//     AllowOrigins, beats the same-origin default against DNS rebinding).
//     Cookie credentials without an Origin header are refused, and origin
//     patterns with wildcards cannot be combined with cookies.
//
//   - A service, CLI or native app: "Authorization: Bearer" with Signer or
//     StaticTokens. Non-browser clients send no Origin, and need none.
//
//   - A client that can do nothing else: QueryParam("access_token"), off
//     by default. URLs land in access logs, proxies and browser history
//     (RFC 6750 §2.3); wsauth removes the parameter from the URL later
//     handlers and logs see, but put wsauth before any access log.
//
// The order is configurable (Sources); the first credential present is
// the one used.
//
// # The WebSocket handler
//
// With coder/websocket, the handler behind shutdown's LongLived (m is a
// shutdown.Manager), allowing one other origin:
//
//	mux.Handle("GET /ws", m.LongLived(wsauth.Middleware(signer,
//		wsauth.AllowOrigins("https://app.example"), // default: same origin, scheme included
//	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		id, ok := wsauth.FromContext(r.Context()) // subject, expiry, claims, credential source
//		if !ok { // not behind wsauth (a routing mistake): refuse
//			http.Error(w, "unauthenticated", http.StatusUnauthorized)
//			return
//		}
//		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
//			Subprotocols:   []string{"chat.v1"},
//			OriginPatterns: []string{"app.example"}, // wsauth already checked; keep Accept in step
//		})
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
//	}))))
//
// The same handler runs, with a real client, as the Example of
// github.com/nexuskit/nexus/examples/wsauthtest (the examples module,
// so that nexuskit does not depend on a WebSocket library).
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
// wsauth's Origin policy replaces coder/websocket Accept's own check,
// which compares only the Origin's host with the request's Host and lets
// requests without Origin through; if you allow other origins with
// AllowOrigins, pass their hosts (OriginPatterns matches hosts, such as
// "app.example") to AcceptOptions.OriginPatterns so Accept does not refuse
// what wsauth allowed.
//
// # Throttling and client addresses
//
// Throttling counts only credentials the Authenticator refused (a refused
// Origin or a missing credential never counts, so no other web page can
// lock your users out), per client address: IPv4 addresses, IPv6 /64s
// with /56 and /48 aggregates (Throttle, ThrottleIPv6). The counts live in
// a ThrottleStore: in memory by default (bounded, see
// DefaultThrottleCapacity), or shared by every replica with
// ThrottleStorage and github.com/nexuskit/nexus/wsauth/redisthrottle, a
// module of its own so that nexuskit never pulls a Redis client. A store
// that fails or hangs never fails a handshake: the throttle counts locally
// until it recovers. Package throttletest checks a store against wsauth's
// expectations.
//
// Client addresses come from RemoteAddr; X-Forwarded-For, RFC 7239
// Forwarded and X-Forwarded-Proto count only from TrustedProxies.
//
// # Observation and cost
//
// Every attempt past the upgrade check writes one audit record (Logger)
// and, with Observe, calls a hook with its outcome and reason, for
// metrics. The figures (a rejection costs about 2 µs including its audit
// record and envelope; an accepted bearer handshake adds 2.4 to 2.6 µs) and
// a comparison with socket.io, coder/websocket, gorilla/websocket and the
// Kubernetes API server are in examples/benchmarks/README.md in the
// repository.
package wsauth
