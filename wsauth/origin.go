package wsauth

import (
	"net/http"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/nexuskit/nexus/internal/clientaddr"
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

// normalizeHost checks host[:port] and returns it in canonical form:
// lowercase, an IPv6 literal in brackets in its RFC 5952 form, the port
// without leading zeros and dropped when it is scheme's default. A host is
// a name of letters, digits, '.', '-' and '_', or an IPv6 address in
// brackets (without zone); a port is 1 to 65535.
func normalizeHost(scheme, host string) (string, bool) {
	if host == "" || len(host) > 261 {
		return "", false
	}
	var name, port string
	if host[0] == '[' {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", false
		}
		a, err := netip.ParseAddr(host[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false
		}
		name = "[" + a.String() + "]"
		rest := host[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", false
			}
			port = rest[1:]
			if port == "" {
				return "", false
			}
		}
	} else {
		name = host
		if i := strings.IndexByte(host, ':'); i >= 0 {
			name, port = host[:i], host[i+1:]
			if port == "" {
				return "", false
			}
		}
		if name == "" {
			return "", false
		}
		for i := 0; i < len(name); i++ {
			b := name[i]
			if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '.' || b == '-' || b == '_') {
				return "", false
			}
		}
		name = strings.ToLower(name)
	}
	if port == "" {
		return name, true
	}
	if len(port) > 5 {
		port = strings.TrimLeft(port, "0")
		if len(port) > 5 {
			return "", false
		}
	}
	n := 0
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return "", false
		}
		n = n*10 + int(port[i]-'0')
	}
	if n < 1 || n > 65535 {
		return "", false
	}
	port = strconv.Itoa(n)
	if port == defaultPort(scheme) {
		return name, true
	}
	return name + ":" + port, true
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
// proxy's X-Forwarded-Proto or Forwarded proto=) and its Host.
func (m *middleware) sameOrigin(r *http.Request, fromProxy bool) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if fromProxy {
		if p := clientaddr.Proto(r); p != "" {
			scheme = p
		}
	}
	h, ok := normalizeHost(scheme, r.Host)
	if !ok {
		return "" // never equal to a normalized origin
	}
	return scheme + "://" + h
}
