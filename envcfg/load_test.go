package envcfg_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

// env returns a WithLookup option over a map.
func env(m map[string]string) envcfg.Option {
	return envcfg.WithLookup(func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	})
}

// dev makes APP_ENV=development the non-production marker for tests that are
// not about production checks.
var dev = envcfg.WithProduction("APP_ENV", "production")

// upper is a custom decoder.
type upper string

func (u *upper) EnvDecode(v string) error {
	if v == "bad" {
		return fmt.Errorf("cannot decode %q", v)
	}
	*u = upper(strings.ToUpper(v))
	return nil
}

type dbConfig struct {
	Host string `env:"HOST, required"`
	Port int    `env:"PORT, default=5432" validate:"min=1,max=65535"`
}

type fullConfig struct {
	Port     int                `env:"PORT, default=5000"`
	Name     string             `env:"NAME, required"`
	Timeout  time.Duration      `env:"TIMEOUT, default=1m30s"`
	Hosts    []string           `env:"HOSTS"`
	Ports    []int              `env:"PORTS, delimiter=;"`
	Labels   map[string]string  `env:"LABELS"`
	Endpoint url.URL            `env:"ENDPOINT"`
	EndPtr   *url.URL           `env:"ENDPOINT_PTR"`
	Custom   upper              `env:"CUSTOM"`
	Hex      envconfig.HexBytes `env:"HEX"`
	Expanded string             `env:"EXPANDED, default=$NAME-suffix"`
	Flag     *bool              `env:"FLAG"`
	DB       dbConfig           `env:", prefix=DB_"`
	Cache    *dbConfig          `env:", prefix=CACHE_"`
	Untagged string
}

func TestLoadDecodesGoEnvconfigTags(t *testing.T) {
	t.Parallel()
	cfg, err := envcfg.Load[fullConfig](context.Background(), dev, env(map[string]string{
		"NAME":         "svc",
		"HOSTS":        "a.example, b.example",
		"PORTS":        "80;443",
		"LABELS":       "team:core,tier:1",
		"ENDPOINT":     "https://api.example.com/v1",
		"ENDPOINT_PTR": "http://localhost:8080",
		"CUSTOM":       "shout",
		"HEX":          "cafe",
		"FLAG":         "true",
		"DB_HOST":      "db.internal",
		"CACHE_HOST":   "cache.internal",
		"CACHE_PORT":   "6379",
		"Untagged":     "ignored",
	}))
	require.NoError(t, err)
	assert.Equal(t, 5000, cfg.Port)
	assert.Equal(t, "svc", cfg.Name)
	assert.Equal(t, 90*time.Second, cfg.Timeout)
	assert.Equal(t, []string{"a.example", "b.example"}, cfg.Hosts)
	assert.Equal(t, []int{80, 443}, cfg.Ports)
	assert.Equal(t, map[string]string{"team": "core", "tier": "1"}, cfg.Labels)
	assert.Equal(t, "api.example.com", cfg.Endpoint.Host)
	require.NotNil(t, cfg.EndPtr)
	assert.Equal(t, "localhost:8080", cfg.EndPtr.Host)
	assert.Equal(t, upper("SHOUT"), cfg.Custom)
	assert.Equal(t, []byte{0xca, 0xfe}, cfg.Hex.Bytes())
	assert.Equal(t, "svc-suffix", cfg.Expanded)
	require.NotNil(t, cfg.Flag)
	assert.True(t, *cfg.Flag)
	assert.Equal(t, dbConfig{Host: "db.internal", Port: 5432}, cfg.DB)
	require.NotNil(t, cfg.Cache)
	assert.Equal(t, dbConfig{Host: "cache.internal", Port: 6379}, *cfg.Cache)
	assert.Empty(t, cfg.Untagged)
}

