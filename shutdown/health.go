package shutdown

import "net/http"

// ReadinessHandler returns a handler for the readiness probe: 200 "ok" while
// Run is serving, 503 before Run has started listening and from the first
// moment of the shutdown on, so load balancers and Kubernetes stop routing
// new requests here during the drain delay. Mount it on a path your
// platform probes (for example /readyz).
func (m *Manager) ReadinessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch m.state.Load() {
		case stateServing:
			probeReply(w, http.StatusOK, "ok\n")
		case stateStarting:
			probeReply(w, http.StatusServiceUnavailable, "starting\n")
		default:
			probeReply(w, http.StatusServiceUnavailable, "shutting down\n")
		}
	})
}

// LivenessHandler returns a handler for the liveness probe: it answers 200
// "ok" whenever the process can answer at all, including during the
// shutdown, so the platform does not restart a pod that is draining.
func (m *Manager) LivenessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probeReply(w, http.StatusOK, "ok\n")
	})
}

func probeReply(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
