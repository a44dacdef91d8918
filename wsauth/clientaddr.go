package wsauth

import (
	"net/http"
	"net/netip"

	"github.com/nexuskit/nexus/internal/clientaddr"
)

// clientAddr returns the client's address by nexuskit's one rule
// (internal/clientaddr): the peer (RemoteAddr), or, when the peer is a
// trusted proxy, the rightmost X-Forwarded-For or Forwarded entry that is
// not itself a trusted proxy. fromProxy reports whether the peer is a
// trusted proxy (so its X-Forwarded-Proto may be believed).
func (m *middleware) clientAddr(r *http.Request) (addr netip.Addr, fromProxy bool) {
	return clientaddr.From(r, m.proxies)
}

// parseRemoteAddr parses "ip:port" (or a bare IP); invalid gives the zero
// Addr.
func parseRemoteAddr(s string) netip.Addr { return clientaddr.Peer(s) }
