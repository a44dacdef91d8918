package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/wsauth"
)

// requireAuth lets a request through only with a valid bearer token from
// the server's Signer: the same tokens the WebSocket accepts.
func (s *Server) requireAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nexus"`)
			s.rs.Error(w, r, &respond.APIError{
				Status: http.StatusUnauthorized, Code: respond.CodeUnauthorized,
				Message: "this endpoint needs an Authorization: Bearer token (create one with `nexus token`)",
			})
			return
		}
		id, err := s.opts.Signer.Authenticate(r.Context(), wsauth.Credentials{Token: strings.TrimSpace(token), Source: "header"})
		if err != nil {
			msg := "the bearer token is invalid"
			if errors.Is(err, wsauth.ErrExpired) {
				msg = "the bearer token has expired"
			}
			s.log.WarnContext(r.Context(), "rejected bearer token", "reason", err.Error(), "path", r.URL.Path)
			w.Header().Set("WWW-Authenticate", `Bearer realm="nexus", error="invalid_token"`)
			s.rs.Error(w, r, &respond.APIError{Status: http.StatusUnauthorized, Code: respond.CodeUnauthorized, Message: msg})
			return
		}
		// The identity rides in the context (as wsauth puts it there for
		// the WebSocket), so the handler can log who made the change.
		next(w, r.WithContext(wsauth.NewContext(r.Context(), id)))
	}
}

// subject is the token subject of an authenticated request, for the log.
func subject(r *http.Request) string {
	if id, ok := wsauth.FromContext(r.Context()); ok {
		return id.Subject
	}
	return ""
}

// tokenInfo answers GET /api/token: who the bearer token belongs to and
// when it expires. The dashboard asks it when a WebSocket upgrade fails
// (browsers hide the upgrade's status) to tell a refused token (401: stop
// and say so) from a rate limit (429: wait Retry-After) or a server that is
// down or restarting (retry with backoff).
func (s *Server) tokenInfo(w http.ResponseWriter, r *http.Request) {
	id, _ := wsauth.FromContext(r.Context())
	s.rs.OK(w, r, map[string]any{"subject": id.Subject, "expiresAt": id.ExpiresAt})
}
