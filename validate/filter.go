package validate

import (
	"bytes"
	"reflect"
	"strconv"
)

// The validator filter of Decode and DecodePatch, and the cuts that bound validator's cost on
// deep bodies.
//
// validator calls the filter once per struct field, with the field's namespace of Go names
// ("Body.Child.Child.Items[0].Qty"), depth first. Walking every namespace from the top would
// cost O(depth) per call, O(depth²) per body on a self-referencing type; instead the filter
// keeps a stack of frames, one per struct prefix ("Body.Child."), each with what the walk
// found there, and only walks the part of a namespace after the deepest frame that still
// matches. Depth-first order means a frame that no longer applies is popped before any call
// could match it by accident, as long as map keys cannot fake a step boundary: when some key
// in the body contains a bracket, every frame is re-checked against the namespace, which the
// cuts below keep to at most cutDepth frames per call.
//
// validator also builds, for every failed field, a namespace string as long as the field is
// deep, and collects every failure before returning: a deep body with many failing leaves
// costs (failures × depth) bytes however short the list it ends in. So a struct more than
// cutDepth levels below the value being validated is cut off: validator skips its fields,
// and the struct is validated by a call of its own afterwards, whose namespaces start at it.
// Calls stop once the error list is full.

// cutDepth is how many struct levels one validator call descends before the structs below
// are validated by calls of their own.
const cutDepth = 32

// frame is the state of the filter's walk at a namespace prefix ending in '.'.
type frame struct {
	start, end int    // ns[start:end] is the step from the frame below ("Child.", "Items[0].")
	step       []byte // a copy of that step
	cur        *typeInfo
	n          int32         // presence node of the value, or -1
	val        reflect.Value // the value, when reachable (for cuts)
	under      bool          // inside a value that is present whole (patch): all of it is validated
	level      int           // struct levels below the validated value
	cut        bool          // this struct is validated by a call of its own
}

// cut is a struct validated by a validator call of its own.
type cut struct {
	val   reflect.Value
	ti    *typeInfo
	node  int32
	under bool
	path  string // JSON path of the struct, once known
}

// filter is the state of the filter of one check: the validator call over the value, then
// one call per cut.
type filter struct {
	nodes   []node
	idx     *childIndex
	partial bool
	strict  bool // re-check every frame (some map key contains a bracket)
	canCut  bool
	cuts    []cut // cuts[0] is the value itself
	frames  []frame
	root    string // the type name that starts every namespace of the current call
	work    int    // frames compared or walked, for tests of linearity

	cutBuf   [1]cut
	frameBuf [2]frame
}

func (fl *filter) start(root cut) {
	if fl.frames == nil {
		fl.frames = fl.frameBuf[:0]
	}
	fl.frames = fl.frames[:0]
	f := frame{cur: root.ti, n: root.node, val: root.val, under: root.under}
	if fl.root = root.ti.t.Name(); fl.root != "" {
		f.end = len(fl.root) + 1
	}
	fl.frames = append(fl.frames, f)
}

// skip is the StructFiltered filter: it reports whether validator skips the field at ns.
func (fl *filter) skip(ns []byte) bool {
	p := bytes.LastIndexByte(ns, '.') + 1 // the field's name follows the last '.'
	if root := &fl.frames[0]; p < root.end || string(ns[:len(fl.root)]) != fl.root || (root.end > 0 && ns[root.end-1] != '.') {
		return false // not a namespace this filter understands: validate
	}
	// Drop frames that are not prefixes of ns.
	for len(fl.frames) > 1 {
		top := &fl.frames[len(fl.frames)-1]
		fl.work++
		if top.end <= p && bytes.Equal(ns[top.start:top.end], top.step) {
			if !fl.strict {
				break
			}
			ok := true
			for i := len(fl.frames) - 2; i > 0 && ok; i-- {
				f := &fl.frames[i]
				ok = bytes.Equal(ns[f.start:f.end], f.step)
				fl.work++
			}
			if ok {
				break
			}
		}
		fl.frames = fl.frames[:len(fl.frames)-1]
	}
	// Extend them up to the field's struct.
	for {
		top := &fl.frames[len(fl.frames)-1]
		if top.end == p || top.cut {
			break
		}
		next, ok := fl.extend(ns, top, p)
		fl.work++
		if !ok {
			break
		}
		fl.frames = append(fl.frames, next)
	}
	top := &fl.frames[len(fl.frames)-1]
	if top.cut {
		return true
	}
	if fl.canCut && top.level >= cutDepth && top.end == p && top.n >= 0 && top.val.IsValid() &&
		top.val.CanInterface() && top.cur.deref().kind == kindStruct {
		top.cut = true
		v := top.val
		for v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Struct {
			fl.cuts = append(fl.cuts, cut{val: v, ti: top.cur.deref(), node: top.n, under: top.under})
			return true
		}
		top.cut = false
	}
	if !fl.partial || top.under {
		return false
	}
	return !fl.present(top, ns[top.end:], top.end == p)
}

