package wsauth

import (
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/nexuskit/nexus/internal/clientaddr"
)

const (
	headerAuthorization = "Authorization"
	headerProtocol      = "Sec-Websocket-Protocol" // canonical form of Sec-WebSocket-Protocol
	// maxCredentialLen bounds any credential before it is decoded or
	// hashed, so an attacker cannot make one attempt expensive.
	maxCredentialLen = 8 << 10
	// maxProtocolHeaderLen bounds a Sec-WebSocket-Protocol header that
	// carries a token entry: the longest token entry and a few application
	// protocols.
	maxProtocolHeaderLen = maxCredentialLen + 8<<10
)

// extract finds the credential in the configured source order. It returns
// the request later handlers should see (the token subprotocol entry
// removed, the query parameter redacted) and whether a credential was
// found. err is non-nil when a present credential is malformed.
func (m *middleware) extract(r *http.Request) (c Credentials, out *http.Request, found bool, err error) {
	out = r
	// Decide the header and URL rewrites first: they apply whichever
	// source wins, so a second credential never leaks downstream either.
	// A token entry is removed even when SourceSubprotocol is not enabled:
	// the WebSocket library must never get a chance to echo it.
	var subToken string
	var subFound bool
	if values := r.Header[headerProtocol]; len(values) > 0 {
		var rest string
		var perr error
		subToken, rest, subFound, perr = parseSubprotocols(values, m.subprotoPrefix)
		if subFound {
			h := maps.Clone(r.Header)
			if rest == "" {
				h.Del(headerProtocol)
			} else {
				h.Set(headerProtocol, rest)
			}
			out = shallow(r, out)
			out.Header = h
		}
		if perr != nil && m.subprotocolOn {
			return Credentials{Source: SourceSubprotocol, Request: out}, out, true, perr
		}
	}
	var queryToken string
	var queryFound bool
	if m.query != "" && r.URL != nil && r.URL.RawQuery != "" {
		var rawQuery string
		queryToken, rawQuery, queryFound = cutQueryParam(r.URL.RawQuery, m.query)
		if queryFound {
			out = shallow(r, out)
			u := *r.URL
			u.RawQuery = rawQuery
			out.URL = &u
			out.RequestURI = u.RequestURI()
			// A form parsed before wsauth holds the token too: drop it, so
			// that the next ParseForm reads the redacted URL. (A GET upgrade
			// has no body, so nothing else is lost.)
			out.Form, out.PostForm = nil, nil
		}
	}
	for _, src := range m.sources {
		var tok string
		switch src {
		case SourceBearer:
			tok = bearerToken(headerGet(r.Header, headerAuthorization))
		case SourceSubprotocol:
			if subFound {
				tok = subToken
			}
		case SourceCookie:
			if ck, cerr := r.Cookie(m.cookie); cerr == nil {
				tok = ck.Value
			}
		case SourceQuery:
			if queryFound {
				tok = queryToken
			}
		}
		if tok != "" {
			return Credentials{Token: tok, Source: src, Request: out}, out, true, nil
		}
	}
	return Credentials{}, out, false, nil
}

// shallow returns a shallow copy of r the first time a rewrite needs one.
func shallow(r, out *http.Request) *http.Request {
	if out != r {
		return out
	}
	return r.WithContext(r.Context())
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header (scheme case-insensitive, RFC 9110 §11.1), or "".
func bearerToken(h string) string {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return ""
	}
	return strings.TrimSpace(h[len(scheme):])
}

// parseSubprotocols reads Sec-WebSocket-Protocol header values (each a
// comma-separated list, RFC 6455 §4.1). found reports an entry starting
// with prefix; then token is what it carries (base64url without padding,
// as in the Kubernetes scheme, decoded) and rest is the header value later
// handlers should see: the other entries, trimmed, in order, joined by
// ", " ("" for none). err is non-nil (and found true) when the token entry
// is empty, not valid base64url, too long, or present more than once, or
// when the header is too long to hold a token entry and application
// protocols (rest is then "": nothing of it is passed on).
//
// Its cost stays linear with a small constant whatever the client sends:
// values without the prefix are not split at all, and long ones not even
// when they contain it.
func parseSubprotocols(values []string, prefix string) (token, rest string, found bool, err error) {
	n := 0
	for _, v := range values {
		n += len(v)
		found = found || strings.Contains(v, prefix)
	}
	if !found {
		return "", "", false, nil
	}
	if n > maxProtocolHeaderLen {
		return "", "", true, errBadSubprotocol
	}
	found = false
	var b strings.Builder
	b.Grow(n)
	for _, v := range values {
		for v != "" {
			var e string
			e, v, _ = strings.Cut(v, ",")
			e = clientaddr.TrimOWS(e)
			if e == "" {
				continue
			}
			if !strings.HasPrefix(e, prefix) {
				if b.Len() > 0 {
					b.WriteString(", ")
				}
				b.WriteString(e)
				continue
			}
			if found {
				err = errBadSubprotocol
				continue
			}
			found = true
			enc := e[len(prefix):]
			if enc == "" || len(enc) > maxCredentialLen || !isBase64URL(enc) {
				err = errBadSubprotocol
				continue
			}
			raw, derr := base64.RawURLEncoding.Strict().DecodeString(enc)
			if derr != nil || len(raw) == 0 {
				err = errBadSubprotocol
				continue
			}
			token = string(raw)
		}
	}
	if !found {
		return "", "", false, nil
	}
	if err != nil {
		token = ""
	}
	return token, b.String(), true, err
}

// SubprotocolEntry returns the Sec-WebSocket-Protocol entry that carries
// token under prefix (use DefaultSubprotocolPrefix unless you changed it):
// what a client offers alongside its real application subprotocol.
func SubprotocolEntry(prefix, token string) string {
	return prefix + base64.RawURLEncoding.EncodeToString([]byte(token))
}

// cutQueryParam removes every name=value pair from rawQuery and returns
// the first non-empty value (unescaped), the remaining query and whether
// the parameter was present (rest is rawQuery when it was not). It
// allocates only when the parameter is present, and then once.
func cutQueryParam(rawQuery, name string) (value, rest string, found bool) {
	for q := rawQuery; q != "" && !found; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, _, _ := strings.Cut(pair, "=")
		found = isParam(k, name)
	}
	if !found {
		return "", rawQuery, false
	}
	var b strings.Builder
	b.Grow(len(rawQuery))
	for q := rawQuery; q != ""; {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(pair, "=")
		if isParam(k, name) {
			if value == "" {
				if uv, err := url.QueryUnescape(v); err == nil {
					value = uv
				}
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(pair)
	}
	return value, b.String(), true
}

// isParam reports whether the raw query key k is name (an isParamName)
// once unescaped, as url.ParseQuery would read it, without unescaping keys
// that cannot be.
func isParam(k, name string) bool {
	switch {
	case k == name:
		return true
	case len(k) < len(name) || !strings.ContainsAny(k, "%+"):
		return false // escaping only lengthens a key
	}
	uk, err := url.QueryUnescape(k)
	return err == nil && uk == name
}

// isBase64URL reports whether s uses only the unpadded base64url alphabet
// (the decoder would silently skip CR and LF).
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}
