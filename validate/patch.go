package validate

import (
	"encoding"
	"reflect"
	"strconv"
	"strings"
)

// Patch is a validated partial update of a T, from DecodePatch. It knows which fields the body
// contained (and which were null), so a handler can tell "absent" from "set to the zero value"
// and apply exactly what the client sent.
//
// Paths are JSON names joined with dots: "name", "safety.valueAlignment", "labels.team" (a map
// key). Arrays are values, not containers of fields: "tags" is a field, "tags[0]" is not.
type Patch[T any] struct {
	value T
	ti    *typeInfo
	nodes []node // presence tree; nodes[0] is the body object
}

// Value returns the decoded body: present fields hold what the client sent, absent fields
// their zero value. Use Has to tell the two apart.
func (p *Patch[T]) Value() T { return p.value }

// Has reports whether the body contained the field at path, null included:
// Has("name"), Has("safety.valueAlignment"). A map key that is empty or contains a dot cannot
// be named in a path; such keys are still applied by Apply.
func (p *Patch[T]) Has(path string) bool { return p.lookup(path) >= 0 }

// IsNull reports whether the body set the field at path to null (which clears it).
func (p *Patch[T]) IsNull(path string) bool {
	n := p.lookup(path)
	return n >= 0 && p.nodes[n].isNull()
}

// Fields lists the paths present in the body, in body order, each object before its members:
// ["name", "safety", "safety.valueAlignment"]. Keys ignored under AllowUnknownFields are not
// listed. Paths share their text where one is a prefix of another ("child",
// "child.child", ...), so a deeply nested body does not cost the square of its depth.
func (p *Patch[T]) Fields() []string {
	if len(p.nodes) == 0 {
		return nil
	}
	listed := func(n int32) bool { return n > 0 && p.nodes[n].index < 0 } // array elements are part of their array's value
	name := func(n int32) string {
		if f := p.nodes[n].field; f != nil {
			return f.name
		}
		return p.nodes[n].key
	}
	// lens[n] is the length of node n's path; text[n] its path, once written.
	lens := make([]int, len(p.nodes))
	text := make([]string, len(p.nodes))
	out := make([]string, 0, len(p.nodes)-1)
	// lastObject is the last listed member of n that is an object with members, or -1.
	lastObject := func(n int32) int32 {
		last := int32(-1)
		for c := p.nodes[n].first; c >= 0; c = p.nodes[c].next {
			if listed(c) && p.nodes[c].isObject() && p.nodes[c].first >= 0 {
				last = c
			}
		}
		return last
	}
	// write gives text to n and to the chain of last objects below it, all prefixes of one
	// string: the path of the chain's end.
	write := func(n int32) {
		end := n
		for c := lastObject(end); c >= 0; c = lastObject(end) {
			lens[c] = lens[end] + 1 + len(name(c))
			end = c
		}
		buf := make([]byte, lens[end])
		for m := end; m > 0; m = p.nodes[m].parent {
			nm := name(m)
			at := lens[m] - len(nm)
			copy(buf[at:], nm)
			if at > 0 {
				buf[at-1] = '.'
			}
		}
		s := string(buf)
		for m := end; ; m = p.nodes[m].parent {
			text[m] = s[:lens[m]]
			if m == n {
				break
			}
		}
	}
	var walk func(n int32)
	walk = func(n int32) {
		for c := p.nodes[n].first; c >= 0; c = p.nodes[c].next {
			if !listed(c) {
				continue
			}
			if text[c] == "" {
				lens[c] = len(name(c))
				if n > 0 {
					lens[c] += lens[n] + 1
				}
				write(c)
			}
			out = append(out, text[c])
			if p.nodes[c].isObject() {
				walk(c)
			}
		}
	}
	walk(0)
	if len(out) == 0 {
		return nil
	}
	return out
}

func (p *Patch[T]) lookup(path string) int32 {
	if len(p.nodes) == 0 || path == "" {
		return -1
	}
	n := int32(0)
	for part := range strings.SplitSeq(path, ".") {
		if !p.nodes[n].isObject() {
			return -1
		}
		found := int32(-1)
		for c := p.nodes[n].first; c >= 0; c = p.nodes[c].next {
			nd := &p.nodes[c]
			if nd.index < 0 && ((nd.field != nil && nd.field.name == part) || (nd.field == nil && nd.key == part)) {
				found = c
				break
			}
		}
		if found < 0 {
			return -1
		}
		n = found
	}
	return n
}

// Apply copies exactly the fields present in the body onto dst, with RFC 7396 (JSON merge
// patch) semantics: a present object is merged into the existing struct or map field, member
// by member; arrays and scalars replace the old value; null clears a field (nil pointer, slice
// or map) or deletes a map key. A field whose type has its own UnmarshalJSON gets whatever
// that method made of null. Absent fields are left alone.
//
// Apply does not modify values dst only points to: a pointer, map or slice it changes is
// replaced by a fresh copy, so data shared with other values stays intact. That includes a
// pointer to an embedded struct through which a promoted field is set.
func (p *Patch[T]) Apply(dst *T) {
	if dst == nil {
		panic("validate: Patch.Apply: dst must not be nil")
	}
	if len(p.nodes) == 0 {
		return
	}
	src := reflect.ValueOf(&p.value).Elem()
	p.mergeStruct(reflect.ValueOf(dst).Elem(), src, p.ti, 0)
}

