package server

import (
	"context"
	"net/http"
	"time"

	"github.com/nexuskit/nexus/respond"
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
}

func (s *Server) system(w http.ResponseWriter, r *http.Request) {
	integrations := s.opts.Integrations
	if integrations == nil {
		integrations = []Integration{}
	}
	respond.OK(w, r, systemInfo{
		Name:          "nexus",
		Version:       s.opts.Version,
		Environment:   s.opts.Environment,
		UptimeSeconds: int64(time.Since(s.started).Seconds()),
		Storage:       s.opts.Store.Kind(),
		WebSockets:    s.hub.count(),
		Integrations:  integrations,
	})
}

func (s *Server) liveness(w http.ResponseWriter, r *http.Request) {
	if !probe(s.opts.Liveness, r) {
		respond.Error(w, r, &respond.APIError{Status: http.StatusServiceUnavailable,
			Code: respond.CodeServiceUnavailable, Message: "not live"})
		return
	}
	respond.OK(w, r, map[string]string{"status": "ok"})
}

// probe asks a plain-text probe handler (the shutdown manager's) and
// reports whether it said 200, so the answer can be sent as an envelope.
func probe(h http.Handler, r *http.Request) bool {
	if h == nil {
		return true
	}
	pw := &probeWriter{header: make(http.Header), code: http.StatusOK}
	h.ServeHTTP(pw, r)
	return pw.code == http.StatusOK
}

// probeWriter keeps only the status a probe handler answers with.
type probeWriter struct {
	header http.Header
	code   int
	wrote  bool
}

func (p *probeWriter) Header() http.Header { return p.header }

func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (p *probeWriter) WriteHeader(code int) {
	if !p.wrote {
		p.code, p.wrote = code, true
	}
}

// readiness is ready when the store answers and, if a readiness handler is
// configured (the shutdown manager's), that handler says so too.
func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.opts.Store.Ping(ctx); err != nil {
		s.log.ErrorContext(r.Context(), "readiness: store unreachable", "err", err)
		respond.Error(w, r, &respond.APIError{
			Status: http.StatusServiceUnavailable, Code: respond.CodeServiceUnavailable,
			Message: "the database is unreachable",
		})
		return
	}
	if !probe(s.opts.Readiness, r) {
		respond.Error(w, r, &respond.APIError{Status: http.StatusServiceUnavailable,
			Code: respond.CodeServiceUnavailable, Message: "not ready: starting or shutting down"})
		return
	}
	respond.OK(w, r, map[string]string{"status": "ready"})
}
