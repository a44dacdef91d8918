package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/wsauth"
)

// Subprotocol is the WebSocket subprotocol the server speaks. Browsers send
// it together with the token entry that wsauth reads.
const Subprotocol = "nexus.v1"

// websocket returns GET /ws: the origin check, then wsauth, which
// authenticates the upgrade request (token in a subprotocol entry or the
// Authorization header) and throttles failures per client address, before
// any WebSocket exists.
//
// The origin policy follows CORS_ORIGIN the way browsers apply CORS: "*"
// allows any origin, a list allows those origins, and the server's own
// origin (the dashboard at /) is always allowed, as same-origin requests
// never need CORS. The server checks it itself, so that one wsauth
// Middleware (one throttle) serves every request whatever its origin; a
// DNS-rebinding page passes the same-origin check but gains nothing: it has
// no token (tokens live in the dashboard's sessionStorage, never in a cookie
// the browser would attach), and "*" is safe for the same reason.
func (s *Server) websocket() http.HandlerFunc {
	var h http.Handler = http.HandlerFunc(s.serveWS)
	if s.opts.LongLived != nil {
		h = s.opts.LongLived(h)
	}
	auth := wsauth.Middleware(s.opts.Signer, append([]wsauth.Option{wsauth.Logger(s.log), wsauth.Responder(s.rs),
		// Tokens travel in the Authorization header or a subprotocol entry,
		// never in a cookie a browser would attach by itself.
		wsauth.Sources(wsauth.SourceBearer, wsauth.SourceSubprotocol),
		// Origins were checked above; wsauth's own check must pass them all.
		wsauth.AllowOriginPatterns("http://*", "https://*")}, s.opts.WSAuthOptions...)...)(h)
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.originAllowed(r) {
			s.log.WarnContext(r.Context(), "websocket origin rejected", "reason", "origin not allowed",
				"remote_addr", r.RemoteAddr)
			s.rs.Error(w, r, &respond.APIError{Status: http.StatusForbidden, Code: respond.CodeForbidden,
				Message: "this origin may not open the WebSocket (see CORS_ORIGIN)"})
			return
		}
		auth.ServeHTTP(w, r)
	}
}

// originAllowed applies the WebSocket origin policy. A request without
// Origin is not from a browser page: no page can be hijacking it.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || s.allowsAnyOrigin() {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil {
		return false
	}
	if strings.EqualFold(u.Scheme, scheme(r)) && strings.EqualFold(u.Host, r.Host) {
		return true // same origin
	}
	for _, o := range s.opts.CORSOrigins {
		if strings.EqualFold(strings.TrimSpace(o), u.Scheme+"://"+u.Host) {
			return true
		}
	}
	return false
}

// serveWS streams events to one client. The protocol, one JSON text
// message per event:
//
//   - hello first: {subject, expiresAt, lastEventId}.
//   - With ?since=<id> (the last event ID the client saw), the events after
//     it follow hello, then the live ones: nothing is lost across a
//     reconnect. When the gap cannot be filled (the server restarted, or the
//     client is further behind than the history), a reset message follows
//     hello instead: the client reloads its state over HTTP (the live
//     events keep coming on the same socket, and their versions tell the
//     client which copy is newer).
//   - Every event carries an id and its data a version (module, safety
//     status) that the database increments.
//
// The handler returns when the client leaves: it waits on the socket's own
// context (which ends when the connection does), never only on the request
// context, which a hijacked connection does not end.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	id, ok := wsauth.FromContext(r.Context())
	if !ok {
		return // wsauth answered already
	}
	since := r.URL.Query().Get("since")
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{Subprotocol},
		// The origin was checked by wsauth against CORS_ORIGIN.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.log.WarnContext(r.Context(), "websocket accept failed", "err", err)
		return
	}
	defer c.CloseNow()
	sub, backlog, resumed, lastID := s.hub.subscribe(since)
	defer s.hub.unsubscribe(sub)
	// Nothing is read from clients; CloseRead answers pings and close frames
	// and ends ctx when the client goes away.
	ctx := c.CloseRead(context.Background())
	ctx, stop := context.WithCancel(ctx)
	defer stop()

	var expired <-chan time.Time
	if !id.ExpiresAt.IsZero() {
		t := time.NewTimer(time.Until(id.ExpiresAt))
		defer t.Stop()
		expired = t.C
	}
	// Keep-alive: a ping every PingInterval keeps proxies and load
	// balancers from cutting a quiet socket, and a peer that does not
	// answer within the interval is gone: close it.
	var pinger sync.WaitGroup
	defer pinger.Wait()
	defer stop() // runs before pinger.Wait
	pinger.Go(func() { s.keepAlive(ctx, r, c) })

	s.log.InfoContext(r.Context(), "websocket connected", "subject", id.Subject, "since", since != "", "resumed", resumed)
	hello, _ := json.Marshal(event{Type: "hello", Timestamp: time.Now().UTC(),
		Data: map[string]any{"subject": id.Subject, "expiresAt": id.ExpiresAt, "lastEventId": lastID}})
	if err := write(ctx, c, hello); err != nil {
		return
	}
	if since != "" && !resumed {
		reset, _ := json.Marshal(event{Type: "reset", Timestamp: time.Now().UTC(),
			Data: map[string]any{"reason": "the events after the given id are no longer available: reload", "lastEventId": lastID}})
		if err := write(ctx, c, reset); err != nil {
			return
		}
	}
	for _, msg := range backlog {
		if err := write(ctx, c, msg); err != nil {
			return
		}
	}
	for {
		select {
		case msg := <-sub.send:
			if err := write(ctx, c, msg); err != nil {
				return
			}
		case <-sub.dropped:
			_ = c.Close(websocket.StatusTryAgainLater, "client too slow, events dropped")
			return
		case <-expired:
			_ = c.Close(websocket.StatusPolicyViolation, "token expired")
			return
		case <-r.Context().Done():
			// wsauth ends the context when the credential expires.
			if errors.Is(context.Cause(r.Context()), wsauth.ErrExpired) || (!id.ExpiresAt.IsZero() && time.Now().After(id.ExpiresAt)) {
				_ = c.Close(websocket.StatusPolicyViolation, "token expired")
			} else {
				_ = c.Close(websocket.StatusGoingAway, "server shutting down")
			}
			return
		case <-s.opts.Draining:
			_ = c.Close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-ctx.Done():
			return
		}
	}
}

// keepAlive pings the peer every PingInterval until ctx ends; a ping not
// answered within the interval closes the connection (which ends ctx).
func (s *Server) keepAlive(ctx context.Context, r *http.Request, c *websocket.Conn) {
	t := time.NewTicker(s.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, s.opts.PingInterval)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil {
					s.log.InfoContext(r.Context(), "websocket peer did not answer a ping: closing", "timeout", s.opts.PingInterval)
				}
				_ = c.CloseNow()
				return
			}
		}
	}
}

func write(ctx context.Context, c *websocket.Conn, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, msg)
}
