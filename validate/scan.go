package validate

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// maxDepth is the nesting limit of the pre-pass.
const maxDepth = MaxDepth

// maxErrors bounds the problems listed for one body, so a body of a million bad keys cannot
// turn into a response many times its size.
const maxErrors = 100

// truncatedError ends a list that reached maxErrors.
var truncatedError = FieldError{Rule: "limit", Param: strconv.Itoa(maxErrors),
	Message: "too many problems; only the first " + strconv.Itoa(maxErrors) + " are listed"}

// node is one value present in the body, in the presence tree the pre-pass builds: every
// member of an object and every object or array element of an array. Nodes live in one slice
// and link by index, so recording presence costs one append per key.
type node struct {
	field       *fieldInfo // struct member; nil otherwise
	key         string     // map or free-form object key; "" for struct members and elements
	index       int32      // array element index; -1 otherwise
	parent      int32
	first, last int32 // children
	next        int32 // next sibling
	tok         byte  // first byte of the value: '{', '[', '"', 't', 'f', 'n' or a digit/'-'
}

func (n *node) isNull() bool   { return n.tok == 'n' }
func (n *node) isObject() bool { return n.tok == '{' }

// seg names a value that has no node (a scalar array element, an unknown key) for messages.
type seg struct {
	field *fieldInfo
	key   string
	index int32
}

// scanner is the pre-pass: one pass over the body that checks the JSON syntax, rejects
// duplicate keys and trailing data, checks every value against the Go type it will be decoded
// into (unknown and case-mismatched keys, JSON types, integer ranges, null), and records which
// paths are present.
type scanner struct {
	data         []byte
	pos          int
	depth        int
	nodes        []node
	errs         Errors
	allowUnknown bool
	patch        bool // null deletes map keys
	// stopped: a value the pre-pass found invalid makes encoding/json stop decoding (a
	// type's own UnmarshalJSON or UnmarshalText failed, or a `,string` value it rejects).
	stopped bool
	// deepest is the deepest nesting seen; bracketKeys is set when a key of a typed map
	// contains a bracket, which validator's namespaces cannot delimit.
	deepest     int
	bracketKeys bool
}

func (s *scanner) reset(data []byte, allowUnknown, patch bool) {
	s.data, s.pos, s.depth, s.patch, s.stopped = data, 0, 0, patch, false
	s.deepest, s.bracketKeys = 0, false
	s.nodes = s.nodes[:0]
	s.errs = nil
	s.allowUnknown = allowUnknown
}

// scan runs the pre-pass over the whole body for a value of type ti (a struct).
func (s *scanner) scan(ti *typeInfo) *DecodeError {
	s.skipWS()
	if s.pos == len(s.data) {
		return newDecodeError(http.StatusBadRequest, ErrEmptyBody, -1, "request body is empty", nil)
	}
	if s.data[s.pos] != '{' {
		at := s.pos
		if bytes.HasPrefix(s.data[at:], []byte("\xef\xbb\xbf")) {
			return syntaxError(at, "byte order mark (JSON text must not start with one)")
		}
		// Only a valid JSON value that is not an object is ErrNotObject; anything else is
		// not JSON at all.
		if err := s.skip(); err != nil {
			return err
		}
		return newDecodeError(http.StatusBadRequest, ErrNotObject, int64(at), "request body must be a JSON object", nil)
	}
	s.nodes = append(s.nodes, node{index: -1, parent: -1, first: -1, last: -1, next: -1})
	if err := s.value(ti, 0, -1, seg{}); err != nil {
		return err
	}
	s.skipWS()
	if s.pos != len(s.data) {
		return newDecodeError(http.StatusBadRequest, ErrTrailingData, int64(s.pos),
			"request body has data after the JSON value at offset "+strconv.Itoa(s.pos), nil)
	}
	return nil
}

func (s *scanner) addNode(parent int32, f *fieldInfo, key string, index int32) int32 {
	if parent < 0 {
		return -1 // nothing is recorded below a value without a node
	}
	idx := int32(len(s.nodes))
	if len(s.nodes) == cap(s.nodes) {
		// Double, rather than append's gentler growth for big slices: a body of many small
		// values would otherwise allocate several times its final tree while growing it.
		s.nodes = append(make([]node, 0, 2*cap(s.nodes)+8), s.nodes...)
	}
	s.nodes = append(s.nodes, node{field: f, key: key, index: index, parent: parent, first: -1, last: -1, next: -1})
	p := &s.nodes[parent]
	if p.last >= 0 {
		s.nodes[p.last].next = idx
	} else {
		p.first = idx
	}
	p.last = idx
	return idx
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.skipWS()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) eof() *DecodeError { return syntaxError(s.pos, "unexpected end of input") }

