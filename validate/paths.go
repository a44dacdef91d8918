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
func (s *scanner) path(n int32) string { return nodePath(s.nodes, n) }

// maxPathLen bounds the length of a path in an error: a longer one keeps its last segments
// after "…". Only a body nested far deeper than any real document reaches it; without the
// bound, a hostile body could make each of the 100 problems carry a path of many kilobytes.
const maxPathLen = 1024

// nodePath is the JSON path of node n of a presence tree, shortened to maxPathLen. It is
// written back to front into one buffer, so a deep node costs no more than the bound.
func nodePath(nodes []node, n int32) string {
	size, top := 0, int32(0) // top: the shallowest node whose segment fits
	for m := n; m > 0; m = nodes[m].parent {
		l := segText(&nodes[m], nil)
		if size+l > maxPathLen-len(ellipsis) && nodes[m].parent > 0 {
			top = m
			break
		}
		size += l
	}
	if top > 0 {
		size += len(ellipsis)
	}
	buf := make([]byte, size)
	end := size
	for m := n; m > 0 && m != top; m = nodes[m].parent {
		end -= segText(&nodes[m], buf[:end])
	}
	if top > 0 {
		copy(buf, ellipsis) // the segment after it keeps its separator: "….child.name"
	} else if size > 0 && buf[0] == '.' {
		buf = buf[1:]
	}
	return string(buf)
}

const ellipsis = "…"

// shortPath applies maxPathLen to a path built elsewhere, keeping its end.
func shortPath(p string) string {
	if len(p) <= maxPathLen {
		return p
	}
	cut := len(p) - (maxPathLen - len(ellipsis))
	for cut < len(p) && p[cut] != '.' && p[cut] != '[' { // keep whole segments: "….child.name"
		cut++
	}
	return ellipsis + p[cut:]
}

// segText returns the length of node nd's segment with its separator (".name", "[2]",
// ".key"). With dst, it also writes that text at the end of dst.
func segText(nd *node, dst []byte) int {
	var name string
	switch {
	case nd.field != nil:
		name = nd.field.name
	case nd.index >= 0:
		var digits [12]byte
		d := strconv.AppendInt(digits[:0], int64(nd.index), 10)
		if dst != nil {
			at := len(dst) - len(d) - 2
			dst[at] = '['
			copy(dst[at+1:], d)
			dst[len(dst)-1] = ']'
		}
		return len(d) + 2
	default:
		name = safeKey(nd.key)
	}
	if dst != nil {
		at := len(dst) - len(name) - 1
		dst[at] = '.'
		copy(dst[at+1:], name)
	}
	return len(name) + 1
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