// Load must fill a struct exactly as go-envconfig's Process does when
// nothing is wrong, apart from envcfg's two documented decisions (integers
// are plain decimal, an empty value takes the default), which this struct
// and environment avoid.
func TestLoadMatchesGoEnvconfig(t *testing.T) {
	t.Parallel()
	type sub struct {
		A string `env:"A, default=x"`
	}
	type cfg struct {
		S  string            `env:"S"`
		I  int64             `env:"I, default=16"`
		U  uint8             `env:"U"`
		F  float32           `env:"F"`
		B  bool              `env:"B"`
		D  time.Duration     `env:"D"`
		L  []time.Duration   `env:"L"`
		M  map[string]int    `env:"M, separator==, delimiter=;"`
		P  *string           `env:"P"`
		N  *int              `env:"N, noinit"`
		E  string            `env:"E, default=a\\,b"`
		Sb sub               `env:", prefix=SUB_"`
		Sp *sub              `env:", prefix=SP_"`
		Mp map[string]string `env:"MP"`
	}
	m := map[string]string{"S": "s", "U": "255", "F": "1.5", "B": "1", "D": "2s", "L": "1s, 2m", "M": "a=1;b=2", "SUB_A": "y"}
	want := new(cfg)
	require.NoError(t, envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: want, Lookuper: envconfig.MapLookuper(m)}))
	got, err := envcfg.Load[cfg](context.Background(), env(m))
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	type config struct {
		DatabaseURL string        `env:"DATABASE_URL, required" validate:"url"`
		Port        int           `env:"PORT, default=5000"`
		Env         string        `env:"APP_ENV, default=development" validate:"oneof=development production test"`
		LogLevel    slog.Level    `env:"LOG_LEVEL, default=info"`
		Name        string        `env:"NAME, required"`
		Timeout     time.Duration `env:"TIMEOUT"`
		Workers     uint8         `env:"WORKERS"`
		DB          dbConfig      `env:", prefix=DB_"`
		Fine        string        `env:"FINE"`
	}
	_, err := envcfg.Load[config](context.Background(), env(map[string]string{
		"PORT":      "eighty",
		"APP_ENV":   "staging",
		"LOG_LEVEL": "loud",
		"NAME":      "",
		"TIMEOUT":   "10 minutes",
		"WORKERS":   "256",
		"DB_PORT":   "0",
		"FINE":      "ok",
	}))
	require.Error(t, err)
	var e *envcfg.Error
	require.ErrorAs(t, err, &e)

	want := []envcfg.Problem{
		{Var: "DATABASE_URL", Err: envcfg.ErrMissing, Message: "is required but not set; expected a URL such as https://example.com/path"},
		{Var: "PORT", Err: envcfg.ErrInvalid, Message: "is not valid: must be a whole number in decimal digits without leading zeros, such as 42 or -42"},
		{Var: "APP_ENV", Err: envcfg.ErrValidation, Message: "must be one of: development, production, test"},
		{Var: "LOG_LEVEL", Err: envcfg.ErrInvalid, Message: "is not valid: must be a log level: DEBUG, INFO, WARN or ERROR"},
		{Var: "NAME", Err: envcfg.ErrEmpty, Message: "is required but set to an empty value"},
		{Var: "TIMEOUT", Err: envcfg.ErrInvalid, Message: "is not valid: must be a duration such as 300ms, 30s or 1h30m"},
		{Var: "WORKERS", Err: envcfg.ErrInvalid, Message: "is out of range: must be a whole number from 0 to 255 in decimal digits without leading zeros"},
		{Var: "DB_HOST", Err: envcfg.ErrMissing, Message: "is required but not set"},
		{Var: "DB_PORT", Err: envcfg.ErrValidation, Message: "must be at least 1"},
	}
	assert.Equal(t, want, e.Problems)

	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, len(want))
	for i, p := range want {
		assert.Equal(t, p.Var+": "+p.Message, lines[i])
	}
	for _, s := range []error{envcfg.ErrMissing, envcfg.ErrEmpty, envcfg.ErrInvalid, envcfg.ErrValidation} {
		assert.ErrorIs(t, err, s)
	}
	assert.NotErrorIs(t, err, envcfg.ErrWeakSecret)
	assert.True(t, e.Has("DB_PORT"))
	assert.False(t, e.Has("FINE"))
	for _, v := range []string{"eighty", "staging", "loud", "10 minutes", "256"} {
		assert.NotContains(t, err.Error(), v)
	}
}

