package validate

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// kind is the JSON shape a Go type accepts, as encoding/json decodes it.
type kind uint8

const (
	kindAny         kind = iota // interface{} and anything encoding/json handles itself
	kindBool                    // bool
	kindInt                     // signed integers
	kindUint                    // unsigned integers
	kindFloat                   // float32, float64
	kindNumber                  // json.Number
	kindString                  // string
	kindBytes                   // []byte: base64 string
	kindStruct                  // struct: object with known keys
	kindMap                     // map: object with arbitrary keys
	kindArray                   // slice or array
	kindPtr                     // pointer: null or the element
	kindUnmarshaler             // implements json.Unmarshaler (time.Time included)
	kindText                    // implements encoding.TextUnmarshaler: string only
)

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonNumberType      = reflect.TypeFor[json.Number]()
	timeType            = reflect.TypeFor[time.Time]()
)

// typeInfo is the per-type metadata the pre-pass, the validation filter and Patch.Apply use.
// It is built once per type and cached; it is read-only afterwards.
type typeInfo struct {
	t        reflect.Type
	kind     kind
	nullable bool // null is meaningful (pointer, slice, map, interface)
	bits     int  // size of numeric kinds
	arrayLen int  // length of a Go array; -1 for slices
	elem     *typeInfo
	mapKey   reflect.Type
	// shape, for a type with its own UnmarshalJSON or UnmarshalText that is a struct, slice,
	// array or map underneath, is the metadata of that underlying shape. The pre-pass treats
	// such a value as opaque; shape lets validator's namespaces below it be read as JSON paths.
	shape *typeInfo

	// struct only
	fields   map[string]*fieldInfo // by exact JSON name
	fold     map[string]*fieldInfo // by case-folded JSON name, for "did you mean" hints
	list     []*fieldInfo          // in declaration order
	goPaths  map[string]*fieldInfo // by Go name path through promoted embedded structs ("Base.ID")
	groups   map[string]bool       // Go name paths of promoted embedded structs ("Base")
	bitWords int                   // uint64 words needed for a seen-set over list
}

// fieldInfo describes one JSON member of a struct.
type fieldInfo struct {
	name   string // JSON name
	goPath string // Go field names from the struct, through promoted embedded structs
	index  []int
	ord    int // position in typeInfo.list
	typ    *typeInfo
	quoted bool // `json:",string"`

	// presence: the field is a bool or a number whose `validate` tag has `required`, which
	// its presence in a body satisfies; afterRequired is the rest of the tag, still checked.
	presence      bool
	afterRequired string
}

var typeCache sync.Map // reflect.Type -> *typeInfo

// infoFor returns the cached metadata for t, building it (and that of every type it reaches)
// on first use.
func infoFor(t reflect.Type) *typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	b := &infoBuilder{seen: map[reflect.Type]*typeInfo{}}
	ti := b.build(t)
	// Publish everything built; a concurrent builder may have won for some types, which is
	// harmless: both copies are equivalent and immutable.
	for typ, info := range b.seen {
		typeCache.LoadOrStore(typ, info)
	}
	return ti
}

type infoBuilder struct {
	seen map[reflect.Type]*typeInfo
}

func (b *infoBuilder) build(t reflect.Type) *typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	if ti, ok := b.seen[t]; ok {
		return ti // recursive type: the pointer is filled in below
	}
	ti := &typeInfo{t: t, arrayLen: -1}
	b.seen[t] = ti
	k := t.Kind()
	ti.nullable = k == reflect.Pointer || k == reflect.Slice || k == reflect.Map || k == reflect.Interface

	if k == reflect.Pointer {
		ti.kind = kindPtr
		ti.elem = b.build(t.Elem())
		return ti
	}
	if t == jsonNumberType {
		ti.kind = kindNumber
		return ti
	}
	if t.Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		ti.kind = kindUnmarshaler
		// A type with its own UnmarshalJSON decides what null means (nullable wrappers are a
		// common pattern); time.Time would silently ignore it, so null stays an error there.
		ti.nullable = t != timeType
		ti.shape = b.plain(t)
		return ti
	}
	if t.Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		ti.kind = kindText
		ti.shape = b.plain(t)
		return ti
	}
	b.kindOf(ti)
	return ti
}

