package validate

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON lexing for the pre-pass: separators, literals, strings and numbers, checked per
// RFC 8259, and string unquoting the way encoding/json does it.

// next consumes the separator after a member or element: ',' (more follow) or the closer.
func (s *scanner) next(closer byte) (done bool, err *DecodeError) {
	s.skipWS()
	if s.pos >= len(s.data) {
		return true, s.eof()
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		s.skipWS()
		return false, nil
	case closer:
		s.pos++
		return true, nil
	}
	return true, syntaxError(s.pos, "expected ',' or '"+string(closer)+"'")
}

func (s *scanner) colon() *DecodeError {
	s.skipWS()
	if s.pos >= len(s.data) {
		return s.eof()
	}
	if s.data[s.pos] != ':' {
		return syntaxError(s.pos, "expected ':' after object key")
	}
	s.pos++
	return nil
}

func (s *scanner) literal(lit string) *DecodeError {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		if len(s.data)-s.pos < len(lit) && string(s.data[s.pos:]) == lit[:len(s.data)-s.pos] {
			s.pos = len(s.data)
			return s.eof()
		}
		return syntaxError(s.pos, "invalid literal")
	}
	s.pos += len(lit)
	return nil
}

// str scans a string starting at the quote. It returns the bytes between the quotes and
// whether they must go through unquote (escapes or invalid UTF-8) to get the decoded text.
func (s *scanner) str() (content []byte, raw bool, err *DecodeError) {
	start := s.pos + 1
	i := start
	nonASCII := false
	for {
		if i >= len(s.data) {
			s.pos = i
			return nil, false, s.eof()
		}
		c := s.data[i]
		switch {
		case c == '"':
			content = s.data[start:i]
			s.pos = i + 1
			if nonASCII && !raw && !utf8.Valid(content) {
				raw = true
			}
			return content, raw, nil
		case c == '\\':
			raw = true
			if i+1 >= len(s.data) {
				s.pos = i + 1
				return nil, false, s.eof()
			}
			switch s.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s.data) {
					s.pos = len(s.data)
					return nil, false, s.eof()
				}
				if hex4(s.data[i+2:i+6]) < 0 {
					return nil, false, syntaxError(i, "invalid \\u escape in string")
				}
				i += 6
			default:
				return nil, false, syntaxError(i, "invalid escape in string")
			}
		case c < 0x20:
			return nil, false, syntaxError(i, "control character in string")
		default:
			if c >= utf8.RuneSelf {
				nonASCII = true
			}
			i++
		}
	}
}

// number scans a number literal per RFC 8259 and reports whether it has neither a fraction
// nor an exponent.
func (s *scanner) number() (isInt bool, err *DecodeError) {
	d := s.data
	i := s.pos
	if d[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i >= len(d):
		s.pos = i
		return false, s.eof()
	case d[i] == '0':
		i++
	case '1' <= d[i] && d[i] <= '9':
		digits()
	default:
		return false, syntaxError(i, "invalid number")
	}
	isInt = true
	if i < len(d) && d[i] == '.' {
		isInt = false
		i++
		if digits() == 0 {
			if i >= len(d) {
				s.pos = i
				return false, s.eof()
			}
			return false, syntaxError(i, "invalid number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		isInt = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			if i >= len(d) {
				s.pos = i
				return false, s.eof()
			}
			return false, syntaxError(i, "invalid number")
		}
	}
	s.pos = i
	return isInt, nil
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquote decodes string content (between the quotes, already syntax-checked) the way
// encoding/json does: escapes resolved, lone surrogates and invalid UTF-8 become U+FFFD.
func unquote(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\\':
			switch b[i+1] {
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				r := hex4(b[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if r2 := hex4(b[i+2:]); r2 >= 0 {
							if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
								sb.WriteRune(dec)
								i += 6
								continue
							}
						}
					}
					r = unicode.ReplacementChar
				}
				sb.WriteRune(r)
				continue
			default: // '"', '\\', '/'
				sb.WriteByte(b[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			sb.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			sb.WriteRune(r)
			i += size
		}
	}
	return sb.String()
}

// validNumber reports whether s is a JSON number literal.
func validNumber(s string) bool {
	if s == "" {
		return false
	}
	sc := scanner{data: []byte(s)}
	_, err := sc.number()
	return err == nil && sc.pos == len(s)
}