func TestLoadNeverQuotesValues(t *testing.T) {
	t.Parallel()
	type config struct {
		Custom upper             `env:"CUSTOM"`
		URL    url.URL           `env:"URL"`
		Map    map[string]int    `env:"MAP"`
		List   []int             `env:"LIST"`
		Valid  string            `env:"VALID" validate:"email"`
		Dive   map[string]string `env:"DIVE" validate:"dive,keys,alpha,endkeys,url"`
	}
	values := map[string]string{
		"CUSTOM": "bad",
		"URL":    "http://user:hunter2@[::1",
		"MAP":    "hunter3-no-separator",
		"LIST":   "1,hunter4",
		"VALID":  "hunter5",
		"DIVE":   "hunter6:hunter7",
	}
	_, err := envcfg.Load[config](context.Background(), env(values))
	require.Error(t, err)
	var e *envcfg.Error
	require.ErrorAs(t, err, &e)
	assert.Len(t, e.Problems, len(values))
	for _, leak := range []string{"bad", "hunter"} {
		assert.NotContains(t, err.Error(), leak)
	}
	assert.Contains(t, err.Error(), "CUSTOM: is not valid: must be a valid envcfg_test.upper")
	assert.Contains(t, err.Error(), `LIST: is not valid: must be a list separated by ",", each item a whole number`)
	assert.Contains(t, err.Error(), "DIVE: has an invalid item: each item must contain only letters")
}

func TestLoadRequiredRejectsEmpty(t *testing.T) {
	t.Parallel()
	type config struct {
		A string `env:"A, required"`
	}
	tests := []struct {
		name string
		env  map[string]string
		want error
	}{
		{"unset", map[string]string{}, envcfg.ErrMissing},
		{"empty", map[string]string{"A": ""}, envcfg.ErrEmpty},
		{"set", map[string]string{"A": "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := envcfg.Load[config](context.Background(), env(tt.env))
			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, "x", cfg.A)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, cfg)
		})
	}
}

func TestLoadNoInit(t *testing.T) {
	t.Parallel()
	type config struct {
		Opt *dbConfig `env:", prefix=OPT_, noinit"`
		N   *int      `env:"N, noinit"`
	}
	cfg, err := envcfg.Load[config](context.Background(), env(map[string]string{"OPT_HOST": "h"}))
	require.NoError(t, err)
	require.NotNil(t, cfg.Opt)
	assert.Equal(t, "h", cfg.Opt.Host)
	assert.Nil(t, cfg.N)

	type loose struct {
		Opt *struct {
			A string `env:"A"`
		} `env:", prefix=OPT_, noinit"`
	}
	l, err := envcfg.Load[loose](context.Background(), env(nil))
	require.NoError(t, err)
	assert.Nil(t, l.Opt)
}

