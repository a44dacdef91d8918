package requestid

// MaxLength is the longest incoming request ID Middleware accepts, in bytes.
const MaxLength = 128

// idByte is 1 for the bytes allowed in a request ID: ASCII letters, digits
// and ._:+/=- . The set covers UUIDs, ULIDs, base64 (standard and URL-safe),
// AWS X-Ray and Heroku-style IDs, and nothing that can break a log line or
// a header: no spaces, quotes, control bytes or non-ASCII. Bytes rather than
// bools so check can AND eight lookups and branch once.
var idByte = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1
		t[c-'a'+'A'] = 1
	}
	for _, c := range "._:+/=-" {
		t[c] = 1
	}
	return t
}()

// rejection says why an incoming ID was not used. It is logged instead of
// the raw value, which may be an injection attempt.
type rejection uint8

const (
	accepted rejection = iota
	rejectEmpty
	rejectTooLong
	rejectCharacter
	rejectMultiple
)

func (r rejection) String() string {
	switch r {
	case rejectEmpty:
		return "empty"
	case rejectTooLong:
		return "longer than 128 bytes"
	case rejectCharacter:
		return "contains a byte outside [A-Za-z0-9._:+/=-]"
	case rejectMultiple:
		return "header sent more than once"
	}
	return "accepted"
}

// check reports whether id is a well-formed request ID: 1 to MaxLength bytes
// of [A-Za-z0-9._:+/=-].
func check(id string) rejection {
	switch {
	case len(id) == 0:
		return rejectEmpty
	case len(id) > MaxLength:
		return rejectTooLong
	}
	ok := byte(1)
	i := 0
	for ; i+8 <= len(id); i += 8 {
		ok &= idByte[id[i]] & idByte[id[i+1]] & idByte[id[i+2]] & idByte[id[i+3]] &
			idByte[id[i+4]] & idByte[id[i+5]] & idByte[id[i+6]] & idByte[id[i+7]]
	}
	for ; i < len(id); i++ {
		ok &= idByte[id[i]]
	}
	if ok == 0 {
		return rejectCharacter
	}
	return accepted
}

// valid reports whether id is a well-formed request ID.
func valid(id string) bool { return check(id) == accepted }
