package wsauth

import (
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"strings"
)

const (
	headerAuthorization = "Authorization"
	headerProtocol      = "Sec-Websocket-Protocol" // canonical form of Sec-WebSocket-Protocol
	// maxCredentialLen bounds any credential before it is decoded or
	// hashed, so an attacker cannot make one attempt expensive.
	maxCredentialLen = 8 << 10
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
		var rest []string
		var perr error
		subToken, rest, subFound, perr = parseSubprotocols(values, m.subprotoPrefix)
		if subFound || perr != nil {
			h := maps.Clone(r.Header)
			if len(rest) == 0 {
				h.Del(headerProtocol)
			} else {
				h.Set(headerProtocol, strings.Join(rest, ", "))
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

// parseSubprotocols splits Sec-WebSocket-Protocol header values (each a
// comma-separated list, RFC 6455 §4.1) into the token carried by the entry
// starting with prefix (base64url without padding, as in the Kubernetes
// scheme, decoded) and the remaining entries, trimmed, in order, empty ones
// dropped. found reports a token entry; err is non-nil when that entry is
// empty, not valid base64url, too long, or present more than once.
func parseSubprotocols(values []string, prefix string) (token string, rest []string, found bool, err error) {
	for _, v := range values {
		for v != "" {
			var e string
			e, v, _ = strings.Cut(v, ",")
			e = strings.Trim(e, " \t")
			if e == "" {
				continue
			}
			if !strings.HasPrefix(e, prefix) {
				rest = append(rest, e)
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
			b, derr := base64.RawURLEncoding.Strict().DecodeString(enc)
			if derr != nil || len(b) == 0 {
				err = errBadSubprotocol
				continue
			}
			token = string(b)
		}
	}
	if err != nil {
		token = ""
	}
	return token, rest, found, err
}

// SubprotocolEntry returns the Sec-WebSocket-Protocol entry that carries
// token under prefix (use DefaultSubprotocolPrefix unless you changed it):
// what a client offers alongside its real application subprotocol.
func SubprotocolEntry(prefix, token string) string {
	return prefix + base64.RawURLEncoding.EncodeToString([]byte(token))
}

// cutQueryParam removes every name=value pair from rawQuery and returns
// the first non-empty value (unescaped), the remaining query and whether
// the parameter was present.
func cutQueryParam(rawQuery, name string) (value, rest string, found bool) {
	var b strings.Builder
	q := rawQuery
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err == nil && uk == name {
			found = true
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
	return value, b.String(), found
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
