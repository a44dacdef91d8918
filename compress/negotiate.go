package compress

// coding is a content coding the middleware can produce. codingNone doubles
// as "identity" in acceptance tables.
type coding uint8

const (
	codingNone coding = iota
	codingGzip
	codingBrotli
	codingZstd
	numCodings
)

// String returns the coding's registered name, as sent in Content-Encoding.
func (c coding) String() string {
	switch c {
	case codingGzip:
		return "gzip"
	case codingBrotli:
		return "br"
	case codingZstd:
		return "zstd"
	}
	return "identity"
}

func codingFromName(name string) coding {
	switch name {
	case "gzip":
		return codingGzip
	case "br":
		return codingBrotli
	case "zstd":
		return codingZstd
	}
	return codingNone
}

// notListed marks a coding the Accept-Encoding header did not mention.
const notListed = -1

// acceptance is the parsed Accept-Encoding header: a q-value in thousandths
// (0..1000) per coding, or notListed. q[codingNone] is identity's.
type acceptance struct {
	q        [numCodings]int16
	wildcard int16
	present  bool // the header was sent (possibly empty)
}

// parseAcceptEncoding parses every Accept-Encoding field line of a request
// (RFC 9110, section 12.5.3) without allocating. Tokens match
// case-insensitively; "x-gzip" is gzip (section 8.4.1.3). A q-value that does
// not follow the qvalue grammar makes its element ignored, as does an unknown
// coding. A coding listed twice keeps its lowest q-value: a refusal is never
// overridden.
func parseAcceptEncoding(values []string) acceptance {
	a := acceptance{wildcard: notListed}
	for i := range a.q {
		a.q[i] = notListed
	}
	if len(values) == 0 {
		return a
	}
	a.present = true
	for _, v := range values {
		for len(v) > 0 {
			var elem string
			elem, v = nextElement(v)
			name, q, ok := parseElement(elem)
			if !ok {
				continue
			}
			var slot *int16
			switch {
			case name == "*":
				slot = &a.wildcard
			case equalFold(name, "gzip"), equalFold(name, "x-gzip"):
				slot = &a.q[codingGzip]
			case equalFold(name, "br"):
				slot = &a.q[codingBrotli]
			case equalFold(name, "zstd"):
				slot = &a.q[codingZstd]
			case equalFold(name, "identity"):
				slot = &a.q[codingNone]
			default:
				continue
			}
			if *slot == notListed || q < *slot {
				*slot = q
			}
		}
	}
	return a
}

// nextElement splits off the first comma-separated element of s.
func nextElement(s string) (elem, rest string) {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// parseElement parses `coding *( OWS ";" OWS param )`, returning the coding
// and its q-value in thousandths (1000 when absent). ok is false for an empty
// element, a malformed coding or a malformed q-value.
func parseElement(e string) (name string, q int16, ok bool) {
	e = trimOWS(e)
	if e == "" {
		return "", 0, false
	}
	i := 0
	for i < len(e) && isTokenChar(e[i]) {
		i++
	}
	if i == 0 {
		return "", 0, false
	}
	name, e = e[:i], trimOWS(e[i:])
	q = 1000
	for len(e) > 0 {
		if e[0] != ';' {
			return "", 0, false
		}
		var param string
		param, e = nextParam(e[1:])
		param = trimOWS(param)
		if param == "" {
			continue
		}
		key, val, found := cut(param, '=')
		if !found {
			return "", 0, false
		}
		key, val = trimOWS(key), trimOWS(val)
		if len(key) == 1 && (key[0] == 'q' || key[0] == 'Q') {
			var valid bool
			if q, valid = parseQ(val); !valid {
				return "", 0, false
			}
		}
	}
	return name, q, true
}

// nextParam returns the text up to the next ';' (kept in rest).
func nextParam(s string) (param, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			if inQuote {
				i++
			}
		case ';':
			if !inQuote {
				return s[:i], s[i:]
			}
		}
	}
	return s, ""
}

// parseQ parses an RFC 9110 qvalue: ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
func parseQ(s string) (int16, bool) {
	if len(s) == 0 || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	v := int16(s[0]-'0') * 1000
	if len(s) == 1 {
		return v, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := int16(100)
	for i := 2; i < len(s); i++ {
		d := s[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		v += int16(d-'0') * scale
		scale /= 10
	}
	if v > 1000 {
		return 0, false
	}
	return v, true
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// equalFold compares s with the lower-case ASCII word lower, ignoring case.
func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// choice is the outcome of negotiation.
type choice struct {
	coding coding
	// identityRefused: the client said identity;q=0 (or *;q=0 without an
	// identity entry). The middleware then compresses bodies below MinSize
	// too, when some coding is acceptable.
	identityRefused bool
}

// negotiate picks the coding for a response, RFC 9110 section 12.5.3:
// a coding's weight is its own q-value, else the "*" q-value, else it is not
// acceptable; the highest weight above 0 wins and ties go to the earlier
// coding in the server's order. Identity is acceptable unless refused; when
// the client gives identity (explicitly or through "*") a higher weight than
// every offered coding, identity is used. A missing header gets identity:
// the RFC allows any coding then, but clients that send nothing often cannot
// decode anything.
func negotiate(a *acceptance, order []coding) choice {
	if !a.present {
		return choice{}
	}
	best, bestQ := codingNone, int16(0)
	for _, c := range order {
		q := a.q[c]
		if q == notListed {
			q = a.wildcard
		}
		if q > bestQ {
			best, bestQ = c, q
		}
	}
	idQ := a.q[codingNone]
	if idQ == notListed {
		idQ = a.wildcard
	}
	ch := choice{coding: best, identityRefused: idQ == 0}
	if idQ != notListed && idQ > bestQ {
		ch.coding = codingNone
	}
	return ch
}