// present is the patch decision for the field named rest (Go names, possibly through promoted
// embedded structs: "Base.ID") below frame f. exact is false when the walk could not reach
// the field's struct; then the field is validated rather than risk skipping it.
func (fl *filter) present(f *frame, rest []byte, exact bool) bool {
	if f.n < 0 {
		return false
	}
	if !fl.nodes[f.n].isObject() {
		return true // a present value that replaces the old one whole
	}
	cur := f.cur.deref()
	if cur.kind == kindUnmarshaler || cur.kind == kindText {
		return true // opaque: validated whole
	}
	if cur.kind != kindStruct {
		return true
	}
	// rest is a field's Go path, through promoted embedded structs ("Base.ID") when the walk
	// stopped at them.
	if fi := cur.goPaths[string(rest)]; fi != nil {
		return fl.child(f.n, func(c *node) bool { return c.field == fi }) >= 0
	}
	if cur.groups[string(rest)] {
		// The embedded struct itself: present when any promoted member is.
		prefix := string(rest) + "."
		return fl.child(f.n, func(c *node) bool {
			return c.field != nil && len(c.field.goPath) > len(prefix) && c.field.goPath[:len(prefix)] == prefix
		}) >= 0
	}
	return !exact
}

// extend walks one step ("Child.", "Items[0].", "Base.Inner." is not one: embedded struct
// names are part of the field's step) of ns after frame f, not past p.
func (fl *filter) extend(ns []byte, f *frame, p int) (frame, bool) {
	next := frame{start: f.end, n: -1, under: f.under, level: f.level + 1}
	cur := f.cur.deref()
	n, val := f.n, f.val
	if n >= 0 && !fl.nodes[n].isObject() {
		next.under = true
	}
	if cur.kind == kindUnmarshaler || cur.kind == kindText {
		next.under = next.under || n >= 0 // a present opaque value is validated whole
		if cur = cur.shape; cur == nil {
			return next, false
		}
		n = -1
	}
	if cur.kind != kindStruct {
		return next, false
	}
	i, start := f.end, f.end
	var fi *fieldInfo
	for {
		for i < p && ns[i] != '.' && ns[i] != '[' {
			i++
		}
		if i >= p {
			return next, false
		}
		gp := ns[start:i]
		if fi = cur.goPaths[string(gp)]; fi != nil {
			break
		}
		if !cur.groups[string(gp)] || ns[i] != '.' {
			return next, false
		}
		i++
	}
	if n >= 0 {
		n = fl.child(n, func(c *node) bool { return c.field == fi })
	}
	val = fieldValue(val, fi.index)
	cur = fi.typ
	for i < p && ns[i] == '[' {
		end := selectorEnd(ns, i+1)
		if end < 0 || end >= p {
			return next, false
		}
		cur = cur.deref()
		if n >= 0 && !fl.nodes[n].isObject() {
			next.under = true // arrays and scalars are replaced whole
		}
		if cur.kind == kindUnmarshaler || cur.kind == kindText {
			next.under = next.under || n >= 0
			if cur = cur.shape; cur == nil {
				return next, false
			}
			n = -1
		}
		val = deref(val)
		switch cur.kind {
		case kindArray:
			k, err := strconv.Atoi(string(ns[i+1 : end]))
			if err != nil {
				return next, false
			}
			if n >= 0 {
				n = elemOf(fl.nodes, fl.idx, n, k)
			}
			if val.IsValid() && k >= 0 && k < val.Len() {
				val = val.Index(k)
			} else {
				val = reflect.Value{}
			}
		case kindMap:
			if n >= 0 {
				// A key may itself contain "]." or "]["; prefer the end that names a key
				// the body has.
				c := keyOf(fl.nodes, fl.idx, n, string(ns[i+1:end]))
				for e := end; c < 0; {
					e = selectorEnd(ns, e+1)
					if e < 0 || e >= p {
						break
					}
					if c2 := keyOf(fl.nodes, fl.idx, n, string(ns[i+1:e])); c2 >= 0 {
						c, end = c2, e
					}
				}
				if c < 0 {
					// validator spells the key differently from the body ("7" for "07"):
					// validate the entry whole rather than risk skipping it.
					next.under = true
				}
				n = c
			}
			if val.IsValid() && n >= 0 {
				if k, ok := mapKey(cur.mapKey, fl.nodes[n].key); ok {
					val = val.MapIndex(k)
				} else {
					val = reflect.Value{}
				}
			} else {
				val = reflect.Value{}
			}
		default:
			return next, false
		}
		cur = cur.elem
		i = end + 1
	}
	if i >= p || ns[i] != '.' {
		return next, false
	}
	next.end = i + 1
	next.step = bytes.Clone(ns[next.start:next.end])
	next.cur, next.n, next.val = cur, n, val
	return next, true
}

// child finds the child of node n that match selects, or -1.
func (fl *filter) child(n int32, match func(*node) bool) int32 {
	for c := fl.nodes[n].first; c >= 0; c = fl.nodes[c].next {
		if match(&fl.nodes[c]) {
			return c
		}
	}
	return -1
}

// fieldValue follows index from the struct v (or a pointer to one), through embedded struct
// pointers; the zero Value where a pointer is nil or v is invalid.
func fieldValue(v reflect.Value, index []int) reflect.Value {
	for _, x := range index {
		v = deref(v)
		if !v.IsValid() || v.Kind() != reflect.Struct {
			return reflect.Value{}
		}
		v = v.Field(x)
	}
	return v
}

// deref follows pointers and interfaces; the zero Value at a nil one.
func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// keyOf finds the child of node n with key, or -1.
func keyOf(nodes []node, idx *childIndex, n int32, key string) int32 {
	w := walker{nodes: nodes, idx: idx, n: n}
	return w.keyChild(key)
}

// elemOf finds the node of element i of node n, or -1.
func elemOf(nodes []node, idx *childIndex, n int32, i int) int32 {
	w := walker{nodes: nodes, idx: idx, n: n}
	return w.elemChild(i)
}
