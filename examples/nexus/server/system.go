package server

import (
	"context"
	"net/http"
	"time"

	"github.com/nexuskit/nexus/respond"

	"github.com/nexuskit/nexus/examples/nexus/ai"
)

// systemInfo is the answer of GET /api/system.
type systemInfo struct {
	Name          string        `json:"name"`
	Version       string        `json:"version"`
	Environment   string        `json:"environment"`
	UptimeSeconds int64         `json:"uptimeSeconds"`
	Storage       string        `json:"storage"`
	WebSockets    int           `json:"webSocketClients"`
	Integrations  []Integration `json:"integrations"`
	AI            []ai.Status   `json:"ai"`
	// Node is this replica's NODE_ID; Cluster the replicas and Redis as
	// this one sees them (distributed mode only).
	Node    string `json:"node,omitempty"`
	Cluster any    `json:"cluster,omitempty"`
}

func (s *Server) system(w http.ResponseWriter, r *http.Request) {
	integrations := s.opts.Integrations
	if integrations == nil {
		integrations = []Integration{}
	}
	var cluster any
	if s.opts.Cluster != nil {
		cluster = s.opts.Cluster()
	}
	aiStatus := []ai.Status{}
	if s.opts.AIStatus != nil {
		aiStatus = s.opts.AIStatus.Statuses() // cached: never waits for a probe
	}
	s.rs.OK(w, r, systemInfo{
		Node:          s.opts.NodeID,
		Cluster:       cluster,
		Name:          "nexus",
		Version:       s.opts.Version,
		Environment:   s.opts.Environment,
		UptimeSeconds: int64(time.Since(s.started).Seconds()),
		Storage:       s.opts.Store.Kind(),
		WebSockets:    s.hub.count(),
		Integrations:  integrations,
		AI:            aiStatus,
	})
}

// WriteProbe answers a health probe with an envelope: 200 {"status": state}
// or a 503 SERVICE_UNAVAILABLE error naming the state. Its signature is
// shutdown.ProbeResponderFunc: pass it, through a closure, as
// shutdown.ProbeResponder to the Manager whose handlers become
// Options.Liveness and Readiness, so /healthz and /readyz answer like every
// other endpoint. The 503 of a server that is starting or shutting down is
// normal operation and logged at INFO, not ERROR.
func (s *Server) WriteProbe(w http.ResponseWriter, r *http.Request, status int, state string) {
	if status == http.StatusOK {
		s.rs.OK(w, r, map[string]string{"status": state})
		return
	}
	expect(r.Context())
	s.rs.Error(w, r, &respond.APIError{Status: status, Code: respond.CodeForStatus(status),
		Message: "not ready: " + state})
}

func (s *Server) liveness(w http.ResponseWriter, r *http.Request) {
	if s.opts.Liveness == nil {
		s.WriteProbe(w, r, http.StatusOK, "ok")
		return
	}
	s.opts.Liveness.ServeHTTP(w, r)
}

// readiness is ready when the store answers and, if a readiness handler is
// configured (the shutdown manager's), that handler says so too.
func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		s.log.ErrorContext(r.Context(), "readiness: store unreachable", "err", err)
		s.rs.Error(w, r, &respond.APIError{
			Status: http.StatusServiceUnavailable, Code: respond.CodeServiceUnavailable,
			Message: "the database is unreachable",
		})
		return
	}
	if s.opts.Readiness == nil {
		s.WriteProbe(w, r, http.StatusOK, "ok")
		return
	}
	s.opts.Readiness.ServeHTTP(w, r)
}
