package respond

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// problem writes an RFC 9457 problem details object carrying the same
// information as the error envelope:
//
//	{"type":"about:blank","title":"Not Found","status":404,"detail":"...",
//	 "code":"NOT_FOUND","details":...,"timestamp":"...","requestId":"..."}
//
// "type" is about:blank, so "title" is the status's reason phrase (RFC 9457
// section 4.2.1); code, details, timestamp and requestId are extension members.
func (e *encoder) problem(status int, code Code, message string, details any, now time.Time, requestID string) error {
	e.buf.WriteString(`{"type":"about:blank","title":`)
	e.str(statusTitle(status))
	b := e.buf.AvailableBuffer()
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"detail":`...)
	e.buf.Write(b)
	e.str(message)
	e.buf.WriteString(`,"code":`)
	e.str(string(code))
	if details != nil {
		e.buf.WriteString(`,"details":`)
		if err := e.value(details); err != nil {
			return err
		}
	}
	e.tail(now, requestID)
	return nil
}

// statusTitle is the reason phrase of status, including nginx's 499, which
// net/http does not know.
func statusTitle(status int) string {
	if status == statusClientClosedRequest {
		return "Client Closed Request"
	}
	return http.StatusText(status)
}

// wantsProblem reports whether the Accept header values name
// application/problem+json with a q-value above zero and not below the
// q-value of application/json. Wildcards do not count: a client gets problem
// details only when it names them. Malformed elements are skipped.
func wantsProblem(accept []string) bool {
	problemQ, jsonQ := -1.0, -1.0
	for _, v := range accept {
		for v != "" {
			var elem string
			elem, v, _ = strings.Cut(v, ",")
			mediaType, params, _ := strings.Cut(elem, ";")
			mediaType = strings.TrimSpace(mediaType)
			var target *float64
			switch {
			case strings.EqualFold(mediaType, "application/problem+json"):
				target = &problemQ
			case strings.EqualFold(mediaType, "application/json"):
				target = &jsonQ
			default:
				continue
			}
			q, ok := qValue(params)
			if ok && q > *target {
				*target = q
			}
		}
	}
	return problemQ > 0 && problemQ >= jsonQ
}

// qValue returns the q parameter of an Accept element's parameters (the text
// after the media type's first ';'), 1 when absent, and false when the q
// value is malformed (RFC 9110 section 12.4.2: 0 to 1, at most three
// decimals).
func qValue(params string) (float64, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, val, found := strings.Cut(p, "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		return parseQ(strings.TrimSpace(val))
	}
	return 1, true
}

// parseQ parses a qvalue: "0" / "0." 0*3DIGIT / "1" / "1." 0*3("0").
func parseQ(s string) (float64, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	if len(s) == 1 {
		return float64(s[0] - '0'), true
	}
	if s[1] != '.' {
		return 0, false
	}
	q := float64(s[0] - '0')
	scale := 0.1
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || (s[0] == '1' && c != '0') {
			return 0, false
		}
		q += float64(c-'0') * scale
		scale /= 10
	}
	return q, true
}