// plain returns the metadata of t as if it had no UnmarshalJSON or UnmarshalText method, for
// the composite kinds whose members validator reaches; nil for others.
func (b *infoBuilder) plain(t reflect.Type) *typeInfo {
	switch t.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
	default:
		return nil
	}
	ti := &typeInfo{t: t, arrayLen: -1}
	b.kindOf(ti)
	return ti
}

// kindOf fills in ti for a type without its own JSON or text decoding.
func (b *infoBuilder) kindOf(ti *typeInfo) {
	t := ti.t
	k := t.Kind()
	switch k {
	case reflect.Bool:
		ti.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		ti.kind, ti.bits = kindInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		ti.kind, ti.bits = kindUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		ti.kind, ti.bits = kindFloat, t.Bits()
	case reflect.String:
		ti.kind = kindString
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(jsonUnmarshalerType) &&
			!reflect.PointerTo(t.Elem()).Implements(textUnmarshalerType) {
			ti.kind = kindBytes
			return
		}
		ti.kind = kindArray
		ti.elem = b.build(t.Elem())
	case reflect.Array:
		ti.kind = kindArray
		ti.arrayLen = t.Len()
		ti.elem = b.build(t.Elem())
	case reflect.Map:
		kk := t.Key().Kind()
		switch {
		case kk == reflect.String,
			kk >= reflect.Int && kk <= reflect.Uintptr,
			reflect.PointerTo(t.Key()).Implements(textUnmarshalerType):
			ti.kind = kindMap
			ti.mapKey = t.Key()
			ti.elem = b.build(t.Elem())
		default:
			ti.kind = kindAny // encoding/json reports the unsupported type itself
		}
	case reflect.Struct:
		ti.kind = kindStruct
		b.structFields(ti)
	default:
		ti.kind = kindAny
	}
}

// structFields lists the JSON members of a struct following encoding/json's rules: exported
// fields, `json` tag names and options, promotion of untagged embedded structs, and the
// "dominant field" rule for conflicting names (shallowest wins; at equal depth a single
// tagged field wins; otherwise the name is dropped).
func (b *infoBuilder) structFields(ti *typeInfo) {
	type candidate struct {
		name   string
		goPath string
		index  []int
		typ    reflect.Type
		tagged bool
		quoted bool
		depth  int
		rules  string // the `validate` tag
	}
	type level struct {
		t      reflect.Type
		index  []int
		goPath string
		count  int // how often t is embedded at this depth
	}
	var cands []candidate
	groups := map[string]bool{}
	current := []level{{t: ti.t}}
	visited := map[reflect.Type]bool{}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		nextCount := map[reflect.Type]int{}
		for _, lv := range current {
			if visited[lv.t] {
				continue
			}
			visited[lv.t] = true
			for i := range lv.t.NumField() {
				sf := lv.t.Field(i)
				if sf.Anonymous {
					ft := sf.Type
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clip(lv.index), i)
				goPath := sf.Name
				if lv.goPath != "" {
					goPath = lv.goPath + "." + sf.Name
				}
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					groups[goPath] = true
					// As encoding/json: a struct embedded more than once at one depth is
					// explored once, and every field it promotes counts twice, so that the
					// dominance rule drops it as ambiguous.
					if nextCount[ft]++; nextCount[ft] == 1 {
						next = append(next, level{t: ft, index: index, goPath: goPath})
					}
					continue
				}
				quoted := false
				for o := range strings.SplitSeq(opts, ",") {
					if o == "string" {
						switch ft.Kind() {
						case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
							reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
							reflect.Float32, reflect.Float64, reflect.String:
							quoted = true
						}
					}
				}
				c := candidate{name: name, goPath: goPath, index: index, typ: sf.Type, tagged: name != "", quoted: quoted,
					depth: depth, rules: sf.Tag.Get("validate")}
				if c.name == "" {
					c.name = sf.Name
				}
				cands = append(cands, c)
				if lv.count > 1 {
					cands = append(cands, c)
				}
			}
		}
		for i := range next {
			next[i].count = nextCount[next[i].t]
		}
		current = next
	}

	byName := map[string][]int{}
	for i, c := range cands {
		byName[c.name] = append(byName[c.name], i)
	}
	ti.fields = map[string]*fieldInfo{}
	ti.fold = map[string]*fieldInfo{}
	ti.goPaths = map[string]*fieldInfo{}
	ti.groups = groups
	for i, c := range cands {
		if i > 0 && cands[i-1].goPath == c.goPath {
			continue // the copy of an ambiguous field
		}
		if !dominant(i, byName[c.name], func(j int) (int, bool) { return cands[j].depth, cands[j].tagged }) {
			continue
		}
		f := &fieldInfo{name: c.name, goPath: c.goPath, index: c.index, ord: len(ti.list), quoted: c.quoted}
		f.afterRequired, f.presence = presenceRule(c.typ, c.rules)
		ti.list = append(ti.list, f)
		ti.fields[f.name] = f
		if _, dup := ti.fold[foldName(f.name)]; !dup {
			ti.fold[foldName(f.name)] = f
		}
		ti.goPaths[f.goPath] = f
		f.typ = b.build(c.typ)
	}
	ti.bitWords = (len(ti.list) + 63) / 64
}

