package validate

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

// sharedValidator is the validator used without WithValidator. validator.Validate caches
// struct metadata and is safe for concurrent use once configured, so one instance serves every
// request.
var sharedValidator = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(jsonName)
	return v
})

// jsonName names a struct field by its JSON key in validator's FieldError.Field and
// Namespace, so errors read the way the client wrote the body.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// Struct validates any struct (or pointer to one) with its `validate` tags and returns the
// problems as Errors with JSON paths and English messages, like Decode. It returns nil when v
// is valid, and a plain error when v is not a struct (a programming error). The only option
// that applies is WithValidator.
func Struct(v any, opts ...Option) error {
	cfg := newConfig(opts)
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return errors.New("validate: Struct: the value must be a struct or a pointer to one")
	}
	errs, err := cfg.check(v, infoFor(t), nil, nil, false)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// check runs validator over v (a pointer to a struct of type ti) and appends its findings to
// errs as FieldErrors. With partial, only the paths present in the presence tree are
// validated. sc, when given, is the pre-pass that decoded v: it lets `required` accept present
// false and 0, drops findings about fields the pre-pass already reported, and lets structs
// deeper than cutDepth be validated by calls of their own (see filter.go).
func (c *config) check(v any, ti *typeInfo, sc *scanner, errs Errors, partial bool) (Errors, error) {
	if len(errs) > maxErrors {
		return errs, nil // the list is full: nothing validator finds could be listed
	}
	var nodes []node
	var idx childIndex
	root := cut{ti: ti, node: -1}
	canCut := sc != nil && sc.deepest > cutDepth
	if sc != nil {
		nodes = sc.nodes
		root.node = 0
	}
	prior := len(errs)
	if !partial && !canCut {
		// The common case: the whole value, no filter.
		return c.report(errs, c.validate().Struct(v), &root, nodes, &idx, prior, false)
	}
	fl := &filter{nodes: nodes, idx: &idx, partial: partial, canCut: canCut}
	fl.cuts = append(fl.cutBuf[:0], root)
	if canCut {
		fl.cuts[0].val = reflect.ValueOf(v).Elem()
		fl.strict = sc.bracketKeys
	}
	var err error
	for qi := 0; qi < len(fl.cuts) && len(errs) <= maxErrors; qi++ {
		target := v
		if qi > 0 {
			target = fl.cuts[qi].val.Interface()
		}
		// StructFiltered is StructPartial's general form (the same partial traversal inside
		// validator), asked per field instead of given a list of Go names. The list form
		// cannot say "this array was replaced, validate all of its elements" without
		// enumerating every element's fields, and would cost a map per request.
		fl.start(fl.cuts[qi])
		err = c.validate().StructFiltered(target, fl.skip)
		if errs, err = c.report(errs, err, &fl.cuts[qi], nodes, &idx, prior, partial); err != nil {
			return errs, err
		}
	}
	return errs, nil
}

// report appends the findings of one validator call over the struct ct (the validated value,
// or a cut below it, whose paths are relative to it) to errs.
func (c *config) report(errs Errors, err error, ct *cut, nodes []node, idx *childIndex, prior int, partial bool) (Errors, error) {
	if err == nil {
		return errs, nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return errs, err // InvalidValidationError: a programming error
	}
	isCut := ct.node > 0
	for _, fe := range ves {
		if len(errs) > maxErrors {
			break
		}
		ns := fe.StructNamespace()
		path, n, owner, ok := resolve(ct.ti, ns, nodes, ct.node, idx)
		if !ok {
			path = fallbackPath(fe)
		}
		if isCut {
			if ct.path == "" {
				ct.path = nodePath(nodes, ct.node)
			}
			path = joinPath(ct.path, path)
		}
		if prior > 0 && covered(errs[:prior], path) {
			continue // the pre-pass already reported this field (wrong type, null, ...)
		}
		if fe.Tag() == "required" && n >= 0 && !nodes[n].isNull() {
			if f := nodes[n].field; f != nil && f.presence {
				// Present false or 0: required is met, but validator stopped at it, so the
				// field's later rules (required,min=1) have not run yet.
				errs = c.checkAfterRequired(errs, fe.Value(), f.afterRequired, path)
				continue
			}
		}
		if partial && n >= 0 && nodes[n].isNull() && nodes[n].field == nil {
			continue // a null map entry of a patch deletes the key; its zero value is not data
		}
		param := fe.Param()
		if other, ok := otherField(ct.ti, fe.Tag(), param, ns, owner); ok {
			if isCut {
				other = joinPath(ct.path, other)
			}
			param = other
		}
		errs = addError(errs, FieldError{Field: path, Rule: fe.Tag(), Param: param, Message: ruleMessage(fe.Tag(), param, fe.Kind())})
	}
	return errs, nil
}

// joinPath appends the path rel, relative to a struct, to that struct's path.
func joinPath(base, rel string) string {
	if base == "" {
		return rel
	}
	if rel == "" {
		return base
	}
	return base + "." + rel
}

