package envcfg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
	"github.com/sethvargo/go-envconfig"
)

// Load reads the environment into a new T and validates it, reporting every
// problem at once.
//
// Fields are filled through go-envconfig's tag syntax (`env:"PORT,
// default=5000"`, required, prefix= on nested structs, delimiter=,
// separator=, noinit, decodeunset; slices, maps, durations, url.URL and any
// type with a decoder), one variable at a time, so one bad value cannot hide
// the others. Then the struct is validated with validator/v10's validate tags.
// A `desc:"..."` tag documents a variable for [WriteExample] and [Usage].
//
// On failure Load returns nil and an [*Error] listing one [Problem] per
// variable, in struct order: a required variable that is unset or set but
// empty, a value that does not parse, a value that fails validation, a weak
// secret in production, a failed NAME_FILE indirection, and mistakes in the
// struct's tags. No problem ever contains a value.
//
// Empty values: a variable set to the empty string counts as unset, so it
// takes its default= (PORT= or Docker Compose's PORT=${PORT} with PORT unset
// gives the default port, not 0). A required variable set to the empty string
// is still a problem ([ErrEmpty]).
//
// NAME_FILE: when NAME is unset (or empty) and NAME_FILE is set, the content
// of the file it names (one trailing newline removed, at most
// [DefaultMaxFileSize] bytes) is NAME's value, as Docker and Kubernetes mount
// secrets. Setting both is a problem, and so is an empty NAME_FILE. An empty
// file is an empty value: the default applies, or ErrEmpty when required.
//
// Integers (int, uint and their sized forms, also inside lists and maps) are
// read as plain decimal: digits 0-9, an optional sign for signed types, no
// leading zero. 010, 0x10, 0o10, 0b10 and 1_000 are problems ([ErrInvalid])
// rather than go-envconfig's base-0 reading (010 would silently be 8).
//
// Secrets: fields of type [Secret] (or *Secret) may not declare a default
// unless it is marked as a development default with `envcfg:"devdefault"`.
// In production a secret that is empty, still equals its default, or is a
// known placeholder ("changeme", "secret", "password", ...) is a problem;
// outside production it is a warning logged through slog. Without
// [WithProduction] every environment counts as production (fail closed), so
// a development default is an error until the program says how to tell
// production apart.
// `envcfg:"optional"` lets a secret be empty (an optional API key); a value,
// when given, is still checked.
func Load[T any](ctx context.Context, opts ...Option) (*T, error) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("envcfg: Load needs a struct type, not %s", t)
	}
	p, err := planFor(t)
	if err != nil {
		return nil, err
	}
	c := newConfig(opts)
	if c.prodNeeded && c.prodVar == "" {
		return nil, errors.New("envcfg: WithProductionRequired needs WithProduction to name the production variable")
	}
	cfg := new(T)
	if problems := c.load(ctx, p, reflect.ValueOf(cfg).Elem()); len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return cfg, nil
}

// leafLookuper answers go-envconfig's lookup of the synthetic one-field
// struct: the synthetic key gets the variable's resolved value, anything else
// (a default's $VAR expansion) goes to the caller's lookup.
type leafLookuper struct {
	val   string
	found bool
	base  envconfig.Lookuper
}

func (l *leafLookuper) Lookup(key string) (string, bool) {
	if key == synthKey {
		return l.val, l.found
	}
	return l.base.Lookup(key)
}

// Unwrap makes go-envconfig expand $VAR in defaults through the caller's
// lookup directly.
func (l *leafLookuper) Unwrap() envconfig.Lookuper { return l.base }

// leafMutator runs the caller's mutators (WithMutators) with the variable's
// real names, then checks that integers are plain decimal. It is the only
// mutator go-envconfig sees, so it also runs on defaults.
type leafMutator struct {
	c *config
	v *variable
}

// mutatorError marks an error returned by one of the caller's mutators.
type mutatorError struct{ err error }

func (e *mutatorError) Error() string { return e.err.Error() }
func (e *mutatorError) Unwrap() error { return e.err }

func (m *leafMutator) EnvMutate(ctx context.Context, _, _, originalValue, currentValue string) (string, bool, error) {
	cur := currentValue
	for _, mu := range m.c.mutators {
		next, stop, err := mu.EnvMutate(ctx, m.v.key, m.v.name, originalValue, cur)
		if err != nil {
			return "", true, &mutatorError{err}
		}
		cur = next
		if stop {
			break
		}
	}
	if m.v.hasInt {
		if err := checkDecimal(m.v.typ, cur, m.v.delim, m.v.sep); err != nil {
			return "", true, err
		}
	}
	return cur, true, nil
}

