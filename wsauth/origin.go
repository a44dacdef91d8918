package wsauth

import (
	"net/http"
	"path"
	"strings"
)

// originPattern is one AllowOriginPatterns entry, lowercased.
type originPattern struct{ scheme, host string }

// validScheme reports whether s is an RFC 3986 scheme (already lowercase).
func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '+' || b == '-' || b == '.') {
			return false
		}
	}
	return true
}

// normalizeOrigin parses an origin of the form scheme://host[:port] (as in
// the Origin header, RFC 6454) and returns it lowercased, with the scheme's
// default port removed. "null", paths, queries and user info are rejected.
func normalizeOrigin(o string) (string, bool) {
	scheme, host, ok := strings.Cut(o, "://")
	if !ok {
		return "", false
	}
	scheme = strings.ToLower(scheme)
	if !validScheme(scheme) {
		return "", false
	}
	h, ok := normalizeHost(scheme, host)
	if !ok {
		return "", false
	}
	return scheme + "://" + h, true
}

// normalizeHost lowercases host[:port], checks its characters and drops the
// default port of scheme.
func normalizeHost(scheme, host string) (string, bool) {
	if host == "" || len(host) > 261 {
		return "", false
	}
	for i := 0; i < len(host); i++ {
		b := host[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
			b == '.' || b == '-' || b == ':' || b == '[' || b == ']' || b == '_') {
			return "", false
		}
	}
	host = strings.ToLower(host)
	name, port := host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		name, port = host[:i], host[i+1:]
		if port == "" || strings.IndexByte(name, ':') >= 0 && !strings.HasPrefix(name, "[") {
			return "", false
		}
		for j := 0; j < len(port); j++ {
			if port[j] < '0' || port[j] > '9' {
				return "", false
			}
		}
	}
	if name == "" {
		return "", false
	}
	if port != "" && port == defaultPort(scheme) {
		return name, true
	}
	return host, true
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	}
	return ""
}

// originAllowed applies the origin policy to a present Origin header.
func (m *middleware) originAllowed(origin string, r *http.Request, fromProxy bool) bool {
	n, ok := normalizeOrigin(origin)
	if !ok {
		return false
	}
	if m.origins == nil && m.patterns == nil {
		return n == m.sameOrigin(r, fromProxy)
	}
	if _, ok := m.origins[n]; ok {
		return true
	}
	scheme, host, _ := strings.Cut(n, "://")
	for _, p := range m.patterns {
		if p.scheme != scheme {
			continue
		}
		if ok, _ := path.Match(p.host, host); ok {
			return true
		}
	}
	return false
}

// sameOrigin is the request's own origin: its scheme (TLS, or a trusted
// proxy's X-Forwarded-Proto) and its Host.
func (m *middleware) sameOrigin(r *http.Request, fromProxy bool) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if fromProxy {
		proto := headerGet(r.Header, "X-Forwarded-Proto")
		if i := strings.IndexByte(proto, ','); i >= 0 {
			proto = proto[:i]
		}
		switch p := strings.ToLower(strings.TrimSpace(proto)); p {
		case "http", "https":
			scheme = p
		}
	}
	h, ok := normalizeHost(scheme, r.Host)
	if !ok {
		return "" // never equal to a normalized origin
	}
	return scheme + "://" + h
}