// otherField turns the parameter of a cross-field rule, a Go field name (eqfield: in the
// same struct; eqcsfield: a namespace from the top struct), into that field's JSON path, so
// that messages name fields the way the client knows them. owner is where the failing
// field's own name starts in its namespace ns.
func otherField(ti *typeInfo, tag, param, ns string, owner int) (string, bool) {
	var other string
	switch tag {
	case "eqfield", "nefield", "gtfield", "gtefield", "ltfield", "ltefield", "fieldcontains", "fieldexcludes":
		if owner < 0 {
			return "", false
		}
		other = ns[:owner] + param
	case "eqcsfield", "necsfield", "gtcsfield", "gtecsfield", "ltcsfield", "ltecsfield":
		other = param
		if name := ti.t.Name(); name != "" {
			other = name + "." + param
		}
	default:
		return "", false
	}
	path, _, _, ok := resolve(ti, other, nil, -1, nil)
	return path, ok && path != ""
}

// checkAfterRequired validates value, a present field whose `required` its presence met,
// against the rules that follow required in its tag.
func (c *config) checkAfterRequired(errs Errors, value any, rules, path string) Errors {
	if rules == "" {
		return errs
	}
	var ves validator.ValidationErrors
	if !errors.As(c.validate().Var(value, rules), &ves) {
		return errs
	}
	for _, fe := range ves {
		errs = addError(errs, FieldError{Field: path, Rule: fe.Tag(), Param: fe.Param(), Message: ruleMessage(fe.Tag(), fe.Param(), fe.Kind())})
	}
	return errs
}

// addError appends fe to errs, or the final "limit" entry once errs holds maxErrors problems.
func addError(errs Errors, fe FieldError) Errors {
	switch {
	case len(errs) < maxErrors:
		fe.Field = shortPath(fe.Field)
		return append(errs, fe)
	case len(errs) == maxErrors:
		return append(errs, truncatedError)
	}
	return errs
}

// fallbackPath turns validator's namespace (JSON names thanks to jsonName, or Go names with a
// custom validator) into a path in this package's style, for the rare namespace resolve
// cannot follow: without the leading type name, map keys sanitised like every other path.
func fallbackPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		ns = ns[i+1:]
	}
	var sb strings.Builder
	for i := 0; i < len(ns); {
		switch c := ns[i]; c {
		case '[':
			end := selectorEnd(ns, i+1)
			if end < 0 {
				end = len(ns)
			}
			inner := ns[i+1 : end]
			if _, err := strconv.Atoi(inner); err == nil && !strings.HasPrefix(inner, "+") && !strings.HasPrefix(inner, "-") {
				sb.WriteString("[" + inner + "]")
			} else {
				sb.WriteByte('.')
				sb.WriteString(safeKey(inner))
			}
			i = end + 1
		default:
			j := i
			for j < len(ns) && ns[j] != '[' {
				j++
			}
			sb.WriteString(safeKey(ns[i:j]))
			i = j
		}
	}
	return sb.String()
}

// selectorEnd finds the ']' that closes a selector whose content starts at i: the first one
// followed by '.', '[' or the end; -1 if none.
func selectorEnd[S ~string | ~[]byte](ns S, i int) int {
	for end := i; end < len(ns); end++ {
		if ns[end] == ']' && (end+1 == len(ns) || ns[end+1] == '.' || ns[end+1] == '[') {
			return end
		}
	}
	return -1
}

// childIndex finds the children of a node by map key or array index in constant time. It is
// built on first use per node: validator asks for map entries and array elements one by one,
// and a linear search of the siblings for each would make a large body cost quadratic time.
type childIndex map[int32]*children

type children struct {
	byKey   map[string]int32
	byIndex []int32 // node of element i; -1 for elements without one (scalars)
}

// resolve maps a validator struct namespace to the JSON path and, when nodes is given, the
// node of the value ( -1 when absent or not recorded). owner is the offset in ns where the
// name of the last struct field starts (-1 if none). idx, if not nil, speeds up lookups.
func resolve(ti *typeInfo, ns string, nodes []node, root int32, idx *childIndex) (path string, n int32, owner int, ok bool) {
	var sb strings.Builder
	w := walker{ti: ti, ns: []byte(ns), nodes: nodes, sb: &sb, owner: -1, idx: idx, root: root}
	ok = w.walk()
	return sb.String(), w.n, w.owner, ok
}

// walker follows a validator namespace through the type metadata and the presence tree,
// building the JSON path.
type walker struct {
	ti    *typeInfo
	ns    []byte
	nodes []node
	sb    *strings.Builder
	n     int32
	owner int         // offset in ns of the last field name walked
	idx   *childIndex // optional index of map entries and array elements
	root  int32       // node of the value ti describes, or -1
}