// presenceRule reports whether `required` in the validate tag rules of a field of type t is
// satisfied by the field's presence in a body, and returns the rules after it, which still
// apply. That holds for bool and number fields (false and 0 are values a client sends on
// purpose) unless a later rule compares the field with another one: those need the whole
// struct, so such a field keeps validator's meaning of required (non-zero).
func presenceRule(t reflect.Type, rules string) (after string, ok bool) {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
	default:
		return "", false
	}
	tags := strings.Split(rules, ",") // validator's own separator; a literal comma is 0x2C
	i := slices.Index(tags, "required")
	if i < 0 {
		return "", false
	}
	for _, tag := range tags[i+1:] {
		for alt := range strings.SplitSeq(tag, "|") {
			name, _, _ := strings.Cut(alt, "=")
			if strings.HasSuffix(name, "field") || strings.HasPrefix(name, "required_") ||
				strings.HasPrefix(name, "excluded_") || strings.HasPrefix(name, "skip_") ||
				name == "dive" || name == "keys" {
				return "", false
			}
		}
	}
	return strings.Join(tags[i+1:], ","), true
}

// dominant reports whether candidate i wins among the candidates sharing its name.
func dominant(i int, same []int, attr func(int) (depth int, tagged bool)) bool {
	if len(same) == 1 {
		return true
	}
	minDepth := -1
	for _, j := range same {
		if d, _ := attr(j); minDepth < 0 || d < minDepth {
			minDepth = d
		}
	}
	var top []int
	for _, j := range same {
		if d, _ := attr(j); d == minDepth {
			top = append(top, j)
		}
	}
	if len(top) == 1 {
		return top[0] == i
	}
	winner := -1
	for _, j := range top {
		if _, tagged := attr(j); tagged {
			if winner >= 0 {
				return false
			}
			winner = j
		}
	}
	return winner == i
}

// validTagName mirrors encoding/json's rule for usable tag names.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// foldName maps s so that foldName(a) == foldName(b) exactly when strings.EqualFold(a, b):
// every rune becomes the smallest rune of its case-folding orbit.
func foldName(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	var sb strings.Builder
	sb.Grow(len(s))
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			sb.WriteByte(c)
		}
		return sb.String()
	}
	for _, r := range s {
		lowest := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < lowest {
				lowest = f
			}
		}
		sb.WriteRune(lowest)
	}
	return sb.String()
}

// deref returns the non-pointer metadata below any pointers.
func (ti *typeInfo) deref() *typeInfo {
	for ti.kind == kindPtr {
		ti = ti.elem
	}
	return ti
}

// expected names the JSON shape a type accepts, for "expected ..." messages.
func (ti *typeInfo) expected() string {
	ti = ti.deref()
	switch ti.kind {
	case kindBool:
		return "boolean"
	case kindInt, kindUint:
		return "integer"
	case kindFloat, kindNumber:
		return "number"
	case kindString, kindBytes, kindText:
		return "string"
	case kindStruct, kindMap:
		return "object"
	case kindArray:
		return "array"
	case kindUnmarshaler:
		if ti.t == timeType {
			return "string"
		}
	}
	return "value"
}
