package validate

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// JSON paths in messages: "safety.valueAlignment", "items[2].sku", with client-sent keys made
// safe to print.

// path is the JSON path of node n: "safety.valueAlignment", "items[2].sku".
func (s *scanner) path(n int32) string {
	var segs []seg
	for ; n > 0; n = s.nodes[n].parent {
		nd := &s.nodes[n]
		segs = append(segs, seg{field: nd.field, key: nd.key, index: nd.index})
	}
	var sb strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		writeSeg(&sb, segs[i])
	}
	return sb.String()
}

// childPath is the path of a value without a node: sg below node parent.
func (s *scanner) childPath(parent int32, sg seg) string {
	var sb strings.Builder
	if parent > 0 {
		sb.WriteString(s.path(parent))
	}
	writeSeg(&sb, sg)
	return sb.String()
}

func writeSeg(sb *strings.Builder, sg seg) {
	switch {
	case sg.field != nil:
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(sg.field.name)
	case sg.index >= 0:
		sb.WriteByte('[')
		sb.WriteString(strconv.Itoa(int(sg.index)))
		sb.WriteByte(']')
	default:
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(safeKey(sg.key))
	}
}

// safeKey makes a client-sent key fit for messages and logs: at most 64 bytes, valid UTF-8,
// no control characters.
func safeKey(k string) string {
	const limit = 64
	clean := true
	for _, r := range k {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean && len(k) <= limit {
		return k
	}
	var sb strings.Builder
	for _, r := range k {
		if sb.Len()+utf8.RuneLen(r) > limit {
			sb.WriteString("…")
			break
		}
		if r == utf8.RuneError || unicode.IsControl(r) {
			r = '\uFFFD'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func jsonType(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