func TestLoadDefinitionProblems(t *testing.T) {
	t.Parallel()
	type config struct {
		ReqDef   string        `env:"REQ_DEF, required, default=x"`
		Unknown  string        `env:"UNKNOWN, sometimes"`
		BadName  string        `env:"BAD-NAME"`
		NoKey    string        `env:", required"`
		Secret   envcfg.Secret `env:"SECRET, default=abc"`
		Marked   string        `env:"MARKED" envcfg:"devdefault"`
		Typo     envcfg.Secret `env:"TYPO" envcfg:"dev-default"`
		Loop     selfPtr       `env:"LOOP"`
		Prefixed string        `env:"P, prefix=X_"`
		Fn       func()        `env:"FN"`
		private  string        `env:"PRIVATE"`
		Dup      string        `env:"DUP"`
		Dup2     string        `env:"DUP"`
		Fine     string        `env:"FINE, required"`
	}
	_ = config{}.private
	_, err := envcfg.Load[config](context.Background(), dev, env(nil))
	var e *envcfg.Error
	require.ErrorAs(t, err, &e)
	vars := map[string]string{}
	for _, p := range e.Problems {
		vars[p.Var] = p.Message
		if p.Var != "FINE" {
			assert.ErrorIs(t, p.Err, envcfg.ErrDefinition, p.Var)
		}
	}
	assert.Contains(t, vars["REQ_DEF"], "both required and has a default")
	assert.Contains(t, vars["Unknown"], "unknown env tag option")
	assert.Contains(t, vars["BadName"], "not a valid environment variable name")
	assert.Contains(t, vars["NoKey"], "no variable name")
	assert.Contains(t, vars["SECRET"], `envcfg:"devdefault"`)
	assert.Contains(t, vars["MARKED"], "apply only to Secret fields")
	assert.Contains(t, vars["TYPO"], `unknown envcfg tag option "dev-default"`)
	assert.Contains(t, vars["Loop"], "is recursive")
	assert.Contains(t, vars["Prefixed"], "prefix is only valid on struct fields")
	assert.Contains(t, vars["Fn"], "cannot be read from the environment")
	assert.Contains(t, vars["private"], "unexported")
	assert.Contains(t, vars["DUP"], "declared twice")
	assert.Equal(t, "is required but not set", vars["FINE"])
	assert.Len(t, e.Problems, 13, "one problem per variable")

	_, err = envcfg.Load[int](context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs a struct type")
}

// selfPtr is a pointer type that points to itself.
type selfPtr *selfPtr

func TestLoadRecursiveStruct(t *testing.T) {
	t.Parallel()
	type node struct {
		Name string `env:"NAME"`
		Next *node  `env:", prefix=NEXT_"`
	}
	_, err := envcfg.Load[node](context.Background(), env(nil))
	require.ErrorIs(t, err, envcfg.ErrDefinition)
	assert.Contains(t, err.Error(), "recursive")
}

func TestWithLookupReplacesOSEnvironment(t *testing.T) {
	t.Parallel()
	type config struct {
		Path string `env:"PATH, required"`
	}
	require.NotEmpty(t, os.Getenv("PATH"), "the test needs PATH in the OS environment")

	fromOS, err := envcfg.Load[config](context.Background())
	require.NoError(t, err)
	assert.Equal(t, os.Getenv("PATH"), fromOS.Path)

	fromMap, err := envcfg.Load[config](context.Background(), env(map[string]string{"PATH": "/only/this"}))
	require.NoError(t, err)
	assert.Equal(t, "/only/this", fromMap.Path)

	_, err = envcfg.Load[config](context.Background(), env(nil))
	require.ErrorIs(t, err, envcfg.ErrMissing)
}

func TestOptionsPanicOnInvalidValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func()
		msg  string
	}{
		{"lookup", func() { envcfg.WithLookup(nil) }, "WithLookup"},
		{"production name", func() { envcfg.WithProduction("", "prod") }, "WithProduction"},
		{"production values", func() { envcfg.WithProduction("APP_ENV") }, "WithProduction"},
		{"production empty value", func() { envcfg.WithProduction("APP_ENV", " ") }, "WithProduction"},
		{"logger", func() { envcfg.WithLogger(nil) }, "WithLogger"},
		{"open", func() { envcfg.WithOpenFile(nil) }, "WithOpenFile"},
		{"size", func() { envcfg.WithMaxFileSize(0) }, "WithMaxFileSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				require.NotNil(t, r)
				assert.Contains(t, fmt.Sprint(r), tt.msg)
			}()
			tt.fn()
		})
	}
}

func TestErrorUnwrap(t *testing.T) {
	t.Parallel()
	e := &envcfg.Error{Problems: []envcfg.Problem{
		{Var: "A", Message: "m", Err: envcfg.ErrMissing},
		{Var: "B", Message: "m", Err: envcfg.ErrMissing},
		{Var: "C", Message: "n", Err: envcfg.ErrInvalid},
	}}
	assert.Equal(t, []error{envcfg.ErrMissing, envcfg.ErrInvalid}, e.Unwrap())
	assert.True(t, errors.Is(fmt.Errorf("config: %w", e), envcfg.ErrInvalid))
	assert.Equal(t, "A: m\nB: m\nC: n", e.Error())
	assert.Equal(t, "C: n", e.Problems[2].String())
}

func TestLoadUnusableValidateTag(t *testing.T) {
	t.Parallel()
	type config struct {
		A string `env:"A, default=x" validate:"no_such_rule"`
		B int    `env:"B" validate:"min=abc"`
	}
	_, err := envcfg.Load[config](context.Background(), env(nil))
	require.ErrorIs(t, err, envcfg.ErrDefinition)
	assert.Contains(t, err.Error(), "unusable validate tag")
	assert.Contains(t, err.Error(), "no_such_rule")
}
