package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/nexuskit/nexus/wsauth"
)

// Subprotocol is the WebSocket subprotocol the server speaks. Browsers send
// it together with the token entry that wsauth reads.
const Subprotocol = "nexus.v1"

// websocket returns GET /ws: wsauth authenticates the upgrade request (token
// in a subprotocol entry or the Authorization header) and checks its origin
// before any WebSocket exists. The origin policy follows CORS_ORIGIN the way
// browsers apply CORS: "*" allows any origin, a list allows those origins,
// and the server's own origin (the dashboard at /) is always allowed, as
// same-origin requests never need CORS.
func (s *Server) websocket() http.HandlerFunc {
	var h http.Handler = http.HandlerFunc(s.serveWS)
	if s.opts.LongLived != nil {
		h = s.opts.LongLived(h)
	}
	logger := wsauth.Logger(s.log)
	switch {
	case s.allowsAnyOrigin():
		// Safe because tokens travel in a subprotocol entry or a header,
		// never in a cookie: a foreign page cannot borrow a visitor's token.
		return wsauth.Middleware(s.opts.Signer, logger,
			wsauth.Sources(wsauth.SourceBearer, wsauth.SourceSubprotocol),
			wsauth.AllowOriginPatterns("http://*", "https://*"))(h).ServeHTTP
	case len(s.opts.CORSOrigins) > 0:
		// wsauth's allow-list replaces its same-origin default, so requests
		// that claim the server's own host go to a second middleware with
		// that default, which checks scheme and host itself. A DNS-rebinding
		// page passes a same-origin check, but it gains nothing: it has no
		// token (tokens live in the dashboard's sessionStorage, never in a
		// cookie the browser would attach).
		listed := wsauth.Middleware(s.opts.Signer, logger, wsauth.AllowOrigins(s.opts.CORSOrigins...))(h)
		same := wsauth.Middleware(s.opts.Signer, logger)(h)
		return func(w http.ResponseWriter, r *http.Request) {
			if u, err := url.Parse(r.Header.Get("Origin")); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
				same.ServeHTTP(w, r)
				return
			}
			listed.ServeHTTP(w, r)
		}
	default:
		return wsauth.Middleware(s.opts.Signer, logger)(h).ServeHTTP
	}
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	id, ok := wsauth.FromContext(r.Context())
	if !ok {
		return // wsauth answered already
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{Subprotocol},
		// The origin was checked by wsauth against CORS_ORIGIN.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.log.WarnContext(r.Context(), "websocket accept failed", "err", err)
		return
	}
	sub := s.hub.subscribe()
	defer s.hub.unsubscribe(sub)
	// Nothing is read from clients; CloseRead answers pings and close frames
	// and ends ctx when the client goes away.
	ctx := c.CloseRead(context.Background())

	var expired <-chan time.Time
	if !id.ExpiresAt.IsZero() {
		t := time.NewTimer(time.Until(id.ExpiresAt))
		defer t.Stop()
		expired = t.C
	}
	s.log.InfoContext(r.Context(), "websocket connected", "subject", id.Subject)
	hello, _ := json.Marshal(event{Type: "hello", Timestamp: time.Now().UTC(),
		Data: map[string]any{"subject": id.Subject, "expiresAt": id.ExpiresAt}})
	if err := write(ctx, c, hello); err != nil {
		return
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

func write(ctx context.Context, c *websocket.Conn, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, msg)
}