// decodedSecret is a secret waiting for its production check, which needs
// the production variable's value, decoded in struct order.
type decodedSecret struct {
	i     int
	found bool
	raw   string
	vals  []string
}

func (c *config) load(ctx context.Context, p *plan, root reflect.Value) []Problem {
	slots := make([]*Problem, len(p.vars))
	base := envconfig.LookuperFunc(c.lookup)
	ll := &leafLookuper{base: base}
	lm := &leafMutator{c: c}
	mutators := []envconfig.Mutator{lm}
	var secrets []decodedSecret
	decoded := make([]bool, len(p.vars))

	// The production variable, as Load produced it.
	prodIndex := -1
	prodSet := false // NAME or NAME_FILE set, not empty
	prodValue, prodKnown := "", false

	for i, v := range p.vars {
		val, found, prob := c.resolve(p, v.name, v.fileVar)
		if v.name == c.prodVar {
			prodIndex, prodSet = i, found && val != ""
		}
		if prob != nil {
			slots[i] = prob
			continue
		}
		if found && val == "" {
			// Set but empty (PORT=${PORT} in Docker Compose with PORT
			// unset): a required variable is missing, any other takes its
			// default.
			if v.required {
				slots[i] = &Problem{Var: v.name, Err: ErrEmpty, Message: "is required but set to an empty value" + expectSuffix(v)}
				continue
			}
			found = false
		}
		if v.required && !found {
			slots[i] = &Problem{Var: v.name, Err: ErrMissing, Message: "is required but not set" + expectSuffix(v)}
			continue
		}
		target := reflect.New(v.synth)
		ll.val, ll.found = val, found
		lm.v = v
		cfg := &envconfig.Config{
			Target:             target.Interface(),
			Lookuper:           ll,
			DefaultDelimiter:   v.delim,
			DefaultSeparator:   v.sep,
			DefaultNoInit:      v.noInit,
			DefaultDecodeUnset: v.decUnset,
		}
		if v.hasInt || len(c.mutators) > 0 {
			cfg.Mutators = mutators
		}
		if err := envconfig.ProcessWith(ctx, cfg); err != nil {
			slots[i] = decodeProblem(v, err)
			continue
		}
		field := target.Elem().Field(0)
		fieldAlloc(root, v.index).Set(field)
		decoded[i] = true
		if i == prodIndex {
			prodValue, prodKnown = textOf(field), true
		}
		if v.secret {
			secrets = append(secrets, decodedSecret{i: i, found: found, raw: val, vals: secretValues(field)})
		}
	}

	// Production, decided from the value Load produced.
	var head []Problem
	prod := true // fail closed
	if c.prodVar != "" {
		if prodIndex < 0 {
			val, found, prob := c.resolve(p, c.prodVar, c.prodVar+"_FILE")
			prodSet = found && val != ""
			if prob != nil {
				head = append(head, *prob)
			} else {
				prodValue, prodKnown = val, true
			}
		}
		if prodKnown {
			prod = c.isProdValue(prodValue)
		}
		if c.prodNeeded && !prodSet {
			prod = true
			msg := "is required but not set: this program needs it to say which environment it runs in"
			if prodIndex >= 0 {
				msg += expectSuffix(p.vars[prodIndex])
			} else {
				msg += "; production when it is one of: " + strings.Join(c.prodValues, ", ")
			}
			pr := Problem{Var: c.prodVar, Err: ErrMissing, Message: msg}
			switch {
			case prodIndex < 0:
				head = append(head, pr)
			case slots[prodIndex] == nil:
				slots[prodIndex] = &pr
			}
		}
	}

	// What a weak secret's problem tells the operator to do. When production
	// is only assumed (no WithProduction), it also says why, so a developer
	// who meets the error locally knows how to turn it into a warning.
	weakFix := "; production needs a strong, unique value"
	if c.prodVar == "" {
		weakFix += " (every environment counts as production until the program passes envcfg.WithProduction to Load)"
	}
	for _, s := range secrets {
		v := p.vars[s.i]
		reason := weakReason(v, s.vals, s.raw, s.found)
		switch {
		case reason == "":
		case prod:
			slots[s.i] = &Problem{Var: v.name, Err: ErrWeakSecret, Message: reason + weakFix}
		default:
			c.logger.WarnContext(ctx, "envcfg: weak secret (an error in production)",
				"var", v.name, "reason", reason)
		}
	}

	for _, idx := range p.noInitPtrs {
		if f, ok := fieldNoAlloc(root, idx); ok && !f.IsNil() && f.Elem().IsZero() {
			f.Set(reflect.Zero(f.Type()))
		}
	}

	extra := c.validate(ctx, p, root, slots, decoded)

	problems := make([]Problem, 0, len(p.defProblems)+len(head)+len(extra))
	problems = append(problems, p.defProblems...)
	problems = append(problems, head...)
	for _, s := range slots {
		if s != nil {
			problems = append(problems, *s)
		}
	}
	return append(problems, extra...)
}

