package server

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// The server's one client-address rule (TRUSTED_PROXIES). Behind a proxy or
// load balancer, the connection's address is the proxy's: keyed on it, the
// rate limit and the WebSocket throttle would put every user in one bucket.
// A proxy says who its client was in X-Forwarded-For or in RFC 7239's
// Forwarded header, but any client can send those headers too, so they are
// read only when the connection comes from a trusted proxy, and only as far
// as the chain of trusted proxies goes: walking the list from the right (the
// entry the nearest proxy added), the first address that is not a trusted
// proxy is the client.
//
// The rule is applied once, by realClient, outermost but for requestid
// (which checks the connection's own peer for its TrustedProxies option):
// it rewrites RemoteAddr to the client's address, so the access log, the
// rate limiter and wsauth's throttle all see the same client.
//
// This is a local implementation, to be replaced by the library's shared
// internal/clientaddr once it is available to the examples module.

// proxies is the list of trusted proxy networks.
type proxies []netip.Prefix

func (p proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// maxHops bounds the forwarded entries examined: a header of thousands of
// entries is an attack, not a proxy chain.
const maxHops = 32

// resolve returns the client's address (with the port a proxy reported, or
// the connection's port when the peer is the client) and the scheme the
// client used according to the nearest trusted proxy ("" when unknown).
func (p proxies) resolve(r *http.Request) (client netip.AddrPort, proto string) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.AddrPort{}, ""
	}
	peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
	if len(p) == 0 || !p.trusted(peer.Addr()) {
		return peer, ""
	}
	var hops []hop
	if fwd := r.Header.Values("Forwarded"); len(fwd) > 0 {
		hops = parseForwarded(fwd)
		if len(hops) > 0 {
			proto = hops[len(hops)-1].proto
		}
	} else {
		hops = parseXFF(r.Header.Values("X-Forwarded-For"))
		if v := r.Header.Values("X-Forwarded-Proto"); len(v) > 0 {
			parts := strings.Split(v[len(v)-1], ",")
			proto = strings.ToLower(strings.TrimSpace(parts[len(parts)-1]))
		}
	}
	if proto != "http" && proto != "https" {
		proto = ""
	}
	client = peer
	for i := len(hops) - 1; i >= 0 && len(hops)-i <= maxHops; i-- {
		h := hops[i]
		if !h.addr.IsValid() {
			// "unknown", an obfuscated identifier or garbage: the client
			// cannot be named beyond the last trusted hop.
			return client, proto
		}
		client = netip.AddrPortFrom(h.addr, h.port)
		if !p.trusted(h.addr) {
			return client, proto
		}
	}
	return client, proto
}

// hop is one entry of a forwarding chain. addr is invalid when the entry
// names no address.
type hop struct {
	addr  netip.Addr
	port  uint16
	proto string
}

// parseNode reads a node: an IP address, "[IPv6]", either with ":port", or
// an IPv4 address with ":port" (X-Forwarded-For as some proxies write it).
func parseNode(s string) (netip.Addr, uint16) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), ap.Port()
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), 0
	}
	return netip.Addr{}, 0
}

// parseXFF reads X-Forwarded-For header lines, in order.
func parseXFF(lines []string) []hop {
	var out []hop
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ",") {
			a, port := parseNode(part)
			out = append(out, hop{addr: a, port: port})
			if len(out) > 4*maxHops {
				return out[len(out)-maxHops:]
			}
		}
	}
	return out
}

// parseForwarded reads RFC 7239 Forwarded header lines: elements separated
// by commas, pairs by semicolons, values tokens or quoted strings.
func parseForwarded(lines []string) []hop {
	var out []hop
	for _, line := range lines {
		for _, elem := range splitQuoted(line, ',') {
			var h hop
			for _, pair := range splitQuoted(elem, ';') {
				k, v, ok := strings.Cut(pair, "=")
				if !ok {
					continue
				}
				v = unquote(strings.TrimSpace(v))
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "for":
					h.addr, h.port = parseNode(v)
				case "proto":
					h.proto = strings.ToLower(v)
				}
			}
			out = append(out, h)
			if len(out) > 4*maxHops {
				return out[len(out)-maxHops:]
			}
		}
	}
	return out
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, escaped, start := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case quoted && c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// unquote removes the quotes of an RFC 7230 quoted-string.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	v = v[1 : len(v)-1]
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// protoKey is the context key of the scheme a trusted proxy reported.
type protoKey struct{}

// realClient applies the client-address rule: RemoteAddr becomes the
// client's address for every layer below, and the scheme a trusted proxy
// reported is kept for the WebSocket's same-origin check.
func (s *Server) realClient(next http.Handler) http.Handler {
	if len(s.proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, proto := s.proxies.resolve(r)
		if client.IsValid() {
			ctx := r.Context()
			if proto != "" {
				ctx = context.WithValue(ctx, protoKey{}, proto)
			}
			r = r.WithContext(ctx) // a copy: the caller's request is untouched
			r.RemoteAddr = net.JoinHostPort(client.Addr().String(), strconv.Itoa(int(client.Port())))
		}
		next.ServeHTTP(w, r)
	})
}

// scheme is the scheme the client used: the one a trusted proxy reported,
// else that of the connection.
func scheme(r *http.Request) string {
	if p, ok := r.Context().Value(protoKey{}).(string); ok {
		return p
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
