package envcfg

import (
	"encoding"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/sethvargo/go-envconfig"
)

// Struct tags read by envcfg besides go-envconfig's env tag and validator's
// validate tag.
const (
	// descTag documents a variable: `desc:"Port the HTTP server listens on"`.
	descTag = "desc"
	// envcfgTag carries envcfg's own options: "devdefault" (a secret's default
	// is for development only) and "optional" (a secret may be empty even in
	// production). Options are comma-separated.
	envcfgTag = "envcfg"
)

// variable is one environment variable of a configuration struct, in struct
// order, with everything Load, WriteExample and Usage need to know about it.
type variable struct {
	name     string       // full environment variable name, prefixes included
	key      string       // the env tag's name, without prefixes
	fileVar  string       // name + "_FILE"
	pos      int          // index in plan.vars
	goPath   string       // Go field path from the root, "DB.Host"
	index    []int        // field index path from the root struct
	typ      reflect.Type // the field's declared type
	rawTag   string       // the env tag as written
	def      string       // default= value ("" when none)
	required bool         // env "required", own or inherited
	delim    string       // effective delimiter for slices and maps
	sep      string       // effective separator for maps
	noInit   bool
	decUnset bool
	desc     string
	validate string
	secret   bool // a Secret, or a list or map of them
	secrets  bool // a list or map of Secret
	hasInt   bool // go-envconfig parses an integer in it (checkDecimal)
	devDef   bool // envcfg:"devdefault"
	optional bool // envcfg:"optional"
	// synth is a one-field struct type with the same field type and the same
	// env tag options (key renamed), decoded by go-envconfig on its own so
	// that one bad variable cannot hide the others.
	synth reflect.Type
}

// plan is the analysis of one configuration struct type.
type plan struct {
	root     reflect.Type
	vars     []*variable
	byGoPath map[string]*variable
	byName   map[string]*variable
	// defProblems are errors in the struct definition (ErrDefinition).
	defProblems []Problem
	// noInitPtrs are paths of nested struct pointers marked noinit, deepest
	// first: Load sets them back to nil when nothing below them was set.
	noInitPtrs [][]int
}

// plans caches the analysis per struct type: the struct's tags cannot change
// at run time, and Load usually runs once, but tests and tools call it often.
var plans sync.Map // reflect.Type -> *plan

var secretType = reflect.TypeFor[Secret]()

func planFor(t reflect.Type) (*plan, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("envcfg: configuration must be a struct, not %s", t)
	}
	if p, ok := plans.Load(t); ok {
		return p.(*plan), nil
	}
	p := &plan{root: t, byGoPath: map[string]*variable{}, byName: map[string]*variable{}}
	w := walker{p: p, seen: map[reflect.Type]bool{}}
	w.walk(t, nil, "", "", inherited{delim: ",", sep: ":"})
	for _, v := range p.vars {
		if prev, ok := p.byName[v.name]; ok && prev != v {
			p.defProblems = append(p.defProblems, Problem{Var: v.name, Err: ErrDefinition,
				Message: fmt.Sprintf("is declared twice (fields %s and %s)", prev.goPath, v.goPath)})
			continue
		}
		p.byName[v.name] = v
	}
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*plan), nil
}

// inherited are the options a nested struct's env tag passes to its fields.
type inherited struct {
	delim, sep               string
	noInit, decUnset, requir bool
}

type walker struct {
	p    *plan
	seen map[reflect.Type]bool
}

func (w *walker) defProblem(name, msg string) {
	w.p.defProblems = append(w.p.defProblems, Problem{Var: name, Message: msg, Err: ErrDefinition})
}