// decodeProblem explains why go-envconfig could not decode v.
func decodeProblem(v *variable, err error) *Problem {
	var me *mutatorError
	if errors.As(err, &me) {
		return &Problem{Var: v.name, Err: fmt.Errorf("%w: %w", ErrMutator, me.err),
			Message: "could not be resolved: a mutator given to envcfg.WithMutators failed"}
	}
	// The decoder's error text quotes the value: never use it.
	return &Problem{Var: v.name, Err: ErrInvalid, Message: invalidMessage(v, err)}
}

// isProdValue reports whether v is one of the production values.
func (c *config) isProdValue(v string) bool {
	v = strings.TrimSpace(v)
	for _, p := range c.prodValues {
		if strings.EqualFold(v, p) {
			return true
		}
	}
	return false
}

// textOf is the text of a decoded value, for the production comparison.
func textOf(f reflect.Value) string {
	for f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return ""
		}
		f = f.Elem()
	}
	if f.Kind() == reflect.String {
		return f.String()
	}
	if s, ok := f.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(f.Interface())
}

// resolve finds a variable's raw value: NAME, or the content of the file
// named by NAME_FILE (fileVar).
func (c *config) resolve(p *plan, name, fileVar string) (string, bool, *Problem) {
	val, found := c.lookup(name)
	if c.noFiles || p.byName[fileVar] != nil {
		return val, found, nil
	}
	path, isFile := c.lookup(fileVar)
	switch {
	case !isFile:
		return val, found, nil
	case found && val != "":
		// An empty NAME counts as unset (see Load), so NAME= beside
		// NAME_FILE reads the file.
		return "", false, &Problem{Var: name, Err: ErrFile,
			Message: "is set together with " + fileVar + "; set only one of them"}
	case path == "":
		return "", false, &Problem{Var: fileVar, Err: ErrFile,
			Message: "is set but empty; it must name a file holding " + name}
	}
	content, msg := c.readFile(path)
	if msg != "" {
		return "", false, &Problem{Var: fileVar, Err: ErrFile, Message: msg}
	}
	content = strings.TrimSuffix(content, "\n")
	content = strings.TrimSuffix(content, "\r")
	return content, true, nil
}

// readFile reads at most maxFileSize bytes. The message never includes the
// path or the OS error text (which includes the path).
func (c *config) readFile(path string) (string, string) {
	f, err := c.open(path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", "names a file that does not exist"
		case errors.Is(err, fs.ErrPermission):
			return "", "names a file that cannot be read (permission denied)"
		}
		return "", "names a file that cannot be opened"
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, c.maxFileSize+1))
	if err != nil {
		return "", "names a file that cannot be read"
	}
	if int64(len(b)) > c.maxFileSize {
		return "", fmt.Sprintf("names a file larger than the %d-byte limit", c.maxFileSize)
	}
	return string(b), ""
}

// fieldAlloc returns the field at index, allocating nil struct pointers on
// the way as go-envconfig does.
func fieldAlloc(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 {
			for v.Kind() == reflect.Pointer {
				if v.IsNil() {
					v.Set(reflect.New(v.Type().Elem()))
				}
				v = v.Elem()
			}
		}
		v = v.Field(x)
	}
	return v
}

// fieldNoAlloc returns the field at index, or false when a pointer on the way
// is nil.
func fieldNoAlloc(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 {
			for v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return reflect.Value{}, false
				}
				v = v.Elem()
			}
		}
		v = v.Field(x)
	}
	return v, true
}

