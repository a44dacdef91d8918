package envcfg

import (
	"io"
	"log/slog"
	"os"
	"strings"
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
	noFiles     bool
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
// when the variable name is set to one of values (compared case-insensitively,
// surrounding spaces ignored), for example WithProduction("APP_ENV",
// "production", "prod"). When the variable is unset and the configuration
// struct declares it with a default= (as `env:"APP_ENV, default=production"`),
// the default is compared instead.
//
// In production a weak secret (empty, still equal to its development default,
// or a known placeholder such as "changeme") is a [Problem] with
// [ErrWeakSecret]; elsewhere it is a warning logged through slog.
//
// Without this option every environment is treated as production: the checks
// fail closed, so forgetting to configure them can never let a placeholder
// secret through.
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

// production reports whether the environment is production. When the
// production variable is unset but the configuration struct declares it with
// a default, the default decides: it is the environment the program will
// believe it runs in, so `env:"APP_ENV, default=production"` with APP_ENV
// unset is production.
func (c *config) production(p *plan) bool {
	if c.prodVar == "" {
		return true
	}
	v, ok := c.lookup(c.prodVar)
	if !ok {
		pv := p.byName[c.prodVar]
		if pv == nil || pv.def == "" {
			return false
		}
		v = pv.def
	}
	v = strings.TrimSpace(v)
	for _, p := range c.prodValues {
		if strings.EqualFold(v, p) {
			return true
		}
	}
	return false
}
