package server

import (
	"context"
	"net"
	"net/http"
	"net/netip"

	"github.com/nexuskit/nexus/internal/clientaddr"
)

// The server's one client-address rule (TRUSTED_PROXIES) is nexuskit's,
// internal/clientaddr, the rule wsauth uses too. Behind a proxy or load
// balancer, the connection's address is the proxy's: keyed on it, the rate
// limit and the WebSocket throttle would put every user in one bucket. A
// proxy says who its client was in X-Forwarded-For or in RFC 7239's
// Forwarded header, but any client can send those headers too, so they are
// read only when the connection comes from a trusted proxy, and only as far
// as the chain of trusted proxies goes (see the clientaddr package).
//
// The rule is applied once, by realClient, outermost but for requestid
// (which checks the connection's own peer for its TrustedProxies option):
// it rewrites RemoteAddr to the client's address, so the access log, the
// rate limiter and wsauth's throttle all see the same client.

// protoKey is the context key of the scheme a trusted proxy reported.
type protoKey struct{}

// realClient applies the client-address rule: RemoteAddr becomes the
// client's address for every layer below (with port 0 when a proxy named
// the client: its port is not the connection's), and the scheme a trusted
// proxy reported is kept for the WebSocket's same-origin check.
func (s *Server) realClient(next http.Handler) http.Handler {
	if len(s.proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, fromProxy := clientaddr.From(r, s.proxies)
		if fromProxy && client.IsValid() {
			ctx := r.Context()
			if proto := clientaddr.Proto(r); proto != "" {
				ctx = context.WithValue(ctx, protoKey{}, proto)
			}
			r = r.WithContext(ctx) // a copy: the caller's request is untouched
			if client != clientaddr.Peer(r.RemoteAddr) {
				r.RemoteAddr = net.JoinHostPort(client.String(), "0")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// proxies is the list of trusted proxy networks.
type proxies []netip.Prefix

// scheme is the scheme the client used: the one a trusted proxy reported,
// else that of the connection.
func scheme(r *http.Request) string {
	if p, ok := r.Context().Value(protoKey{}).(string); ok {
		return p
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
