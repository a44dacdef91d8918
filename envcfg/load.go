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
// NAME_FILE: when NAME is unset and NAME_FILE is set, the content of the file
// it names (one trailing newline removed, at most [DefaultMaxFileSize] bytes)
// is NAME's value, as Docker and Kubernetes mount secrets. Setting both is a
// problem.
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
	cfg := new(T)
	if problems := newConfig(opts).load(ctx, p, reflect.ValueOf(cfg).Elem()); len(problems) > 0 {
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

func (c *config) load(ctx context.Context, p *plan, root reflect.Value) []Problem {
	slots := make([]*Problem, len(p.vars))
	base := envconfig.LookuperFunc(c.lookup)
	prod := c.production(p)
	// What a weak secret's problem tells the operator to do. When production
	// is only assumed (no WithProduction), it also says why, so a developer
	// who meets the error locally knows how to turn it into a warning.
	weakFix := "; production needs a strong, unique value"
	if c.prodVar == "" {
		weakFix += " (every environment counts as production until the program passes envcfg.WithProduction to Load)"
	}
	ll := &leafLookuper{base: base}

	for i, v := range p.vars {
		val, found, prob := c.resolve(p, v)
		if prob != nil {
			slots[i] = prob
			continue
		}
		if v.required && !found {
			slots[i] = &Problem{Var: v.name, Err: ErrMissing, Message: "is required but not set" + expectSuffix(v)}
			continue
		}
		if v.required && val == "" {
			slots[i] = &Problem{Var: v.name, Err: ErrEmpty, Message: "is required but set to an empty value" + expectSuffix(v)}
			continue
		}
		target := reflect.New(v.synth)
		ll.val, ll.found = val, found
		err := envconfig.ProcessWith(ctx, &envconfig.Config{
			Target:             target.Interface(),
			Lookuper:           ll,
			DefaultDelimiter:   v.delim,
			DefaultSeparator:   v.sep,
			DefaultNoInit:      v.noInit,
			DefaultDecodeUnset: v.decUnset,
		})
		if err != nil {
			// The decoder's error text quotes the value: never use it.
			slots[i] = &Problem{Var: v.name, Err: ErrInvalid, Message: invalidMessage(v, err)}
			continue
		}
		fieldAlloc(root, v.index).Set(target.Elem().Field(0))

		if v.secret {
			s := secretValue(target.Elem().Field(0))
			if reason := weakReason(v, s, found); reason != "" {
				if prod {
					slots[i] = &Problem{Var: v.name, Err: ErrWeakSecret, Message: reason + weakFix}
				} else {
					c.logger.WarnContext(ctx, "envcfg: weak secret (an error in production)",
						"var", v.name, "reason", reason)
				}
			}
		}
	}

	for _, idx := range p.noInitPtrs {
		if f, ok := fieldNoAlloc(root, idx); ok && !f.IsNil() && f.Elem().IsZero() {
			f.Set(reflect.Zero(f.Type()))
		}
	}

	extra := c.validate(ctx, p, root, slots)

	problems := make([]Problem, 0, len(p.defProblems)+len(extra))
	problems = append(problems, p.defProblems...)
	for _, s := range slots {
		if s != nil {
			problems = append(problems, *s)
		}
	}
	return append(problems, extra...)
}

// resolve finds a variable's raw value: NAME, or the content of the file
// named by NAME_FILE.
func (c *config) resolve(p *plan, v *variable) (string, bool, *Problem) {
	val, found := c.lookup(v.name)
	fileVar := v.name + "_FILE"
	if c.noFiles || p.byName[fileVar] != nil {
		return val, found, nil
	}
	path, isFile := c.lookup(fileVar)
	switch {
	case !isFile:
		return val, found, nil
	case found:
		return "", false, &Problem{Var: v.name, Err: ErrFile,
			Message: "is set together with " + fileVar + "; set only one of them"}
	case path == "":
		return "", false, &Problem{Var: fileVar, Err: ErrFile,
			Message: "is set but empty; it must name a file holding " + v.name}
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

func secretValue(f reflect.Value) string {
	for f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return ""
		}
		f = f.Elem()
	}
	return f.String()
}

// validatorInstance is shared: validator caches each struct's parsed tags.
var validatorInstance = sync.OnceValue(func() *validator.Validate {
	return validator.New(validator.WithRequiredStructEnabled())
})

// validate runs validator/v10 over the loaded struct. Problems of variables
// that already have one are dropped (one problem per variable); failures on
// fields without an env tag are returned as extra problems.
func (c *config) validate(ctx context.Context, p *plan, root reflect.Value, slots []*Problem) (extra []Problem) {
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
		i, item := p.match(ns)
		if i < 0 {
			name := ns
			if b := strings.IndexByte(name, '['); b >= 0 {
				name = name[:b] // map keys in the namespace may hold values
			}
			extra = append(extra, Problem{Var: name, Err: ErrValidation, Message: ruleMessage(fe, item)})
			continue
		}
		if slots[i] == nil {
			slots[i] = &Problem{Var: p.vars[i].name, Err: ErrValidation, Message: ruleMessage(fe, item)}
		}
	}
	return extra
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
