package shutdown

import "net/http"

// closeWhileDraining wraps a served handler: from the first moment of the
// shutdown on, every response tells the client not to reuse its
// connection. On HTTP/1.1 the response carries Connection: close and the
// server closes the connection after it; on HTTP/2 net/http turns the same
// header into a graceful GOAWAY, so the client opens a new connection for
// its next request, which the load balancer sends elsewhere. By the time
// Server.Shutdown closes idle connections at the end of the drain delay, a
// client that kept sending during the delay no longer holds one here, and
// no request of it can race the idle close (a race Go's client survives for
// idempotent requests only, by retrying them; a POST fails).
//
// Upgrade requests (WebSocket) are left alone: their handshake answers
// Connection: Upgrade, and Draining tells their handlers when to end.
func (m *Manager) closeWhileDraining(h http.Handler) http.Handler {
	if h == nil {
		h = http.DefaultServeMux // what http.Server serves when Handler is nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.state.Load() == stateDraining && r.Header.Get("Upgrade") == "" && r.Method != http.MethodConnect {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}
