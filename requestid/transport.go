package requestid

import (
	"fmt"
	"net/http"
	"net/textproto"
)

// Transport returns an http.RoundTripper that propagates the request ID to
// other services: when an outgoing request's context carries an ID (for
// example a request made with r.Context() inside Middleware) and the request
// has no such header of its own, it sends a clone of the request with the
// header set; the caller's request is never modified. A nil base means
// http.DefaultTransport.
//
// The header is, in this order: the one given with TransportHeader; the one
// the Middleware that stored the ID reads and writes (its Header option), so
// a fleet on X-Correlation-ID propagates X-Correlation-ID; DefaultHeader
// for IDs placed with NewContext.
//
//	client := &http.Client{Transport: requestid.Transport(nil)}
//	req, _ := http.NewRequestWithContext(r.Context(), "GET", url, nil)
//	res, err := client.Do(req) // carries this request's ID
func Transport(base http.RoundTripper, opts ...TransportOption) http.RoundTripper {
	t := &transport{base: base}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Sprintf("requestid: Transport: option %d is nil", i))
		}
		o(t)
	}
	return t
}

// TransportOption configures Transport.
type TransportOption func(*transport)

// TransportHeader makes Transport send the ID in the named header whatever
// header the ID arrived in, for a downstream service that expects another
// name. Default: the header of the Middleware that stored the ID, else
// DefaultHeader. The name must be a valid HTTP header field name.
func TransportHeader(name string) TransportOption {
	key := headerName("TransportHeader", name)
	return func(t *transport) { t.header = key }
}

var headerKey = textproto.CanonicalMIMEHeaderKey(DefaultHeader)

type transport struct {
	base   http.RoundTripper
	header string // canonical; "" to follow the context
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	c, _ := req.Context().Value(ctxKey{}).(*idContext)
	if c == nil || c.id == "" || !valid(c.id) {
		return base.RoundTrip(req)
	}
	key := t.header
	if key == "" {
		key = c.header
	}
	if key == "" {
		key = headerKey
	}
	if len(req.Header[key]) > 0 {
		return base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	if out.Header == nil {
		out.Header = make(http.Header, 1)
	}
	out.Header[key] = []string{c.id}
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
