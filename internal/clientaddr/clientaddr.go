// Package clientaddr is nexuskit's one rule for a request's client
// address, shared by wsauth's throttle and audit record and by the
// reference server's rate limiting, request IDs and access log, so that
// every part of a server counts the same client the same way.
//
// The rule: the client is the TCP peer (RemoteAddr), unless the peer is a
// trusted proxy. Then the forwarded headers are walked from the right (the
// entry the nearest proxy appended) leftwards, skipping entries that are
// themselves trusted proxies; the first untrusted entry is the client. An
// entry that is not an address ("unknown", an obfuscated identifier,
// garbage) stops the walk at the last address a trusted proxy vouched for.
// Entries left of the client were written by the client and are never
// believed.
//
// Both headers are read: X-Forwarded-For (entries "ip", "ip:port",
// "[ipv6]:port", as nginx, HAProxy, cloud load balancers and Go's
// httputil.ReverseProxy write them) and RFC 7239 Forwarded (its for=
// parameters, quoted or not). A trusted proxy appends to one of them; the
// other, if present, came from the client. So when both are present and
// name different clients, neither is believed and the client is the peer:
// a client cannot choose its address by adding the header its proxy does
// not write (at worst it shares the proxy's own bucket).
package clientaddr

import (
	"net/http"
	"net/netip"
	"strings"
)

// maxEntries bounds how many forwarded entries From walks; a real chain of
// proxies is a handful long.
const maxEntries = 64

// From returns r's client address and whether the peer was a trusted
// proxy (so its other forwarded headers, such as X-Forwarded-Proto, may be
// believed). It returns the zero Addr when RemoteAddr is not an IP address
// (a Unix socket peer, a test request without one). IPv4-mapped IPv6
// addresses are unmapped and zones dropped.
func From(r *http.Request, trusted []netip.Prefix) (addr netip.Addr, fromProxy bool) {
	peer := Peer(r.RemoteAddr)
	if !peer.IsValid() || !contains(trusted, peer) {
		return peer, false
	}
	xff, hasXFF := walkXFF(r.Header["X-Forwarded-For"], peer, trusted)
	fwd, hasFwd := walkForwarded(r.Header["Forwarded"], peer, trusted)
	switch {
	case hasXFF && hasFwd:
		if xff != fwd {
			return peer, true
		}
		return xff, true
	case hasFwd:
		return fwd, true
	default:
		return xff, true
	}
}

// Peer parses a RemoteAddr ("ip:port", or a bare IP); anything else gives
// the zero Addr.
func Peer(remoteAddr string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(remoteAddr); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// ParsePrefix parses one trusted-proxy entry: a CIDR prefix such as
// "10.0.0.0/8" or a single address, which stands for itself. The prefix
// is returned masked.
func ParsePrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// Proto returns the scheme ("http" or "https") the client used according
// to a trusted proxy: the first X-Forwarded-Proto value, else the proto=
// of the first Forwarded element; "" when neither says. Call it only when
// From reported fromProxy.
func Proto(r *http.Request) string {
	if v := r.Header["X-Forwarded-Proto"]; len(v) > 0 {
		p, _, _ := strings.Cut(v[0], ",")
		return scheme(p)
	}
	for _, line := range r.Header["Forwarded"] {
		proto := ""
		parseForwarded(line, func(params string) bool {
			proto = param(params, "proto")
			return false
		})
		return scheme(proto)
	}
	return ""
}

func scheme(p string) string {
	switch p = strings.ToLower(strings.TrimSpace(p)); p {
	case "http", "https":
		return p
	}
	return ""
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// walkXFF walks X-Forwarded-For from the right. present reports whether
// the header was sent.
func walkXFF(values []string, peer netip.Addr, trusted []netip.Prefix) (client netip.Addr, present bool) {
	client = peer
	n := 0
	for i := len(values) - 1; i >= 0; i-- {
		entries := values[i]
		for entries != "" {
			var e string
			if j := strings.LastIndexByte(entries, ','); j >= 0 {
				e, entries = entries[j+1:], entries[:j]
			} else {
				e, entries = entries, ""
			}
			e = TrimOWS(e)
			if e == "" {
				continue // an empty list element (RFC 9110 §5.6.1)
			}
			present = true
			a, ok := parseNode(e)
			if !ok || n >= maxEntries {
				return client, true
			}
			n++
			client = a
			if !contains(trusted, a) {
				return client, true
			}
		}
	}
	return client, present
}

// walkForwarded walks the for= parameters of RFC 7239 Forwarded from the
// right; an element without for= stops the walk like garbage.
func walkForwarded(values []string, peer netip.Addr, trusted []netip.Prefix) (client netip.Addr, present bool) {
	var elems []string
	for _, line := range values {
		parseForwarded(line, func(params string) bool {
			elems = append(elems, params)
			return len(elems) < 4*maxEntries
		})
	}
	client = peer
	n := 0
	for i := len(elems) - 1; i >= 0; i-- {
		present = true
		a, ok := parseNode(param(elems[i], "for"))
		if !ok || n >= maxEntries {
			return client, true
		}
		n++
		client = a
		if !contains(trusted, a) {
			return client, true
		}
	}
	return client, present
}

// parseForwarded calls fn with each element (its parameters, unparsed) of
// one Forwarded header line, left to right, while fn returns true.
// Commas inside quoted strings do not split elements.
func parseForwarded(line string, fn func(params string) bool) {
	start, quoted := 0, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ',':
			if e := TrimOWS(line[start:i]); e != "" && !fn(e) {
				return
			}
			start = i + 1
		}
	}
	if e := TrimOWS(line[start:]); e != "" {
		fn(e)
	}
}

// param returns the value of the parameter name (case-insensitive) in one
// Forwarded element's "a=b;c=d" list, unquoted; "" when absent or
// malformed.
func param(params, name string) string {
	for params != "" {
		var p string
		p, params = cutUnquoted(params, ';')
		k, v, ok := strings.Cut(TrimOWS(p), "=")
		if !ok || !strings.EqualFold(TrimOWS(k), name) {
			continue
		}
		v = TrimOWS(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = unquote(v[1 : len(v)-1])
		}
		return v
	}
	return ""
}

// cutUnquoted cuts s at the first sep outside a quoted string.
func cutUnquoted(s string, sep byte) (before, after string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// unquote removes quoted-pair backslashes.
func unquote(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseNode parses one forwarded entry: "ip", "ip:port", "[ipv6]" or
// "[ipv6]:port" (a port may be an RFC 7239 obfuscated "_port"). Names,
// "unknown" and obfuscated identifiers are not addresses.
func parseNode(s string) (netip.Addr, bool) {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host, port = s[1:end], s[end+1:]
		if port != "" {
			if port[0] != ':' {
				return netip.Addr{}, false
			}
			port = port[1:]
		}
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
	} else if strings.Count(s, ":") == 1 {
		host, port, _ = strings.Cut(s, ":")
	}
	if port != "" || strings.HasSuffix(s, ":") {
		if !validPort(port) {
			return netip.Addr{}, false
		}
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// validPort accepts 1 to 5 digits or an obfuscated port ("_" followed by
// letters, digits, '.', '_' or '-').
func validPort(p string) bool {
	if p == "" {
		return false
	}
	if p[0] == '_' {
		for i := 1; i < len(p); i++ {
			c := p[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		return len(p) > 1
	}
	if len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// TrimOWS removes the optional whitespace of HTTP (spaces and tabs, RFC 9110
// §5.6.3) around s; wsauth uses it for its header lists too.
func TrimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
