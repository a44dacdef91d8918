package envcfg_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

var quiet = envcfg.WithLogger(slog.New(slog.DiscardHandler))

// problems returns Load's problems as VAR -> message.
func problems(t *testing.T, err error) map[string]string {
	t.Helper()
	var e *envcfg.Error
	require.ErrorAs(t, err, &e)
	out := map[string]string{}
	for _, p := range e.Problems {
		out[p.Var] = p.Message
	}
	return out
}

// Item 12: an empty value takes the default (Docker Compose's PORT=${PORT}
// with PORT unset); a required variable set empty is still a problem.
func TestEmptyValueTakesDefault(t *testing.T) {
	t.Parallel()
	type config struct {
		Port    int      `env:"PORT, default=5000"`
		Debug   bool     `env:"DEBUG, default=true"`
		Name    string   `env:"NAME, default=svc"`
		Hosts   []string `env:"HOSTS, default=a,b"`
		Plain   string   `env:"PLAIN"`
		Counter *int     `env:"COUNTER, default=3"`
	}
	empty := map[string]string{"PORT": "", "DEBUG": "", "NAME": "", "HOSTS": "", "PLAIN": "", "COUNTER": ""}
	cfg, err := envcfg.Load[config](context.Background(), dev, env(empty))
	require.NoError(t, err)
	assert.Equal(t, 5000, cfg.Port)
	assert.True(t, cfg.Debug)
	assert.Equal(t, "svc", cfg.Name)
	assert.Equal(t, []string{"a", "b"}, cfg.Hosts)
	assert.Empty(t, cfg.Plain)
	require.NotNil(t, cfg.Counter)
	assert.Equal(t, 3, *cfg.Counter)

	type required struct {
		Name string `env:"NAME, required"`
	}
	_, err = envcfg.Load[required](context.Background(), dev, env(map[string]string{"NAME": ""}))
	require.ErrorIs(t, err, envcfg.ErrEmpty)
	assert.Equal(t, map[string]string{"NAME": "is required but set to an empty value"}, problems(t, err))
}

// Item 12: an empty NAME beside NAME_FILE counts as unset, so the file is
// read instead of "set together".
func TestEmptyValueBesideNameFile(t *testing.T) {
	t.Parallel()
	type config struct {
		Key envcfg.Secret `env:"KEY, required"`
	}
	open := envcfg.WithOpenFile(func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(strong + "\n")), nil
	})
	cfg, err := envcfg.Load[config](context.Background(), dev, open, env(map[string]string{"KEY": "", "KEY_FILE": "/run/secrets/key"}))
	require.NoError(t, err)
	assert.Equal(t, strong, cfg.Key.Reveal())
}

