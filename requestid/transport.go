package requestid

import (
	"net/http"
	"net/textproto"
)

// Transport returns an http.RoundTripper that propagates the request ID to
// other services: when an outgoing request's context carries an ID (for
// example a request made with r.Context() inside Middleware) and the request
// has no X-Request-ID header of its own, it sends a clone of the request
// with the header set; the caller's request is never modified. IDs that are
// not well formed (possible only through NewContext) are not sent. A nil
// base means http.DefaultTransport.
//
//	client := &http.Client{Transport: requestid.Transport(nil)}
//	req, _ := http.NewRequestWithContext(r.Context(), "GET", url, nil)
//	res, err := client.Do(req) // carries this request's ID
func Transport(base http.RoundTripper) http.RoundTripper {
	return &transport{base: base}
}

var headerKey = textproto.CanonicalMIMEHeaderKey(DefaultHeader)

type transport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	id := FromContext(req.Context())
	if id == "" || !valid(id) || len(req.Header[headerKey]) > 0 {
		return base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	if out.Header == nil {
		out.Header = make(http.Header, 1)
	}
	out.Header[headerKey] = []string{id}
	return base.RoundTrip(out)
}

// CloseIdleConnections closes the idle connections of the base transport
// if it supports that, so http.Client.CloseIdleConnections keeps working.
func (t *transport) CloseIdleConnections() {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if c, ok := base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