// secretValues returns the value of a Secret field, or the items of a list
// or map of secrets.
func secretValues(f reflect.Value) []string {
	for f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return nil
		}
		f = f.Elem()
	}
	switch f.Kind() {
	case reflect.String:
		return []string{f.String()}
	case reflect.Slice, reflect.Array:
		out := make([]string, 0, f.Len())
		for i := range f.Len() {
			out = append(out, secretValues(f.Index(i))...)
		}
		return out
	case reflect.Map:
		out := make([]string, 0, f.Len())
		for it := f.MapRange(); it.Next(); {
			out = append(out, secretValues(it.Value())...)
		}
		return out
	}
	return nil
}

// validatorInstance is shared: validator caches each struct's parsed tags.
var validatorInstance = sync.OnceValue(func() *validator.Validate {
	return validator.New(validator.WithRequiredStructEnabled())
})

// validate runs validator/v10 over the loaded struct. Problems of variables
// that already have one are dropped (one problem per variable); failures on
// fields without an env tag are returned as extra problems. A cross-field
// rule (ltefield=Max) that compares with a variable that was not decoded is
// dropped too: that variable's own problem is the one to fix, and this one
// compared with a zero value.
func (c *config) validate(ctx context.Context, p *plan, root reflect.Value, slots []*Problem, decoded []bool) (extra []Problem) {
	defer func() {
		// validator panics on a validate tag it cannot use (an unknown
		// rule, a bad parameter): a mistake in the struct, not in the
		// environment. Its message names the rule and the field.
		if r := recover(); r != nil {
			extra = append(extra, Problem{Var: p.root.String(), Err: ErrDefinition,
				Message: fmt.Sprintf("has an unusable validate tag: %v", r)})
		}
	}()
	err := validatorInstance().StructCtx(ctx, root.Addr().Interface())
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return []Problem{{Var: p.root.String(), Err: ErrDefinition, Message: "cannot be validated: " + err.Error()}}
	}
	for _, fe := range verrs {
		ns := strings.TrimPrefix(fe.StructNamespace(), p.root.Name()+".")
		param := fe.Param()
		if fieldRules[fe.Tag()] {
			if ref := p.fieldRef(ns, param); ref != nil {
				if !decoded[ref.pos] {
					continue
				}
				param = ref.name
			}
		}
		i, item := p.match(ns)
		if i < 0 {
			name := ns
			if b := strings.IndexByte(name, '['); b >= 0 {
				name = name[:b] // map keys in the namespace may hold values
			}
			extra = append(extra, Problem{Var: name, Err: ErrValidation, Message: ruleMessage(fe, param, item)})
			continue
		}
		if slots[i] == nil {
			slots[i] = &Problem{Var: p.vars[i].name, Err: ErrValidation, Message: ruleMessage(fe, param, item)}
		}
	}
	return extra
}

// fieldRules are validator's rules whose parameter names another field.
var fieldRules = map[string]bool{
	"eqfield": true, "nefield": true, "gtfield": true, "gtefield": true, "ltfield": true, "ltefield": true,
	"eqcsfield": true, "necsfield": true, "gtcsfield": true, "gtecsfield": true, "ltcsfield": true, "ltecsfield": true,
	"fieldcontains": true, "fieldexcludes": true,
}

// fieldRef finds the variable a cross-field rule on the field at goPath
// names: param is a field path from the struct holding that field (as
// validator resolves it), or else from the root.
func (p *plan) fieldRef(goPath, param string) *variable {
	if b := strings.IndexByte(goPath, '['); b >= 0 {
		goPath = goPath[:b]
	}
	parent := ""
	if i := strings.LastIndexByte(goPath, '.'); i >= 0 {
		parent = goPath[:i+1]
	}
	if v := p.byGoPath[parent+param]; v != nil {
		return v
	}
	return p.byGoPath[param]
}

// match finds the variable whose Go path is ns, or ns's prefix followed by an
// index (a dive into a slice or map item).
func (p *plan) match(ns string) (int, bool) {
	for i, v := range p.vars {
		if ns == v.goPath {
			return i, false
		}
		if strings.HasPrefix(ns, v.goPath) && len(ns) > len(v.goPath) && ns[len(v.goPath)] == '[' {
			return i, true
		}
	}
	return -1, strings.ContainsRune(ns, '[')
}