// Item 13: production is decided from the value Load produced: a default
// that expands another variable, a NAME_FILE, a mutator.
func TestProductionFromLoadedValue(t *testing.T) {
	t.Parallel()
	type config struct {
		Env     string        `env:"APP_ENV, default=$DEPLOY_ENV"`
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	type undeclared struct {
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	prodFile := envcfg.WithOpenFile(func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("production\n")), nil
	})
	toProd := envcfg.WithMutators(envconfig.MutatorFunc(func(_ context.Context, key, _, _, cur string) (string, bool, error) {
		if key == "APP_ENV" && cur == "ref:env" {
			return "production", false, nil
		}
		return cur, false, nil
	}))
	prod := envcfg.WithProduction("APP_ENV", "production")
	tests := []struct {
		name string
		load func(opts ...envcfg.Option) error
		env  map[string]string
		opts []envcfg.Option
		weak bool
	}{
		{"default expands to production", loadAs[config], map[string]string{"DEPLOY_ENV": "production"}, nil, true},
		{"default expands to staging", loadAs[config], map[string]string{"DEPLOY_ENV": "staging"}, nil, false},
		{"raw default text is not compared", loadAs[config], map[string]string{}, []envcfg.Option{envcfg.WithProduction("APP_ENV", "$DEPLOY_ENV")}, false},
		{"declared variable from NAME_FILE", loadAs[config], map[string]string{"APP_ENV_FILE": "/run/env"}, []envcfg.Option{prodFile}, true},
		{"undeclared variable from NAME_FILE", loadAs[undeclared], map[string]string{"APP_ENV_FILE": "/run/env"}, []envcfg.Option{prodFile}, true},
		{"undeclared variable set", loadAs[undeclared], map[string]string{"APP_ENV": " Production "}, nil, true},
		{"undeclared variable empty", loadAs[undeclared], map[string]string{"APP_ENV": ""}, nil, false},
		{"mutated value", loadAs[config], map[string]string{"APP_ENV": "ref:env"}, []envcfg.Option{toProd}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]envcfg.Option{prod, quiet, env(tt.env)}, tt.opts...)
			err := tt.load(opts...)
			if tt.weak {
				require.ErrorIs(t, err, envcfg.ErrWeakSecret)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func loadAs[T any](opts ...envcfg.Option) error {
	_, err := envcfg.Load[T](context.Background(), opts...)
	return err
}

// Item 13: a production variable that cannot be read fails closed.
func TestProductionUnreadableFailsClosed(t *testing.T) {
	t.Parallel()
	type config struct {
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	_, err := envcfg.Load[config](context.Background(), envcfg.WithProduction("APP_ENV", "production"), quiet,
		env(map[string]string{"APP_ENV_FILE": ""}))
	require.ErrorIs(t, err, envcfg.ErrFile)
	require.ErrorIs(t, err, envcfg.ErrWeakSecret)
}

// Item 14: WithProductionRequired makes an unset production variable an
// error; without it an unset variable still means development.
func TestWithProductionRequired(t *testing.T) {
	t.Parallel()
	type config struct {
		Env     string        `env:"APP_ENV, default=development" validate:"oneof=development production test"`
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	type undeclared struct {
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	prod := envcfg.WithProduction("APP_ENV", "production")
	strict := envcfg.WithProductionRequired()

	// Zero-config development keeps working without the option.
	_, err := envcfg.Load[config](context.Background(), prod, quiet, env(nil))
	require.NoError(t, err)

	for name, e := range map[string]map[string]string{"unset": {}, "empty": {"APP_ENV": ""}} {
		_, err = envcfg.Load[config](context.Background(), prod, strict, quiet, env(e))
		require.ErrorIs(t, err, envcfg.ErrMissing, name)
		assert.Equal(t, map[string]string{
			"APP_ENV":        "is required but not set: this program needs it to say which environment it runs in; expected one of: development, production, test",
			"SESSION_SECRET": "still has its development default; production needs a strong, unique value",
		}, problems(t, err), "%s: missing counts as production (fail closed)", name)

		_, err = envcfg.Load[undeclared](context.Background(), prod, strict, quiet, env(e))
		assert.Equal(t, map[string]string{
			"APP_ENV":        "is required but not set: this program needs it to say which environment it runs in; production when it is one of: production",
			"SESSION_SECRET": "still has its development default; production needs a strong, unique value",
		}, problems(t, err), name)
	}

	// Set explicitly, in a file or as development: fine.
	_, err = envcfg.Load[config](context.Background(), prod, strict, quiet, env(map[string]string{"APP_ENV": "development"}))
	require.NoError(t, err)
	_, err = envcfg.Load[undeclared](context.Background(), prod, strict, quiet, env(map[string]string{"APP_ENV": "test"}))
	require.NoError(t, err)
	files := envcfg.WithOpenFile(func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("test")), nil })
	_, err = envcfg.Load[config](context.Background(), prod, strict, quiet, files, env(map[string]string{"APP_ENV_FILE": "/run/env"}))
	require.NoError(t, err)

	// Without WithProduction the option has nothing to require.
	_, err = envcfg.Load[config](context.Background(), strict)
	require.ErrorContains(t, err, "WithProductionRequired needs WithProduction")
}

// Item 15: integers are plain decimal; 010 is not silently 8, and the
// message says exactly what is accepted.
func TestIntegersAreDecimal(t *testing.T) {
	t.Parallel()
	type config struct {
		Port   uint16         `env:"PORT, default=5000"`
		Offset int            `env:"OFFSET"`
		Ports  []int          `env:"PORTS"`
		Limits map[string]int `env:"LIMITS"`
		Small  int8           `env:"SMALL"`
	}
	cfg, err := envcfg.Load[config](context.Background(), dev, env(map[string]string{
		"PORT": "8080", "OFFSET": "-42", "PORTS": "0, 10 ,443", "LIMITS": "a:0,b:+7", "SMALL": "-128",
	}))
	require.NoError(t, err)
	assert.Equal(t, uint16(8080), cfg.Port)
	assert.Equal(t, -42, cfg.Offset)
	assert.Equal(t, []int{0, 10, 443}, cfg.Ports)
	assert.Equal(t, map[string]int{"a": 0, "b": 7}, cfg.Limits)
	assert.Equal(t, int8(-128), cfg.Small)

	portMsg := "is not valid: must be a whole number from 0 to 65535 in decimal digits without leading zeros"
	for _, bad := range []string{"010", "08080", "0x1F90", "0o17", "0b1", "8_080", "+80", " 80", "1e3"} {
		_, err := envcfg.Load[config](context.Background(), dev, env(map[string]string{"PORT": bad}))
		require.ErrorIs(t, err, envcfg.ErrInvalid, bad)
		assert.Equal(t, map[string]string{"PORT": portMsg}, problems(t, err), bad)
	}
	_, err = envcfg.Load[config](context.Background(), dev, env(map[string]string{"OFFSET": "-010", "PORTS": "80,0443", "LIMITS": "a:0x10", "SMALL": "010"}))
	assert.Equal(t, map[string]string{
		"OFFSET": "is not valid: must be a whole number in decimal digits without leading zeros, such as 42 or -42",
		"PORTS":  `is not valid: must be a list separated by ",", each item a whole number in decimal digits without leading zeros, such as 42 or -42`,
		"LIMITS": `is not valid: must be a list of key:value pairs separated by ",", each key a string and each value a whole number in decimal digits without leading zeros, such as 42 or -42`,
		"SMALL":  "is not valid: must be a whole number from -128 to 127 in decimal digits without leading zeros",
	}, problems(t, err))

	// A default is held to the same rule.
	type badDefault struct {
		N int `env:"N, default=010"`
	}
	_, err = envcfg.Load[badDefault](context.Background(), dev, env(nil))
	require.ErrorIs(t, err, envcfg.ErrInvalid)
}

// Item 17: cross-field rules name the variable, and a comparison with a
// variable that did not parse is not reported against the other one.
func TestCrossFieldRulesNameVariables(t *testing.T) {
	t.Parallel()
	type pool struct {
		Min int `env:"MIN, default=1" validate:"ltefield=Max"`
		Max int `env:"MAX, default=10"`
	}
	type config struct {
		Low  int  `env:"LOW" validate:"ltfield=High"`
		High int  `env:"HIGH"`
		Pool pool `env:", prefix=POOL_"`
		Same int  `env:"SAME" validate:"eqcsfield=Pool.Max"`
	}
	_, err := envcfg.Load[config](context.Background(), dev, env(map[string]string{
		"LOW": "5", "HIGH": "3", "POOL_MIN": "20", "SAME": "4",
	}))
	assert.Equal(t, map[string]string{
		"LOW":      "must be less than HIGH",
		"POOL_MIN": "must be at most POOL_MAX",
		"SAME":     "must equal POOL_MAX",
	}, problems(t, err))

	// HIGH and POOL_MAX do not parse: only their own problems are listed.
	_, err = envcfg.Load[config](context.Background(), dev, env(map[string]string{
		"LOW": "5", "HIGH": "three", "POOL_MIN": "20", "POOL_MAX": "ten", "SAME": "10",
	}))
	assert.Equal(t, map[string]string{
		"HIGH":     "is not valid: must be a whole number in decimal digits without leading zeros, such as 42 or -42",
		"POOL_MAX": "is not valid: must be a whole number in decimal digits without leading zeros, such as 42 or -42",
	}, problems(t, err))

	var buf bytes.Buffer
	require.NoError(t, envcfg.Usage(&buf, config{}))
	assert.Contains(t, buf.String(), "Must be at most POOL_MAX.")
	assert.Contains(t, buf.String(), "Must be less than HIGH.")
	assert.NotContains(t, buf.String(), "Max")
}

// Item 17: lists and maps of secrets get the production checks.
func TestSecretListsGetProductionChecks(t *testing.T) {
	t.Parallel()
	type config struct {
		Keys    []envcfg.Secret          `env:"KEYS"`
		Old     []envcfg.Secret          `env:"OLD_KEYS" envcfg:"optional"`
		Dev     []envcfg.Secret          `env:"DEV_KEYS, default=dev-key-one,dev-key-two" envcfg:"devdefault"`
		Tenants map[string]envcfg.Secret `env:"TENANT_KEYS" envcfg:"optional"`
	}
	ok := map[string]string{"KEYS": strong + "," + strong[1:], "DEV_KEYS": strong}
	_, err := envcfg.Load[config](context.Background(), env(ok))
	require.NoError(t, err)

	_, err = envcfg.Load[config](context.Background(), env(map[string]string{
		"KEYS": strong + ",changeme", "OLD_KEYS": strong + ",", "TENANT_KEYS": "a:" + strong + ",b:password",
	}))
	require.ErrorIs(t, err, envcfg.ErrWeakSecret)
	fix := "; production needs a strong, unique value (every environment counts as production until the program passes envcfg.WithProduction to Load)"
	assert.Equal(t, map[string]string{
		"KEYS":        "has a known placeholder value (item 2)" + fix,
		"OLD_KEYS":    "has an empty item (item 2)" + fix,
		"DEV_KEYS":    "still has its development default" + fix,
		"TENANT_KEYS": "has a known placeholder value" + fix,
	}, problems(t, err))
	assert.NotContains(t, err.Error(), strong)

	_, err = envcfg.Load[config](context.Background(), env(map[string]string{"DEV_KEYS": strong}))
	assert.Equal(t, map[string]string{"KEYS": "is empty" + fix}, problems(t, err))

	// Outside production: warnings, and the secrets never reach the logs.
	var logs bytes.Buffer
	_, err = envcfg.Load[config](context.Background(), dev, envcfg.WithLogger(logRecords(&logs)),
		env(map[string]string{"KEYS": "changeme," + strong}))
	require.NoError(t, err)
	assert.Contains(t, logs.String(), `"var":"KEYS"`)
	assert.Contains(t, logs.String(), `"var":"DEV_KEYS"`)
	assert.NotContains(t, logs.String(), strong)

	// A list of secrets is never written to .env.example with its default.
	var buf bytes.Buffer
	require.NoError(t, envcfg.WriteExample(&buf, config{}))
	assert.NotContains(t, buf.String(), "dev-key-one")
	assert.Contains(t, buf.String(), "\nDEV_KEYS=\n")
}

// Item 17: go-envconfig mutators through WithMutators, with the variable's
// names; their errors become problems without their text.
func TestWithMutators(t *testing.T) {
	t.Parallel()
	type db struct {
		Password envcfg.Secret `env:"PASSWORD, required"`
	}
	type config struct {
		Port int    `env:"PORT, default=ref:port"`
		DB   db     `env:", prefix=DB_"`
		Name string `env:"NAME"`
	}
	store := map[string]string{"ref:port": "8080", "ref:db": strong}
	var seen []string
	resolve := envconfig.MutatorFunc(func(_ context.Context, key, resolved, original, cur string) (string, bool, error) {
		seen = append(seen, key+"/"+resolved+"/"+original)
		if !strings.HasPrefix(cur, "ref:") {
			return cur, false, nil
		}
		v, ok := store[cur]
		if !ok {
			return "", true, errors.New("reference not found")
		}
		return v, false, nil
	})
	upper := envconfig.MutatorFunc(func(_ context.Context, _, _, _, cur string) (string, bool, error) {
		return strings.ToUpper(cur), false, nil
	})
	cfg, err := envcfg.Load[config](context.Background(), dev, envcfg.WithMutators(resolve), envcfg.WithMutators(upper),
		env(map[string]string{"DB_PASSWORD": "ref:db", "NAME": "svc"}))
	require.NoError(t, err)
	assert.Equal(t, 8080, cfg.Port)
	assert.Equal(t, strings.ToUpper(strong), cfg.DB.Password.Reveal())
	assert.Equal(t, "SVC", cfg.Name)
	assert.Equal(t, []string{"PORT/PORT/ref:port", "PASSWORD/DB_PASSWORD/ref:db", "NAME/NAME/svc"}, seen)

	// A failing mutator: ErrMutator, its own error reachable, its text and
	// the value kept out of the message. stop=true skipped "upper".
	_, err = envcfg.Load[config](context.Background(), dev, envcfg.WithMutators(resolve, upper),
		env(map[string]string{"DB_PASSWORD": "ref:missing-db-reference"}))
	require.ErrorIs(t, err, envcfg.ErrMutator)
	var e *envcfg.Error
	require.ErrorAs(t, err, &e)
	require.Len(t, e.Problems, 1)
	assert.Equal(t, "DB_PASSWORD", e.Problems[0].Var)
	assert.Equal(t, "could not be resolved: a mutator given to envcfg.WithMutators failed", e.Problems[0].Message)
	assert.ErrorContains(t, e.Problems[0].Err, "reference not found")
	assert.NotContains(t, err.Error(), "missing-db-reference")

	// Integers a mutator returns are held to the decimal rule.
	octal := envconfig.MutatorFunc(func(_ context.Context, _, _, _, cur string) (string, bool, error) { return "010", false, nil })
	_, err = envcfg.Load[config](context.Background(), dev, envcfg.WithMutators(octal), env(map[string]string{"DB_PASSWORD": strong}))
	require.ErrorIs(t, err, envcfg.ErrInvalid)

	assert.PanicsWithValue(t, "envcfg: WithMutators: mutator is nil", func() { envcfg.WithMutators(nil) })
	assert.PanicsWithValue(t, "envcfg: WithMutators: mutator is nil", func() { envcfg.WithMutators(envconfig.MutatorFunc(nil)) })
}

// Item 16: WriteExample writes each default so that a dotenv parser reads
// it back as the value Load would give the variable: quotes for ' and #,
// no expansion of a literal $, backslashes kept, and NAME= (empty, which
// takes the default) for a default that expands a variable or cannot be
// quoted. The examples module reads such a file back with godotenv.
func TestWriteExampleQuotesForDotenv(t *testing.T) {
	t.Parallel()
	type config struct {
		Plain    string `env:"PLAIN, default=http://localhost:11434/x?a=b&c=*"`
		Quote    string `env:"QUOTE, default=it's here"`
		Both     string `env:"BOTH, default=it's \"quoted\" \\$5 \\\\ x"`
		Dollar   string `env:"DOLLAR, default=\\$HOME/x"`
		Ref      string `env:"REF, default=${OTHER}-suffix"`
		Back     string `env:"BACK, default=C:\\\\dir\\\\"`
		Hash     string `env:"HASH, default=a #b"`
		Spaces   string `env:"SPACES, default= padded "`
		Hopeless string `env:"HOPELESS, default=' x\\\\"`
	}
	var buf bytes.Buffer
	require.NoError(t, envcfg.WriteExample(&buf, config{}))
	want := `# Optional, default http://localhost:11434/x?a=b&c=*.
PLAIN=http://localhost:11434/x?a=b&c=*

# Optional, default it's here.
QUOTE="it's here"

# Optional, default it's "quoted" \$5 \\ x.
BOTH="it's \"quoted\" \$5 \\ x"

# Optional, default \$HOME/x.
DOLLAR='$HOME/x'

# Optional, default ${OTHER}-suffix (left empty here: an empty value takes the default).
REF=

# Optional, default C:\\dir\\.
BACK=C:\dir\

# Optional, default a #b.
HASH='a #b'

# Optional, default padded.
SPACES=' padded '

# Optional, default ' x\\ (left empty here: an empty value takes the default).
HOPELESS=
`
	assert.Equal(t, want, buf.String())
}
