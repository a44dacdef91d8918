package shutdown

import "net/http"

// The states a probe reports, passed to a ProbeResponder.
const (
	probeOK           = "ok"
	probeStarting     = "starting"
	probeShuttingDown = "shutting down"
)

// ReadinessHandler returns a handler for the readiness probe: 200 "ok" while
// Run is serving, 503 "starting" before Run has started listening and 503
// "shutting down" from the first moment of the shutdown on, so load
// balancers and Kubernetes stop routing new requests here during the drain
// delay. Mount it on a path your platform probes (for example /readyz).
// ProbeResponder changes how the answer is written.
func (m *Manager) ReadinessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch m.state.Load() {
		case stateServing:
			m.cfg.probe(w, r, http.StatusOK, probeOK)
		case stateStarting:
			m.cfg.probe(w, r, http.StatusServiceUnavailable, probeStarting)
		default:
			m.cfg.probe(w, r, http.StatusServiceUnavailable, probeShuttingDown)
		}
	})
}

// LivenessHandler returns a handler for the liveness probe: it answers 200
// "ok" whenever the process can answer at all, including during the
// shutdown, so the platform does not restart a pod that is draining.
// ProbeResponder changes how the answer is written.
func (m *Manager) LivenessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.cfg.probe(w, r, http.StatusOK, probeOK)
	})
}

// plainProbe is the default ProbeResponder: the state as plain text.
func plainProbe(w http.ResponseWriter, _ *http.Request, status int, state string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(state + "\n"))
}

// ShuttingDown returns a channel that is closed at the first moment of the
// shutdown: when the signal arrives, Run's context ends, or a server or
// worker fails (and when a server cannot start), at the same moment
// ReadinessHandler starts answering 503. It is closed a whole DrainDelay
// before Draining. Use it for what must happen as soon as the process
// knows it is going away, above all deregistering from a service
// discovery system (Consul, Eureka, a DNS record) that does not poll the
// readiness probe, so that clients stop being sent here while the drain
// delay still serves them.
func (m *Manager) ShuttingDown() <-chan struct{} { return m.stopping }
