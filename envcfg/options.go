package envcfg

import (
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/sethvargo/go-envconfig"
)

// DefaultMaxFileSize is the largest file NAME_FILE indirection reads (64 KiB):
// far more than any key or password, small enough that pointing a variable
// at a huge file cannot exhaust memory at startup.
const DefaultMaxFileSize = 64 << 10

// Option configures [Load]. Invalid option values panic when the option is
// created, with a message naming the option.
type Option func(*config)

type config struct {
	lookup      func(string) (string, bool)
	open        func(string) (io.ReadCloser, error)
	maxFileSize int64
	logger      *slog.Logger
	prodVar     string
	prodValues  []string
	prodNeeded  bool
	noFiles     bool
	mutators    []envconfig.Mutator
}

func newConfig(opts []Option) *config {
	c := &config{
		lookup:      os.LookupEnv,
		open:        func(name string) (io.ReadCloser, error) { return os.Open(name) },
		maxFileSize: DefaultMaxFileSize,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

// WithLookup replaces the OS environment (os.LookupEnv, the default) with
// lookup. Tests pass a map lookup so they never call os.Setenv and can run in
// parallel; a program that reads a .env file layers it here:
//
//	envcfg.WithLookup(func(k string) (string, bool) {
//		if v, ok := os.LookupEnv(k); ok {
//			return v, true
//		}
//		v, ok := dotenv[k]
//		return v, ok
//	})
func WithLookup(lookup func(key string) (string, bool)) Option {
	if lookup == nil {
		panic("envcfg: WithLookup: lookup function is nil")
	}
	return func(c *config) { c.lookup = lookup }
}

// WithProduction says how to tell production: the environment is production
// when the variable name holds one of values (compared case-insensitively,
// surrounding spaces ignored), for example WithProduction("APP_ENV",
// "production", "prod").
//
// The value that decides is the one Load produced: when the configuration
// struct declares the variable, its field's value after defaults (with $VAR
// expansion), NAME_FILE indirection and mutators, so `env:"APP_ENV,
// default=production"` with APP_ENV unset or empty is production. A variable
// the struct does not declare is read through the lookup, then through its
// NAME_FILE; unset or empty, it is not production. When the variable cannot
// be read (a failed NAME_FILE, a value that does not decode), the checks
// fail closed: production.
//
// In production a weak secret (empty, still equal to its development default,
// or a known placeholder such as "changeme") is a [Problem] with
// [ErrWeakSecret]; elsewhere it is a warning logged through slog.
//
// Without this option every environment is treated as production: the checks
// fail closed, so forgetting to configure them can never let a placeholder
// secret through. An unset variable means development, which keeps local
// runs zero-config; [WithProductionRequired] turns that into an error for
// programs that are always deployed with the variable set.
func WithProduction(name string, values ...string) Option {
	if name == "" {
		panic("envcfg: WithProduction: variable name is empty")
	}
	if len(values) == 0 {
		panic("envcfg: WithProduction: no value means production")
	}
	vals := make([]string, len(values))
	for i, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			panic("envcfg: WithProduction: empty production value")
		}
		vals[i] = v
	}
	return func(c *config) {
		c.prodVar = name
		c.prodValues = vals
	}
}

// WithLogger sets the logger that receives weak-secret warnings outside
// production. The default is slog.Default(). Records carry the variable name
// and the reason, never the value.
func WithLogger(l *slog.Logger) Option {
	if l == nil {
		panic("envcfg: WithLogger: logger is nil")
	}
	return func(c *config) { c.logger = l }
}

// WithOpenFile replaces os.Open for NAME_FILE indirection, so tests can serve
// files from memory. The default is os.Open.
func WithOpenFile(open func(name string) (io.ReadCloser, error)) Option {
	if open == nil {
		panic("envcfg: WithOpenFile: open function is nil")
	}
	return func(c *config) { c.open = open }
}

// WithMaxFileSize caps the size of a file read through NAME_FILE indirection.
// A larger file is a [Problem] with [ErrFile]. The default is
// [DefaultMaxFileSize]; n must be positive.
func WithMaxFileSize(n int64) Option {
	if n <= 0 {
		panic("envcfg: WithMaxFileSize: size must be positive")
	}
	return func(c *config) { c.maxFileSize = n }
}

// WithoutFiles turns NAME_FILE indirection off: NAME_FILE variables are then
// ignored.
func WithoutFiles() Option {
	return func(c *config) { c.noFiles = true }
}

// WithProductionRequired makes an unset production variable (the one named
// by [WithProduction]) a [Problem] with [ErrMissing], instead of meaning
// development: a deploy that forgets it then fails at startup rather than
// running with development secrets and one warning. The variable counts as
// set when NAME or NAME_FILE is set to a non-empty value; its default= does
// not count. While it is missing the secret checks run as in production.
//
// Use it in every program whose deploys always set the variable: container
// images, Kubernetes manifests, systemd units. Programs that must also run
// with no configuration at all (`go run .` on a laptop) can turn it on from
// the deploy artifact, as the NEXUS reference server does when it runs from
// its container image.
//
// Load returns an error (not a Problem) when WithProductionRequired is given
// without WithProduction.
func WithProductionRequired() Option {
	return func(c *config) { c.prodNeeded = true }
}

// WithMutators runs go-envconfig mutators on each variable's value before it
// is decoded, in order, as go-envconfig's Config.Mutators does: a mutator
// sees the variable's name (originalKey without, resolvedKey with the
// prefixes of nested structs) and its value, and returns the value to use;
// stop=true skips the mutators after it. Use it to resolve references such
// as "sm://project/secret" through a secret manager. Mutators run on set
// variables and on defaults (after $VAR expansion), not on unset variables
// without a default; the result is what the production checks and the
// validate rules see.
//
// A mutator's error becomes a [Problem] with [ErrMutator] whose Err also
// wraps the mutator's error (errors.Is and errors.As reach it); the
// Message does not include the mutator's error text, which may quote the
// value. WithMutators panics when a mutator is nil; several WithMutators
// options add up.
func WithMutators(mutators ...envconfig.Mutator) Option {
	for _, m := range mutators {
		if f, ok := m.(envconfig.MutatorFunc); m == nil || ok && f == nil {
			panic("envcfg: WithMutators: mutator is nil")
		}
	}
	ms := append([]envconfig.Mutator(nil), mutators...)
	return func(c *config) { c.mutators = append(c.mutators, ms...) }
}
