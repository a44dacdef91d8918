package server

import (
	"embed"
	"net/http"
	"path"

	"github.com/nexuskit/nexus/respond"
)

// web holds the dashboard: plain HTML, CSS and JavaScript, no build step.
//
//go:embed web
var web embed.FS

var staticTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, "index.html")
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name == "index.html" {
		name = "" // served at / only
	}
	s.serveFile(w, r, name)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	ctype, known := staticTypes[path.Ext(name)]
	body, err := web.ReadFile("web/" + name)
	if name == "" || !known || err != nil {
		s.rs.Error(w, r, &respond.APIError{Status: http.StatusNotFound, Code: respond.CodeNotFound, Message: "no such file"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
