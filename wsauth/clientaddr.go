package wsauth

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr returns the client's address: the peer (RemoteAddr), or, when
// the peer is a trusted proxy, the rightmost X-Forwarded-For entry that is
// not itself a trusted proxy. fromProxy reports whether the peer is a
// trusted proxy (so its X-Forwarded-Proto may be believed).
func (m *middleware) clientAddr(r *http.Request) (addr netip.Addr, fromProxy bool) {
	peer := parseRemoteAddr(r.RemoteAddr)
	if !peer.IsValid() || !m.trusted(peer) {
		return peer, false
	}
	client := peer
	values := r.Header["X-Forwarded-For"]
	for i := len(values) - 1; i >= 0; i-- {
		entries := values[i]
		for entries != "" {
			var e string
			if j := strings.LastIndexByte(entries, ','); j >= 0 {
				e, entries = entries[j+1:], entries[:j]
			} else {
				e, entries = entries, ""
			}
			a, err := netip.ParseAddr(strings.TrimSpace(e))
			if err != nil {
				return client, true // garbage: stop at the last address we can vouch for
			}
			a = a.Unmap()
			client = a
			if !m.trusted(a) {
				return client, true
			}
		}
	}
	return client, true
}

func (m *middleware) trusted(a netip.Addr) bool {
	for _, p := range m.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseRemoteAddr parses "ip:port" (or a bare IP); invalid gives the zero
// Addr.
func parseRemoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	return netip.Addr{}
}