func (w *walker) walk(t reflect.Type, index []int, goPrefix, envPrefix string, in inherited) {
	if w.seen[t] {
		w.defProblem(strings.TrimSuffix(goPrefix, "."), "struct type "+t.String()+" is recursive")
		return
	}
	w.seen[t] = true
	defer delete(w.seen, t)

	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("env")
		goPath := goPrefix + f.Name
		idx := append(append([]int(nil), index...), i)

		if !f.IsExported() {
			if hasTag && tag != "" {
				w.defProblem(goPath, "has an env tag but is unexported; export the field")
			}
			continue
		}
		opts, err := parseEnvTag(tag)
		if err != nil {
			w.defProblem(goPath, err.Error())
			continue
		}
		local := in
		if opts.delim != "" {
			local.delim = opts.delim
		}
		if opts.sep != "" {
			local.sep = opts.sep
		}
		local.noInit = in.noInit || opts.noInit
		local.decUnset = in.decUnset || opts.decUnset
		local.requir = in.requir || opts.required

		if opts.noInit && !nillable(f.Type.Kind()) {
			w.defProblem(goPath, "noinit is only allowed on pointer, slice and map fields")
			continue
		}

		// Dereference pointers; a named pointer type can point to itself
		// (type P *P), so give up after a depth no real type reaches.
		base := f.Type
		for depth := 0; base.Kind() == reflect.Pointer && depth < 32; depth++ {
			base = base.Elem()
		}
		if base.Kind() == reflect.Pointer {
			w.defProblem(goPath, "pointer type "+f.Type.String()+" is recursive")
			continue
		}

		// Structs without a decoder are descended into, with their prefix.
		if base.Kind() == reflect.Struct && !(opts.key != "" && isDecoder(base)) {
			w.walk(base, idx, goPath+".", envPrefix+opts.prefix, local)
			// Appended after the walk: deeper pointers come first.
			if f.Type.Kind() == reflect.Pointer && local.noInit {
				w.p.noInitPtrs = append(w.p.noInitPtrs, idx)
			}
			continue
		}
		if opts.prefix != "" {
			w.defProblem(goPath, "prefix is only valid on struct fields")
			continue
		}
		if !hasTag || tag == "" {
			continue
		}
		if opts.key == "" {
			w.defProblem(goPath, "env tag has no variable name")
			continue
		}
		if k := base.Kind(); k == reflect.Func || k == reflect.Chan || k == reflect.UnsafePointer || k == reflect.Interface {
			w.defProblem(goPath, "cannot be read from the environment (type "+f.Type.String()+")")
			continue
		}
		v := &variable{
			name:     envPrefix + opts.key,
			key:      opts.key,
			fileVar:  envPrefix + opts.key + "_FILE",
			goPath:   goPath,
			index:    idx,
			typ:      f.Type,
			rawTag:   tag,
			def:      opts.def,
			required: local.requir,
			delim:    local.delim,
			sep:      local.sep,
			noInit:   local.noInit,
			decUnset: local.decUnset,
			desc:     f.Tag.Get(descTag),
			validate: f.Tag.Get("validate"),
			secret:   base == secretType,
			hasInt:   hasInteger(f.Type, 0),
		}
		if k := base.Kind(); k == reflect.Slice || k == reflect.Array || k == reflect.Map {
			e := base.Elem()
			for e.Kind() == reflect.Pointer {
				e = e.Elem()
			}
			v.secret, v.secrets = e == secretType, e == secretType
		}
		if v.required && v.def != "" {
			w.defProblem(v.name, "is both required and has a default; choose one")
			continue
		}
		if bad := v.envcfgOptions(f.Tag.Get(envcfgTag)); bad != "" {
			w.defProblem(v.name, fmt.Sprintf("unknown envcfg tag option %q (want devdefault or optional)", bad))
			continue
		}
		if v.secret && v.def != "" && !v.devDef {
			w.defProblem(v.name, `is a secret with a default; secrets may only have a development default, marked envcfg:"devdefault"`)
			continue
		}
		if (v.devDef || v.optional) && !v.secret {
			w.defProblem(v.name, `envcfg:"devdefault" and envcfg:"optional" apply only to Secret fields`)
			continue
		}
		// The synthetic field keeps the tag's options verbatim (everything
		// after the key), so go-envconfig applies exactly the semantics it
		// would apply in place: defaults with $VAR expansion, delimiters,
		// decoders, noinit, decodeunset.
		synthTag := synthKey
		if c := strings.IndexByte(tag, ','); c >= 0 {
			synthTag += tag[c:]
		}
		v.synth = reflect.StructOf([]reflect.StructField{{
			Name: "V",
			Type: f.Type,
			Tag:  reflect.StructTag(`env:` + strconv.Quote(synthTag)),
		}})
		v.pos = len(w.p.vars)
		w.p.vars = append(w.p.vars, v)
		w.p.byGoPath[goPath] = v
	}
}

