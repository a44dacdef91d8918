package requestid

// TraceParentHeader is the W3C Trace Context header whose trace-id the
// TraceParent option uses as the request ID.
const TraceParentHeader = "Traceparent" // canonical form of "traceparent"

// traceID returns the trace-id of a W3C Trace Context traceparent value
// (https://www.w3.org/TR/trace-context/#traceparent-header), or "" when the
// value is not valid:
//
//	version "-" trace-id "-" parent-id "-" trace-flags
//	2 hex     32 hex         16 hex        2 hex         (lowercase only)
//
// Version ff is invalid; trace-id and parent-id must not be all zeros.
// Version 00 is exactly 55 characters. A higher version may carry more
// fields after the flags, separated by "-", as the specification tells
// parsers of future versions to accept.
func traceID(v string) string {
	if len(v) < 55 {
		return ""
	}
	if !lowerHex(v[0:2]) || v[0:2] == "ff" || v[2] != '-' ||
		!lowerHex(v[3:35]) || v[35] != '-' ||
		!lowerHex(v[36:52]) || v[52] != '-' ||
		!lowerHex(v[53:55]) {
		return ""
	}
	if v[0:2] == "00" {
		if len(v) != 55 {
			return ""
		}
	} else if len(v) > 55 && v[55] != '-' {
		return ""
	}
	if allZeros(v[3:35]) || allZeros(v[36:52]) {
		return ""
	}
	return v[3:35]
}

// lowerHex reports whether s is made of 0-9 and a-f only.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func allZeros(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}