// mergeStruct applies the members of object node n of struct type ti.
func (p *Patch[T]) mergeStruct(dst, src reflect.Value, ti *typeInfo, n int32) {
	var copied map[uintptr]bool // embedded pointers already replaced by fresh copies
	for c := p.nodes[n].first; c >= 0; c = p.nodes[c].next {
		f := p.nodes[c].field
		if f == nil {
			continue
		}
		if len(f.index) > 1 && copied == nil {
			copied = map[uintptr]bool{}
		}
		d, ok := settableField(dst, f.index, copied)
		if !ok {
			continue
		}
		s, err := src.FieldByIndexErr(f.index)
		if err != nil {
			continue
		}
		p.set(d, s, f.typ, c)
	}
}

// set applies node n, decoded into src, onto dst (both of type ti).
func (p *Patch[T]) set(dst, src reflect.Value, ti *typeInfo, n int32) {
	nd := &p.nodes[n]
	if nd.isNull() {
		if ti.kind == kindUnmarshaler {
			dst.Set(src) // what the type's UnmarshalJSON made of null
		} else {
			dst.SetZero()
		}
		return
	}
	switch ti.kind {
	case kindPtr:
		if src.IsNil() {
			dst.SetZero()
			return
		}
		// A fresh pointee: neither the patch nor other holders of dst's pointer see changes.
		fresh := reflect.New(ti.t.Elem())
		if nd.isObject() && !dst.IsNil() {
			fresh.Elem().Set(dst.Elem())
		}
		p.set(fresh.Elem(), src.Elem(), ti.elem, n)
		dst.Set(fresh)
		return
	case kindStruct:
		if nd.isObject() {
			p.mergeStruct(dst, src, ti, n)
			return
		}
	case kindMap:
		if nd.isObject() {
			p.mergeMap(dst, src, ti, n)
			return
		}
	case kindAny:
		if nd.isObject() {
			// RFC 7396: an object merges into the old value when that is an object, into {}
			// otherwise; either way its nulls delete, they are not stored.
			if sm, ok := src.Interface().(map[string]any); ok {
				dm, _ := dst.Interface().(map[string]any) // nil unless the old value is an object
				dst.Set(reflect.ValueOf(p.mergeAny(dm, sm, n)))
				return
			}
		}
	}
	dst.Set(copyValue(src))
}

// mergeMap merges object node n into a copy of the map dst.
func (p *Patch[T]) mergeMap(dst, src reflect.Value, ti *typeInfo, n int32) {
	m := reflect.MakeMapWithSize(ti.t, dst.Len())
	if !dst.IsNil() {
		iter := dst.MapRange()
		for iter.Next() {
			m.SetMapIndex(iter.Key(), iter.Value())
		}
	}
	for c := p.nodes[n].first; c >= 0; c = p.nodes[c].next {
		nd := &p.nodes[c]
		k, ok := mapKey(ti.mapKey, nd.key)
		if !ok {
			continue
		}
		if nd.isNull() {
			m.SetMapIndex(k, reflect.Value{})
			continue
		}
		sv := src.MapIndex(k)
		if !sv.IsValid() {
			continue
		}
		elem := reflect.New(ti.t.Elem()).Elem()
		if old := m.MapIndex(k); old.IsValid() {
			elem.Set(old)
		}
		p.set(elem, sv, ti.elem, c)
		m.SetMapIndex(k, elem)
	}
	dst.Set(m)
}

// mergeAny merges object node n into a copy of the free-form object dst.
func (p *Patch[T]) mergeAny(dst, src map[string]any, n int32) map[string]any {
	out := make(map[string]any, len(dst)+len(src))
	for k, v := range dst {
		out[k] = v
	}
	for c := p.nodes[n].first; c >= 0; c = p.nodes[c].next {
		nd := &p.nodes[c]
		switch {
		case nd.isNull():
			delete(out, nd.key)
		case nd.isObject():
			old, _ := out[nd.key].(map[string]any)
			sv, _ := src[nd.key].(map[string]any)
			out[nd.key] = p.mergeAny(old, sv, c)
		default:
			out[nd.key] = src[nd.key]
		}
	}
	return out
}

// settableField returns the field at index. An embedded struct pointer on the way is replaced
// by a pointer to a fresh copy of its struct (a new zero struct when nil, as encoding/json
// allocates), so that a struct other values share is never written; copied records the
// pointers already replaced during this Apply, so each is copied once. ok is false where a
// pointer cannot be replaced (unexported embedded types).
func settableField(v reflect.Value, index []int, copied map[uintptr]bool) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if !v.CanSet() {
				return reflect.Value{}, false
			}
			if v.IsNil() || !copied[v.Pointer()] {
				fresh := reflect.New(v.Type().Elem())
				if !v.IsNil() {
					fresh.Elem().Set(v.Elem())
				}
				v.Set(fresh)
				copied[fresh.Pointer()] = true
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, v.CanSet()
}

// mapKey converts an object key to a map key of type kt as encoding/json does.
func mapKey(kt reflect.Type, key string) (reflect.Value, bool) {
	if reflect.PointerTo(kt).Implements(textUnmarshalerType) {
		k := reflect.New(kt)
		if k.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(key)) != nil {
			return reflect.Value{}, false
		}
		return k.Elem(), true
	}
	k := reflect.New(kt).Elem()
	switch kt.Kind() {
	case reflect.String:
		k.SetString(key)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(key, 10, kt.Bits())
		if err != nil {
			return reflect.Value{}, false
		}
		k.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u, err := strconv.ParseUint(key, 10, kt.Bits())
		if err != nil {
			return reflect.Value{}, false
		}
		k.SetUint(u)
	default:
		return reflect.Value{}, false
	}
	return k, true
}

// copyValue returns src, with a slice copied so dst and the patch do not share an array.
func copyValue(src reflect.Value) reflect.Value {
	if src.Kind() == reflect.Slice && !src.IsNil() {
		c := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		reflect.Copy(c, src)
		return c
	}
	return src
}