// envcfgOptions applies the envcfg tag's options and returns the first
// unknown one.
func (v *variable) envcfgOptions(tag string) string {
	for _, o := range strings.Split(tag, ",") {
		switch o = strings.TrimSpace(o); o {
		case "":
		case "devdefault":
			v.devDef = true
		case "optional":
			v.optional = true
		default:
			return o
		}
	}
	return ""
}

// synthKey is the variable name of the one-field synthetic structs. The
// lookuper given to go-envconfig answers it with the variable's own value.
const synthKey = "ENVCFG_V"

func nillable(k reflect.Kind) bool {
	return k == reflect.Pointer || k == reflect.Slice || k == reflect.Map || k == reflect.UnsafePointer
}

var (
	decoderCtxType = reflect.TypeFor[envconfig.DecoderCtx]()
	decoderType    = reflect.TypeFor[envconfig.Decoder]()
	textUnmType    = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmType    = reflect.TypeFor[json.Unmarshaler]()
	binUnmType     = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	gobDecType     = reflect.TypeFor[gob.GobDecoder]()
)

// isDecoder reports whether go-envconfig decodes t (or *t) with one of its
// decoder interfaces rather than by kind.
func isDecoder(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	for _, it := range []reflect.Type{decoderCtxType, decoderType, textUnmType, jsonUnmType, binUnmType, gobDecType} {
		if t.Implements(it) || pt.Implements(it) {
			return true
		}
	}
	return false
}

// envTag is a parsed env tag, following go-envconfig's grammar:
// "KEY,opt,opt,default=rest of the tag". Options are case-insensitive; a
// default consumes the remainder of the tag, commas included.
type envTag struct {
	key, def, prefix, delim, sep string
	required, noInit, decUnset   bool
}

func parseEnvTag(tag string) (envTag, error) {
	var t envTag
	var parts []string
	if strings.IndexByte(tag, '\\') >= 0 {
		parts = splitEscaped(tag)
	} else {
		parts = strings.Split(tag, ",")
	}
	t.key = strings.TrimSpace(parts[0])
	if t.key != "" && !validName(t.key) {
		return t, fmt.Errorf("env tag name %q is not a valid environment variable name", t.key)
	}
	rest := parts[1:]
	for i, o := range rest {
		o = strings.TrimLeftFunc(o, unicode.IsSpace)
		kw := strings.ToLower(strings.TrimRightFunc(o, unicode.IsSpace))
		switch {
		case kw == "required":
			t.required = true
		case kw == "noinit":
			t.noInit = true
		case kw == "decodeunset":
			t.decUnset = true
		case kw == "overwrite":
			// Load always starts from a zero value: nothing to overwrite.
		case hasPrefixFold(o, "prefix="):
			t.prefix = o[len("prefix="):]
		case hasPrefixFold(o, "delimiter="):
			t.delim = o[len("delimiter="):]
		case hasPrefixFold(o, "separator="):
			t.sep = o[len("separator="):]
		case hasPrefixFold(o, "default="):
			t.def = strings.Join(append([]string{o}, rest[i+1:]...), ",")[len("default="):]
			return t, nil
		default:
			return t, fmt.Errorf("unknown env tag option %q", o)
		}
	}
	return t, nil
}

// splitEscaped splits on commas that are not escaped with a backslash, and
// removes the escapes, as go-envconfig does.
func splitEscaped(s string) []string {
	a := strings.Split(s, ",")
	for i := len(a) - 2; i >= 0; i-- {
		if strings.HasSuffix(a[i], `\`) {
			a[i] = a[i][:len(a[i])-1] + "," + a[i+1]
			a = append(a[:i+1], a[i+2:]...)
		}
	}
	return a
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// validName reports whether s is a POSIX environment variable name: letters,
// digits and underscores, not starting with a digit.
func validName(s string) bool {
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_'
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return s != ""
}
