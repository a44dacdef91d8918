package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/nexuskit/nexus/respond"
)

// routes registers every endpoint. Each path also gets a method-less
// pattern that answers 405 with an Allow header, and "/" answers 404, so
// that every error is a JSON envelope rather than ServeMux's plain text.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(path string, methods map[string]http.HandlerFunc) {
		allow := make([]string, 0, len(methods)+1)
		for m, h := range methods {
			mux.Handle(m+" "+path, h)
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
		slices.Sort(allow)
		mux.Handle(path, methodNotAllowed(strings.Join(allow, ", ")))
	}
	route("/api/modules", map[string]http.HandlerFunc{
		http.MethodGet:  s.listModules,
		http.MethodPost: s.requireAuth(s.createModule),
	})
	route("/api/modules/{id}", map[string]http.HandlerFunc{
		http.MethodGet:    s.getModule,
		http.MethodPatch:  s.requireAuth(s.patchModule),
		http.MethodDelete: s.requireAuth(s.deleteModule),
	})
	route("/api/modules/{id}/insights", map[string]http.HandlerFunc{
		http.MethodPost: s.requireAuth(s.insights()),
	})
	route("/api/safety-status", map[string]http.HandlerFunc{
		http.MethodGet:   s.getSafety,
		http.MethodPatch: s.requireAuth(s.patchSafety),
	})
	route("/api/system", map[string]http.HandlerFunc{http.MethodGet: s.system})
	route("/healthz", map[string]http.HandlerFunc{http.MethodGet: s.liveness})
	route("/readyz", map[string]http.HandlerFunc{http.MethodGet: s.readiness})
	route("/ws", map[string]http.HandlerFunc{http.MethodGet: s.websocket()})
	route("/{$}", map[string]http.HandlerFunc{http.MethodGet: s.dashboard})
	route("/static/{file}", map[string]http.HandlerFunc{http.MethodGet: s.static})
	mux.HandleFunc("/", respond.NotFound)
	return mux
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		respond.MethodNotAllowed(w, r)
	}
}
