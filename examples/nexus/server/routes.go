package server

import (
	"net/http"
	"path"
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
		mux.Handle(path, s.methodNotAllowed(strings.Join(allow, ", ")))
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
	route("/api/token", map[string]http.HandlerFunc{http.MethodGet: s.requireAuth(s.tokenInfo)})
	route("/healthz", map[string]http.HandlerFunc{http.MethodGet: s.liveness})
	route("/readyz", map[string]http.HandlerFunc{http.MethodGet: s.readiness})
	route("/ws", map[string]http.HandlerFunc{http.MethodGet: s.websocket()})
	route("/{$}", map[string]http.HandlerFunc{http.MethodGet: s.dashboard})
	route("/static/{file}", map[string]http.HandlerFunc{http.MethodGet: s.static})
	mux.HandleFunc("/", s.rs.NotFound)
	return s.cleanPaths(mux)
}

// cleanPaths answers a request whose path is not clean (//api/modules,
// /api/../api/modules, /./healthz) with a 404 envelope, where ServeMux
// would answer with an HTML redirect: every answer the
// server writes is an envelope, and a client that builds such paths has a
// bug worth seeing.
func (s *Server) cleanPaths(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if r.Method != http.MethodConnect && p != "" {
			clean := path.Clean(p)
			if strings.HasSuffix(p, "/") && clean != "/" {
				clean += "/"
			}
			if clean != p {
				s.rs.Error(w, r, &respond.APIError{Status: http.StatusNotFound, Code: respond.CodeNotFound,
					Message: "no such path: a path must be clean (no empty, . or .. segments)"})
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.rs.MethodNotAllowed(w, r)
	}
}