// value scans one value that decodes into ti. self is its node, or -1 when it has none, in
// which case parent and sg name it in messages.
func (s *scanner) value(ti *typeInfo, self, parent int32, sg seg) *DecodeError {
	s.skipWS()
	if s.pos >= len(s.data) {
		return s.eof()
	}
	c := s.data[s.pos]
	if self >= 0 {
		s.nodes[self].tok = c
	}
	if c == 'n' {
		if err := s.literal("null"); err != nil {
			return err
		}
		if !ti.nullable {
			s.fieldErr(self, parent, sg, "null", "", "must not be null")
		} else if ti.kind == kindUnmarshaler {
			// encoding/json hands null to a non-pointer Unmarshaler: ask it.
			if reflect.New(ti.t).Interface().(json.Unmarshaler).UnmarshalJSON([]byte("null")) != nil {
				s.fieldErr(self, parent, sg, "null", "", "must not be null")
			}
		}
		return nil
	}
	ti = ti.deref()
	switch ti.kind {
	case kindAny:
		return s.anyValue(self, parent, sg, true)
	case kindUnmarshaler:
		if ti.t == timeType && c != '"' {
			s.typeErr(ti, c, self, parent, sg)
			return s.skip()
		}
		start := s.pos
		if err := s.skip(); err != nil {
			return err
		}
		u := reflect.New(ti.t).Interface().(json.Unmarshaler)
		if err := u.UnmarshalJSON(s.data[start:s.pos]); err != nil {
			s.formatErr(ti, self, parent, sg)
		}
		return nil
	}
	switch c {
	case '{':
		switch ti.kind {
		case kindStruct:
			return s.object(ti, self)
		case kindMap:
			return s.mapObject(ti, self)
		}
	case '[':
		if ti.kind == kindArray {
			return s.array(ti, self)
		}
	case '"':
		content, raw, err := s.str()
		if err != nil {
			return err
		}
		switch ti.kind {
		case kindString:
			return nil
		case kindBytes:
			b := content
			if raw {
				b = []byte(unquote(content))
			}
			if _, err := base64.StdEncoding.DecodeString(string(b)); err != nil {
				s.fieldErr(self, parent, sg, "format", "base64", "must be base64-encoded")
			}
			return nil
		case kindText:
			u := reflect.New(ti.t).Interface().(encoding.TextUnmarshaler)
			if err := u.UnmarshalText([]byte(unquote(content))); err != nil {
				s.formatErr(ti, self, parent, sg)
			}
			return nil
		case kindNumber:
			if !validNumber(unquote(content)) {
				s.typeErr(ti, c, self, parent, sg)
			}
			return nil
		}
		s.typeErr(ti, c, self, parent, sg)
		return nil
	case 't', 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		if err := s.literal(lit); err != nil {
			return err
		}
		if ti.kind != kindBool {
			s.typeErr(ti, c, self, parent, sg)
		}
		return nil
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			start := s.pos
			isInt, err := s.number()
			if err != nil {
				return err
			}
			s.checkNumber(ti, s.data[start:s.pos], isInt, self, parent, sg)
			return nil
		}
		return syntaxError(s.pos, "unexpected character")
	}
	// A container of the wrong type: report it and check the syntax of what it holds.
	s.typeErr(ti, c, self, parent, sg)
	return s.skip()
}

