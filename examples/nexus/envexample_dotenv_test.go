package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/joho/godotenv"
	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

// loadWith loads T from the environment base layered over the dotenv
// values m, as the server layers its environment over .env, outside
// production, with the weak-secret warnings discarded.
func loadWith[T any](t testing.TB, m, base map[string]string) *T {
	t.Helper()
	cfg, err := envcfg.Load[T](context.Background(),
		envcfg.WithProduction("NODE_ENV", "production"),
		envcfg.WithLogger(slog.New(slog.DiscardHandler)),
		envcfg.WithLookup(func(k string) (string, bool) {
			if v, ok := base[k]; ok {
				return v, true
			}
			v, ok := m[k]
			return v, ok
		}))
	require.NoError(t, err)
	return cfg
}

// The committed .env.example, read back by a real dotenv parser, holds each
// variable's default, and loading it gives exactly the configuration of an
// empty environment.
func TestEnvExampleReadsBackWithGodotenv(t *testing.T) {
	t.Parallel()
	f, err := os.Open(".env.example")
	require.NoError(t, err)
	defer f.Close()
	parsed, err := godotenv.Parse(f)
	require.NoError(t, err)

	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		tag, ok := ct.Field(i).Tag.Lookup("env")
		if !ok {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		value, ok := parsed[name]
		require.True(t, ok, "%s is missing from .env.example", name)
		_, def, _ := strings.Cut(opts, "default=")
		if ct.Field(i).Type == reflect.TypeFor[envcfg.Secret]() {
			def = "" // secrets are never written
		}
		assert.Equal(t, def, value, "%s", name)
	}
	assert.Equal(t, loadWith[Config](t, nil, nil), loadWith[Config](t, parsed, nil))
}

// trickyConfig has defaults a dotenv file must quote or leave empty.
type trickyConfig struct {
	Quote    string   `env:"QUOTE, default=it's here"`
	Both     string   `env:"BOTH, default=it's \"quoted\" \\$5 \\\\ x"`
	Dollar   string   `env:"DOLLAR, default=\\$HOME/x"`
	Other    string   `env:"OTHER"`
	Ref      string   `env:"REF, default=${OTHER}-$NODE_ENV"`
	Back     string   `env:"BACK, default=C:\\\\dir\\\\"`
	Hash     string   `env:"HASH, default=a #b"`
	Spaces   string   `env:"SPACES, default= padded "`
	EndQuote string   `env:"END_QUOTE, default=say \"hi\""`
	Hopeless string   `env:"HOPELESS, default=' x\\\\"`
	Unicode  string   `env:"UNICODE, default=café ☕"`
	List     []string `env:"LIST, default=a b,c'd,$$"`
}

// WriteExample's output for awkward defaults, read back with godotenv,
// loads to the same configuration as the defaults themselves.
func TestWriteExampleRoundTripsThroughGodotenv(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, envcfg.WriteExample(&buf, trickyConfig{}))
	parsed, err := godotenv.Parse(&buf)
	require.NoError(t, err, buf.String())
	base := map[string]string{"NODE_ENV": "test", "HOME": "/home/u", "OTHER": "o"}
	want := loadWith[trickyConfig](t, nil, base)
	assert.Equal(t, want, loadWith[trickyConfig](t, parsed, base))
	assert.Equal(t, "it's here", parsed["QUOTE"])
	assert.Equal(t, `it's "quoted" $5 \ x`, parsed["BOTH"])
	assert.Equal(t, "$HOME/x", parsed["DOLLAR"])
	assert.Equal(t, "", parsed["REF"], "a default that expands variables is left to Load")
	assert.Equal(t, "o-test", want.Ref)
	assert.Equal(t, `C:\dir\`, parsed["BACK"])
	assert.Equal(t, " padded ", parsed["SPACES"])
	assert.Equal(t, `say "hi"`, parsed["END_QUOTE"])
}

// FuzzWriteExampleGodotenv: for any default, the line WriteExample writes
// reads back through godotenv as a value that decodes like the default.
// Load is generic, so the fuzz decodes the runtime-built struct with
// go-envconfig, which Load uses for defaults; an empty value is dropped, as
// Load treats it as unset.
func FuzzWriteExampleGodotenv(f *testing.F) {
	for _, s := range []string{"plain", "it's", `a"b"`, `\$HOME`, "$HOME", `x\`, " # y", "a\\,b", "${", "€\xff", `'\`, `"x`, "a\nb\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, def string) {
		if strings.ContainsAny(def, "\x00\b") {
			t.Skip("go-envconfig uses NUL and backspace internally for escapes in defaults")
		}
		typ := reflect.StructOf([]reflect.StructField{{
			Name: "V", Type: reflect.TypeFor[string](),
			Tag: reflect.StructTag(`env:` + strconv.Quote("FUZZ_V, default="+def)),
		}})
		var buf bytes.Buffer
		if err := envcfg.WriteExample(&buf, reflect.New(typ).Interface()); err != nil {
			t.Skip("not a usable tag")
		}
		parsed, err := godotenv.Parse(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("godotenv cannot read the example: %v\n%s", err, buf.String())
		}
		base := map[string]string{"HOME": "/home/u", "A": "a", "FUZZ": "z"}
		decode := func(m map[string]string) (string, error) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range m {
				if v != "" {
					env[k] = v
				}
			}
			target := reflect.New(typ)
			err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: target.Interface(), Lookuper: envconfig.MapLookuper(env)})
			return target.Elem().Field(0).String(), err
		}
		want, err := decode(nil)
		if err != nil {
			t.Skip("go-envconfig rejects the tag")
		}
		if got, _ := decode(parsed); got != want {
			t.Fatalf("default %q: the example reads back as %q, the default is %q\n%s", def, got, want, buf.String())
		}
	})
}
