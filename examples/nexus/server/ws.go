package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/nexuskit/nexus/wsauth"
)

// Subprotocol is the WebSocket subprotocol the server speaks. Browsers send
// it together with the token entry that wsauth reads.
const Subprotocol = "nexus.v1"

// websocket returns GET /ws: wsauth authenticates the upgrade request (token
// in a subprotocol entry or the Authorization header, origin checked against
// CORS_ORIGIN) before any WebSocket exists.
func (s *Server) websocket() http.HandlerFunc {
	var opts []wsauth.Option
	switch {
	case s.allowsAnyOrigin():
		// Safe because tokens travel in a subprotocol entry or a header,
		// never in a cookie: a foreign page cannot borrow a visitor's token.
		opts = append(opts, wsauth.AllowOriginPatterns("http://*", "https://*"))
	case len(s.opts.CORSOrigins) > 0:
		opts = append(opts, wsauth.AllowOrigins(s.opts.CORSOrigins...))
	}
	opts = append(opts, wsauth.Logger(s.log))
	var h http.Handler = http.HandlerFunc(s.serveWS)
	if s.opts.LongLived != nil {
		h = s.opts.LongLived(h)
	}
	return wsauth.Middleware(s.opts.Signer, opts...)(h).ServeHTTP
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