func (s *scanner) checkNumber(ti *typeInfo, lit []byte, isInt bool, self, parent int32, sg seg) {
	switch ti.kind {
	case kindNumber:
	case kindInt, kindUint:
		if !isInt {
			s.fieldErr(self, parent, sg, "type", "integer", "expected integer, got number")
			return
		}
		neg := lit[0] == '-'
		if neg {
			lit = lit[1:]
		}
		var v uint64
		over := len(lit) > 20
		for i := 0; i < len(lit) && !over; i++ {
			d := uint64(lit[i] - '0')
			if v > (^uint64(0)-d)/10 {
				over = true
			}
			v = v*10 + d
		}
		if ti.kind == kindUint {
			over = over || neg || (ti.bits < 64 && v >= 1<<ti.bits) // encoding/json rejects even -0
		} else {
			limit := uint64(1) << (ti.bits - 1)
			over = over || (!neg && v >= limit) || (neg && v > limit)
		}
		if over {
			s.fieldErr(self, parent, sg, "type", "integer", "integer out of range")
		}
	case kindFloat:
		// Without an exponent, up to 38 integer digits fit even a float32; anything else is
		// rare enough to hand to strconv.
		intDigits := 0
		for intDigits < len(lit) && lit[intDigits] != '.' && lit[intDigits] != 'e' && lit[intDigits] != 'E' {
			intDigits++
		}
		if intDigits > 38 || bytes.ContainsAny(lit, "eE") {
			if _, err := strconv.ParseFloat(string(lit), ti.bits); err != nil {
				s.fieldErr(self, parent, sg, "type", "number", "number out of range")
			}
		}
	default:
		s.typeErr(ti, lit[0], self, parent, sg)
	}
}

// object scans a JSON object decoded into the struct ti.
func (s *scanner) object(ti *typeInfo, self int32) *DecodeError {
	if err := s.enter(); err != nil {
		return err
	}
	defer func() { s.depth-- }()
	s.pos++ // '{'
	var seen uint64
	var seenMore []uint64
	if ti.bitWords > 1 {
		seenMore = make([]uint64, ti.bitWords)
	}
	var others keySet // keys that are not fields, for duplicate detection
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		if s.pos >= len(s.data) {
			return s.eof()
		}
		if s.data[s.pos] != '"' {
			return syntaxError(s.pos, "expected a string key")
		}
		keyAt := s.pos
		kb, raw, err := s.str()
		if err != nil {
			return err
		}
		var f *fieldInfo
		var key string
		if raw {
			key = unquote(kb)
			f = ti.fields[key]
		} else {
			f = ti.fields[string(kb)]
		}
		if err := s.colon(); err != nil {
			return err
		}
		if f != nil {
			w, bit := f.ord/64, uint64(1)<<(f.ord%64)
			word := &seen
			if seenMore != nil {
				word = &seenMore[w]
			}
			if *word&bit != 0 {
				return s.duplicate(self, seg{field: f}, keyAt)
			}
			*word |= bit
			child := s.addNode(self, f, "", -1)
			if f.quoted {
				err = s.quoted(f, child)
			} else {
				err = s.value(f.typ, child, self, seg{})
			}
		} else {
			if !raw {
				key = string(kb)
			}
			if others.add(key) {
				return s.duplicate(self, seg{key: key, index: -1}, keyAt)
			}
			if hint := ti.fold[foldName(key)]; hint != nil {
				s.fieldErr(-1, self, seg{key: key, index: -1}, "unknown", hint.name,
					`unknown field; did you mean "`+hint.name+`"?`)
			} else if !s.allowUnknown {
				s.fieldErr(-1, self, seg{key: key, index: -1}, "unknown", "", "unknown field")
			}
			err = s.skip()
		}
		if err != nil {
			return err
		}
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// mapObject scans a JSON object decoded into the map ti. Keys that differ in the body but are
// the same Go map key once converted ("7" and "07" for an integer key, or two spellings of
// an IP address for netip.Addr) are duplicates too: encoding/json would keep the last.
func (s *scanner) mapObject(ti *typeInfo, self int32) *DecodeError {
	convert := ti.mapKey.Kind() != reflect.String || reflect.PointerTo(ti.mapKey).Implements(textUnmarshalerType)
	var seen map[any]struct{}
	return s.keyed(self, true, func(key string, keyAt int, child int32) *DecodeError {
		if !s.bracketKeys && strings.ContainsAny(key, "[]") {
			s.bracketKeys = true
		}
		if k, ok := mapKey(ti.mapKey, key); !ok {
			s.fieldErr(child, self, seg{key: key, index: -1}, "type", "key", "invalid key for this object")
		} else if convert {
			if seen == nil {
				seen = map[any]struct{}{}
			}
			ki := k.Interface()
			if _, dup := seen[ki]; dup {
				return s.duplicate(self, seg{key: key, index: -1}, keyAt)
			}
			seen[ki] = struct{}{}
		}
		if s.patch && child >= 0 && s.peek() == 'n' {
			// In a merge patch, null deletes the key whatever the element type.
			s.nodes[child].tok = 'n'
			return s.literal("null")
		}
		return s.value(ti.elem, child, self, seg{key: key, index: -1})
	})
}

// skip scans any JSON value, checking only its syntax and duplicate keys.
func (s *scanner) skip() *DecodeError { return s.anyValue(-1, -1, seg{}, false) }

// anyValue scans any JSON value, checking syntax and duplicate keys. With record, the value is
// decoded into an interface: object members and container elements get nodes (self must
// then be a node, or -1 with parent and sg naming the value), and numbers must fit a float64.
func (s *scanner) anyValue(self, parent int32, sg seg, record bool) *DecodeError {
	s.skipWS()
	if s.pos >= len(s.data) {
		return s.eof()
	}
	c := s.data[s.pos]
	if self >= 0 {
		s.nodes[self].tok = c
	}
	switch c {
	case '{':
		return s.keyed(self, record, func(key string, _ int, child int32) *DecodeError {
			return s.anyValue(child, self, seg{key: key, index: -1}, record)
		})
	case '[':
		if err := s.enter(); err != nil {
			return err
		}
		defer func() { s.depth-- }()
		s.pos++
		s.skipWS()
		if s.pos < len(s.data) && s.data[s.pos] == ']' {
			s.pos++
			return nil
		}
		for i := int32(0); ; i++ {
			child := int32(-1)
			if record && self >= 0 {
				s.skipWS()
				if s.pos < len(s.data) && (s.data[s.pos] == '{' || s.data[s.pos] == '[') {
					child = s.addNode(self, nil, "", i)
				}
			}
			if err := s.anyValue(child, self, seg{index: i}, record); err != nil {
				return err
			}
			if done, err := s.next(']'); done || err != nil {
				return err
			}
		}
	case '"':
		_, _, err := s.str()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			start := s.pos
			isInt, err := s.number()
			if err == nil && record {
				s.checkNumber(float64Info, s.data[start:s.pos], isInt, self, parent, sg)
			}
			return err
		}
		return syntaxError(s.pos, "unexpected character")
	}
}

