package envcfg_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/nexuskit/nexus/envcfg"
)

// Config is a typical service configuration.
type Config struct {
	DatabaseURL url.URL       `env:"DATABASE_URL, required" desc:"PostgreSQL connection URL."`
	Env         string        `env:"NODE_ENV, default=development" validate:"oneof=development production test" desc:"Deployment environment."`
	Port        uint16        `env:"PORT, default=5000" desc:"HTTP listen port."`
	Session     envcfg.Secret `env:"SESSION_SECRET, default=dev-session-key-not-for-production-use" envcfg:"devdefault" validate:"min=32" desc:"Key that signs session cookies."`
	OpenAIKey   envcfg.Secret `env:"OPENAI_API_KEY" envcfg:"optional" desc:"OpenAI API key; AI features are off without it."`
	Timeout     time.Duration `env:"REQUEST_TIMEOUT, default=30s" validate:"min=1s" desc:"Upper bound for one request."`
}

// Every problem is reported at once, one line per variable, and no value
// (secret or not) appears in the text.
func Example() {
	environment := map[string]string{
		"NODE_ENV":        "production",
		"PORT":            "http",
		"SESSION_SECRET":  "changeme",
		"REQUEST_TIMEOUT": "500ms",
	}
	_, err := envcfg.Load[Config](context.Background(),
		envcfg.WithProduction("NODE_ENV", "production"),
		envcfg.WithLookup(func(k string) (string, bool) {
			v, ok := environment[k]
			return v, ok
		}),
	)
	fmt.Println(err)
	// Output:
	// DATABASE_URL: is required but not set; expected a URL such as https://example.com/path
	// PORT: is not valid: must be a whole number from 0 to 65535 in decimal digits without leading zeros
	// SESSION_SECRET: is a known placeholder value; production needs a strong, unique value
	// REQUEST_TIMEOUT: must be at least 1s
}

func ExampleWriteExample() {
	if err := envcfg.WriteExample(os.Stdout, Config{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # PostgreSQL connection URL.
	// # Required.
	// DATABASE_URL=
	//
	// # Deployment environment.
	// # Optional, default development. One of: development, production, test.
	// NODE_ENV=development
	//
	// # HTTP listen port.
	// # Optional, default 5000.
	// PORT=5000
	//
	// # Key that signs session cookies.
	// # Required in production; development uses a built-in default. Secret: never commit a real value; SESSION_SECRET_FILE may name a file holding it. Must be at least 32 characters long.
	// SESSION_SECRET=
	//
	// # OpenAI API key; AI features are off without it.
	// # Optional. Secret: never commit a real value; OPENAI_API_KEY_FILE may name a file holding it.
	// OPENAI_API_KEY=
	//
	// # Upper bound for one request.
	// # Optional, default 30s. Must be at least 1s.
	// REQUEST_TIMEOUT=30s
}

func ExampleUsage() {
	if err := envcfg.Usage(os.Stdout, Config{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// VARIABLE         TYPE      DEFAULT      REQUIRED    DESCRIPTION
	// DATABASE_URL     url       -            yes         PostgreSQL connection URL.
	// NODE_ENV         string    development  no          Deployment environment. One of: development, production, test.
	// PORT             uint16    5000         no          HTTP listen port.
	// SESSION_SECRET   secret    -            production  Key that signs session cookies. Must be at least 32 characters long.
	// OPENAI_API_KEY   secret    -            no          OpenAI API key; AI features are off without it.
	// REQUEST_TIMEOUT  duration  30s          no          Upper bound for one request. Must be at least 1s.
}

func ExampleSecret() {
	key := envcfg.Secret("sk-live-1234")
	fmt.Printf("%v %s %q %#v\n", key, key, key, key)
	fmt.Println(len(key.Reveal()))
	// Output:
	// [REDACTED] [REDACTED] [REDACTED] [REDACTED]
	// 12
}

// Without WithProduction every environment counts as production (fail
// closed), so a secret at its development default is an error even on a
// laptop. WithProduction names the variable that tells production apart;
// elsewhere a weak secret is only a logged warning.
func ExampleWithProduction() {
	type config struct {
		Env     string        `env:"APP_ENV, default=development"`
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	laptop := envcfg.WithLookup(func(k string) (string, bool) {
		if k == "APP_ENV" {
			return "development", true
		}
		return "", false
	})

	_, err := envcfg.Load[config](context.Background(), laptop)
	fmt.Println(err)

	// Warnings go to the logger; drop the time so the output is stable.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	cfg, err := envcfg.Load[config](context.Background(), laptop,
		envcfg.WithProduction("APP_ENV", "production"),
		envcfg.WithLogger(logger))
	fmt.Println(cfg.Env, err)
	// Output:
	// SESSION_SECRET: still has its development default; production needs a strong, unique value (every environment counts as production until the program passes envcfg.WithProduction to Load)
	// level=WARN msg="envcfg: weak secret (an error in production)" var=SESSION_SECRET reason="still has its development default"
	// development <nil>
}

// A program that is always deployed with its production variable set (a
// container image, a Kubernetes manifest) makes forgetting it an error
// rather than a silent fall-back to development.
func ExampleWithProductionRequired() {
	type config struct {
		Env     string        `env:"APP_ENV, default=development" validate:"oneof=development production"`
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	deploy := envcfg.WithLookup(func(k string) (string, bool) {
		if k == "APP_ENV" {
			return "", true // APP_ENV=${APP_ENV} with APP_ENV forgotten
		}
		return "", false
	})
	_, err := envcfg.Load[config](context.Background(), deploy,
		envcfg.WithProduction("APP_ENV", "production"),
		envcfg.WithProductionRequired())
	fmt.Println(err)
	// Output:
	// APP_ENV: is required but not set: this program needs it to say which environment it runs in; expected one of: development, production
	// SESSION_SECRET: still has its development default; production needs a strong, unique value
}

// Mutators resolve references before decoding, here a stand-in for a
// secret manager. The production checks and validate rules see the
// resolved value.
func ExampleWithMutators() {
	type config struct {
		DBPassword envcfg.Secret `env:"DB_PASSWORD, required" validate:"min=16"`
	}
	vault := map[string]string{"sm://db/password": "k9#Vq2$wLx7!pR4zT8mN3bY6"}
	resolve := envconfig.MutatorFunc(func(ctx context.Context, key, resolvedKey, original, current string) (string, bool, error) {
		ref, ok := strings.CutPrefix(current, "sm://")
		if !ok {
			return current, false, nil
		}
		v, found := vault["sm://"+ref]
		if !found {
			return "", true, errors.New("no such secret")
		}
		return v, false, nil
	})
	lookup := envcfg.WithLookup(func(k string) (string, bool) {
		if k == "DB_PASSWORD" {
			return "sm://db/password", true
		}
		return "", false
	})
	cfg, err := envcfg.Load[config](context.Background(), lookup, envcfg.WithMutators(resolve))
	fmt.Println(len(cfg.DBPassword.Reveal()), err)
	// Output:
	// 24 <nil>
}