// walk consumes the namespace, builds the JSON path and reports whether every segment was
// understood.
func (w *walker) walk() bool {
	ns := w.ns
	cur := w.ti
	w.n = -1
	if len(w.nodes) > 0 {
		w.n = w.root
	}
	if name := cur.t.Name(); name != "" {
		if len(ns) <= len(name) || string(ns[:len(name)]) != name || ns[len(name)] != '.' {
			return false
		}
		ns = ns[len(name)+1:]
	}
	base := len(w.ns) - len(ns)
	i := 0
	for i < len(ns) {
		if cur = shapeOf(cur.deref()); cur == nil || cur.kind != kindStruct {
			return false
		}
		// A field name, possibly through promoted embedded structs ("Base.ID").
		start := i
		var f *fieldInfo
		for {
			for i < len(ns) && ns[i] != '.' && ns[i] != '[' {
				i++
			}
			goPath := ns[start:i]
			if f = cur.goPaths[string(goPath)]; f != nil {
				break
			}
			if !cur.groups[string(goPath)] {
				return false
			}
			if i >= len(ns) {
				return true // the embedded struct itself
			}
			if ns[i] != '.' {
				return false
			}
			i++
		}
		if w.sb.Len() > 0 {
			w.sb.WriteByte('.')
		}
		w.sb.WriteString(f.name)
		w.owner = base + start
		w.n = w.child(func(c *node) bool { return c.field == f })
		cur = f.typ
		// Element and map-key selectors: "[2]", "[key]".
		for i < len(ns) && ns[i] == '[' {
			end := i + 1 + selectorEnd(ns[i+1:], 0)
			if end <= i {
				return false
			}
			if c := shapeOf(cur.deref()); c != nil && c.kind == kindMap && w.n >= 0 {
				// A key may itself contain "]." or "]["; prefer the end that names a key the
				// body has.
				for e := end; e >= 0 && w.keyChild(string(ns[i+1:e])) < 0; {
					next := selectorEnd(ns, e+1)
					if next < 0 {
						break
					}
					if w.keyChild(string(ns[i+1:next])) >= 0 {
						end = next
						break
					}
					e = next
				}
			}
			inner := ns[i+1 : end]
			i = end + 1
			if cur = shapeOf(cur.deref()); cur == nil {
				return false
			}
			switch cur.kind {
			case kindArray:
				idx, err := strconv.Atoi(string(inner))
				if err != nil {
					return false
				}
				w.sb.WriteByte('[')
				w.sb.Write(inner)
				w.sb.WriteByte(']')
				w.n = w.elemChild(idx)
			case kindMap:
				w.sb.WriteByte('.')
				w.sb.WriteString(safeKey(string(inner)))
				w.n = w.keyChild(string(inner))
			default:
				return false
			}
			cur = cur.elem
		}
		if i < len(ns) {
			if ns[i] != '.' {
				return false
			}
			i++
		}
	}
	return true
}

// shapeOf returns, for a type with its own UnmarshalJSON or UnmarshalText (which the pre-pass
// does not look into), the metadata of its underlying shape, so that paths below it are JSON
// paths too; nil when it has none. Other types are returned as they are.
func shapeOf(cur *typeInfo) *typeInfo {
	if cur.kind != kindUnmarshaler && cur.kind != kindText {
		return cur
	}
	return cur.shape
}

// keyChild finds the child of the current node with key, or -1.
func (w *walker) keyChild(key string) int32 {
	if w.n < 0 || w.idx == nil {
		return w.child(func(c *node) bool { return c.key == key })
	}
	if c, ok := w.indexed().byKey[key]; ok {
		return c
	}
	return -1
}

// elemChild finds the node of element i of the current node, or -1.
func (w *walker) elemChild(i int) int32 {
	if w.n < 0 || w.idx == nil {
		return w.child(func(c *node) bool { return c.index == int32(i) })
	}
	if byIndex := w.indexed().byIndex; i >= 0 && i < len(byIndex) {
		return byIndex[i]
	}
	return -1
}

// indexed returns the index of the current node's children, building it on first use.
func (w *walker) indexed() *children {
	if *w.idx == nil {
		*w.idx = childIndex{}
	}
	ch := (*w.idx)[w.n]
	if ch != nil {
		return ch
	}
	ch = &children{}
	for c := w.nodes[w.n].first; c >= 0; c = w.nodes[c].next {
		nd := &w.nodes[c]
		if nd.index < 0 {
			if ch.byKey == nil {
				ch.byKey = map[string]int32{}
			}
			ch.byKey[nd.key] = c
			continue
		}
		for int32(len(ch.byIndex)) < nd.index { // elements are in order; scalars have no node
			ch.byIndex = append(ch.byIndex, -1)
		}
		ch.byIndex = append(ch.byIndex, c)
	}
	(*w.idx)[w.n] = ch
	return ch
}

// child finds the child of the current node that match selects, or -1.
func (w *walker) child(match func(*node) bool) int32 {
	if w.n < 0 {
		return -1
	}
	for c := w.nodes[w.n].first; c >= 0; c = w.nodes[c].next {
		if match(&w.nodes[c]) {
			return c
		}
	}
	return -1
}

// covered reports whether errs already has a problem at path or at a path above it.
func covered(errs Errors, path string) bool {
	for _, fe := range errs {
		if len(path) >= len(fe.Field) && path[:len(fe.Field)] == fe.Field && (len(path) == len(fe.Field) ||
			path[len(fe.Field)] == '.' || path[len(fe.Field)] == '[') {
			return true
		}
	}
	return false
}