// float64Info is what encoding/json decodes a number into in an interface value.
var float64Info = &typeInfo{kind: kindFloat, bits: 64, arrayLen: -1}

// keyed scans an object with free-form keys (a map or an interface value), rejecting
// duplicate keys, and calls member for each value. With record, each member gets a node.
func (s *scanner) keyed(self int32, record bool, member func(key string, keyAt int, child int32) *DecodeError) *DecodeError {
	if err := s.enter(); err != nil {
		return err
	}
	defer func() { s.depth-- }()
	s.pos++ // '{'
	var keys keySet
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		if s.pos >= len(s.data) {
			return s.eof()
		}
		if s.data[s.pos] != '"' {
			return syntaxError(s.pos, "expected a string key")
		}
		keyAt := s.pos
		kb, raw, err := s.str()
		if err != nil {
			return err
		}
		var key string
		if raw {
			key = unquote(kb)
		} else {
			key = string(kb)
		}
		if keys.add(key) {
			return s.duplicate(self, seg{key: key, index: -1}, keyAt)
		}
		if err := s.colon(); err != nil {
			return err
		}
		child := int32(-1)
		if record && self >= 0 {
			child = s.addNode(self, nil, key, -1)
		}
		if err := member(key, keyAt, child); err != nil {
			return err
		}
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// array scans a JSON array decoded into the slice or array ti.
func (s *scanner) array(ti *typeInfo, self int32) *DecodeError {
	if err := s.enter(); err != nil {
		return err
	}
	defer func() { s.depth-- }()
	s.pos++ // '['
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for i := int32(0); ; i++ {
		if ti.arrayLen >= 0 && int(i) == ti.arrayLen {
			s.fieldErr(self, -1, seg{}, "type", "array",
				"expected an array of at most "+strconv.Itoa(ti.arrayLen)+" items")
		}
		s.skipWS()
		child := int32(-1)
		if self >= 0 && s.pos < len(s.data) && (s.data[s.pos] == '{' || s.data[s.pos] == '[') {
			child = s.addNode(self, nil, "", i)
		}
		var err *DecodeError
		if ti.arrayLen >= 0 && int(i) >= ti.arrayLen {
			err = s.skip()
		} else {
			err = s.value(ti.elem, child, self, seg{index: i})
		}
		if err != nil {
			return err
		}
		if done, err := s.next(']'); done || err != nil {
			return err
		}
	}
}

// quoted scans the value of a `json:",string"` field: a string holding the JSON of the value.
func (s *scanner) quoted(f *fieldInfo, self int32) *DecodeError {
	s.skipWS()
	if s.pos >= len(s.data) {
		return s.eof()
	}
	c := s.data[s.pos]
	s.nodes[self].tok = c
	if c != '"' {
		if c == 'n' {
			return s.value(f.typ, self, -1, seg{})
		}
		s.fieldErr(self, -1, seg{}, "type", "string", "expected string, got "+jsonType(c))
		return s.skip()
	}
	content, _, err := s.str()
	if err != nil {
		return err
	}
	inner := unquote(content)
	if inner != "" && (isSpace(inner[0]) || isSpace(inner[len(inner)-1])) {
		// encoding/json takes the quoted text as one literal, without surrounding space.
		s.fieldErr(self, -1, seg{}, "type", "string",
			"expected a string holding a JSON "+f.typ.expected()+" without surrounding spaces")
		return nil
	}
	if inner == "null" { // encoding/json reads it as null and leaves the field as it was
		if !f.typ.nullable {
			s.fieldErr(self, -1, seg{}, "null", "", "must not be null")
		}
		return nil
	}
	target := reflect.New(f.typ.deref().t)
	if json.Unmarshal([]byte(inner), target.Interface()) != nil {
		s.fieldErr(self, -1, seg{}, "type", "string",
			"expected a string holding a JSON "+f.typ.expected())
	}
	return nil
}

// enter counts one more level of nesting; the caller decrements s.depth when it leaves.
func (s *scanner) enter() *DecodeError {
	s.depth++
	if s.depth > s.deepest {
		s.deepest = s.depth
		if s.depth > maxDepth {
			return s.tooDeep()
		}
	}
	return nil
}

func (s *scanner) tooDeep() *DecodeError {
	return newDecodeError(http.StatusBadRequest, ErrTooDeep, int64(s.pos),
		"request body nests deeper than "+strconv.Itoa(maxDepth)+" levels", nil)
}

func (s *scanner) duplicate(parent int32, sg seg, at int) *DecodeError {
	path := shortPath(s.childPath(parent, sg))
	return newDecodeError(http.StatusBadRequest, ErrDuplicateKey, int64(at),
		"request body has duplicate key "+strconv.Quote(path), nil)
}

func (s *scanner) typeErr(ti *typeInfo, c byte, self, parent int32, sg seg) {
	exp := ti.expected()
	s.fieldErr(self, parent, sg, "type", exp, "expected "+exp+", got "+jsonType(c))
}

func (s *scanner) formatErr(ti *typeInfo, self, parent int32, sg seg) {
	s.stopped = true
	if ti.t == timeType {
		s.fieldErr(self, parent, sg, "format", "RFC 3339", "must be an RFC 3339 date-time")
		return
	}
	s.fieldErr(self, parent, sg, "format", "", "has an invalid format")
}

func (s *scanner) fieldErr(self, parent int32, sg seg, rule, param, msg string) {
	if len(s.errs) >= maxErrors {
		if len(s.errs) == maxErrors {
			s.errs = append(s.errs, truncatedError)
		}
		return
	}
	var path string
	if self >= 0 {
		path = s.path(self)
	} else {
		path = s.childPath(parent, sg)
	}
	s.errs = append(s.errs, FieldError{Field: shortPath(path), Rule: rule, Param: param, Message: msg})
}

// keySet detects repeated keys: a short list while small, a map once it grows, so a body
// with many keys costs linear time.
type keySet struct {
	small []string
	big   map[string]struct{}
}

// add records key and reports whether it was already there.
func (ks *keySet) add(key string) (dup bool) {
	if ks.big != nil {
		_, dup = ks.big[key]
		ks.big[key] = struct{}{}
		return dup
	}
	if slices.Contains(ks.small, key) {
		return true
	}
	ks.small = append(ks.small, key)
	if len(ks.small) > 16 {
		ks.big = make(map[string]struct{}, 2*len(ks.small))
		for _, k := range ks.small {
			ks.big[k] = struct{}{}
		}
		ks.small = nil
	}
	return false
}
