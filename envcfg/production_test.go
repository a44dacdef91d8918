package envcfg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

const strong = "k9#Vq2$wLx7!pR4zT8mN3bY6hJ1cF5dS"

type secretsConfig struct {
	Env     string         `env:"APP_ENV, default=development"`
	Session envcfg.Secret  `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	APIKey  envcfg.Secret  `env:"API_KEY" envcfg:"optional"`
	Token   *envcfg.Secret `env:"TOKEN"`
}

// logRecords returns a logger that records into buf as JSON lines.
func logRecords(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, nil))
}

func TestProductionSecretChecks(t *testing.T) {
	t.Parallel()
	prod := envcfg.WithProduction("APP_ENV", "production", "prod")
	tests := []struct {
		name    string
		env     map[string]string
		opts    []envcfg.Option
		problem map[string]string // var -> message, in production
		warn    []string          // vars warned about, outside production
	}{
		{
			name: "production, all strong",
			env:  map[string]string{"APP_ENV": "production", "SESSION_SECRET": strong, "API_KEY": strong, "TOKEN": strong},
		},
		{
			name: "production, dev default, empty token",
			env:  map[string]string{"APP_ENV": "PRODUCTION"},
			problem: map[string]string{
				"SESSION_SECRET": "still has its development default; production needs a strong, unique value",
				"TOKEN":          "is empty; production needs a strong, unique value",
			},
		},
		{
			name: "production, value equal to the default",
			env:  map[string]string{"APP_ENV": " prod ", "SESSION_SECRET": "dev-only-session-key", "TOKEN": strong},
			problem: map[string]string{
				"SESSION_SECRET": "still has its development default; production needs a strong, unique value",
			},
		},
		{
			name: "production, placeholders",
			env:  map[string]string{"APP_ENV": "production", "SESSION_SECRET": "Change-Me", "API_KEY": "PASSWORD", "TOKEN": "xxxxxxxxxxxx"},
			problem: map[string]string{
				"SESSION_SECRET": "is a known placeholder value; production needs a strong, unique value",
				"API_KEY":        "is a known placeholder value; production needs a strong, unique value",
				"TOKEN":          "is a known placeholder value; production needs a strong, unique value",
			},
		},
		{
			name: "development warns instead",
			env:  map[string]string{"APP_ENV": "development", "API_KEY": "changeme"},
			warn: []string{"SESSION_SECRET", "API_KEY", "TOKEN"},
		},
		{
			name: "unset production variable is not production",
			env:  map[string]string{"TOKEN": "secret"},
			warn: []string{"SESSION_SECRET", "TOKEN"},
		},
		{
			name: "without WithProduction every environment is production",
			env:  map[string]string{"APP_ENV": "development", "SESSION_SECRET": strong, "TOKEN": "default"},
			opts: []envcfg.Option{},
			problem: map[string]string{
				"TOKEN": "is a known placeholder value; production needs a strong, unique value" +
					" (every environment counts as production until the program passes envcfg.WithProduction to Load)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			opts := tt.opts
			if opts == nil {
				opts = []envcfg.Option{prod}
			}
			opts = append(opts, env(tt.env), envcfg.WithLogger(logRecords(&logs)))
			cfg, err := envcfg.Load[secretsConfig](context.Background(), opts...)
			if len(tt.problem) > 0 {
				var e *envcfg.Error
				require.ErrorAs(t, err, &e)
				require.ErrorIs(t, err, envcfg.ErrWeakSecret)
				got := map[string]string{}
				for _, p := range e.Problems {
					got[p.Var] = p.Message
				}
				assert.Equal(t, tt.problem, got)
			} else {
				require.NoError(t, err)
				require.NotNil(t, cfg)
			}

			var warned []string
			for line := range strings.Lines(logs.String()) {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec))
				assert.Equal(t, "WARN", rec["level"])
				assert.NotEmpty(t, rec["reason"])
				warned = append(warned, rec["var"].(string))
			}
			assert.Equal(t, tt.warn, warned)
			for _, v := range tt.env {
				// Short placeholders ("secret") occur in the messages'
				// own words; the long values must never appear.
				if len(v) >= 12 {
					assert.NotContains(t, logs.String(), v)
					if err != nil {
						assert.NotContains(t, err.Error(), v)
					}
				}
			}
		})
	}
}

// The production variable's own default counts when it is unset: a program
// whose config says APP_ENV defaults to production runs as production, so
// its secrets get the production checks.
func TestProductionVariableDefault(t *testing.T) {
	t.Parallel()
	type config struct {
		Env     string        `env:"APP_ENV, default=production"`
		Session envcfg.Secret `env:"SESSION_SECRET, default=dev-only-session-key" envcfg:"devdefault"`
	}
	prod := envcfg.WithProduction("APP_ENV", "production")
	tests := []struct {
		name string
		env  map[string]string
		weak bool
	}{
		{"unset: the default says production", map[string]string{}, true},
		{"set to development", map[string]string{"APP_ENV": "development"}, false},
		{"set but empty takes the default: production", map[string]string{"APP_ENV": ""}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			_, err := envcfg.Load[config](context.Background(), prod, env(tt.env), envcfg.WithLogger(logRecords(&logs)))
			if tt.weak {
				require.ErrorIs(t, err, envcfg.ErrWeakSecret)
				assert.Empty(t, logs.String())
			} else {
				require.NoError(t, err)
				assert.Contains(t, logs.String(), "SESSION_SECRET")
			}
		})
	}
}

func TestProductionOneProblemPerSecret(t *testing.T) {
	t.Parallel()
	type config struct {
		Key envcfg.Secret `env:"KEY, required" validate:"min=32"`
	}
	_, err := envcfg.Load[config](context.Background(), env(map[string]string{"KEY": "changeme"}))
	var e *envcfg.Error
	require.ErrorAs(t, err, &e)
	require.Len(t, e.Problems, 1)
	assert.Equal(t, envcfg.ErrWeakSecret, e.Problems[0].Err)

	_, err = envcfg.Load[config](context.Background(), env(map[string]string{"KEY": "k9#Vq2$wLx7"}))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, []envcfg.Problem{{Var: "KEY", Err: envcfg.ErrValidation, Message: "must be at least 32 characters long"}}, e.Problems)
	assert.NotContains(t, err.Error(), "k9#Vq2$wLx7")
}

func TestPlaceholderVariants(t *testing.T) {
	t.Parallel()
	type config struct {
		Key envcfg.Secret `env:"KEY"`
	}
	weak := []string{"changeme", "CHANGEME", "change_me", "Change Me", "secret", "Secret", "password", "Password1"[:8],
		"default", "example", "EXAMPLE", "placeholder", "todo", "123456", "aaaaaaaa", "        ",
		"dev-secret-change-me-in-production", "your-secret-here", "replace_me_please"}
	for _, v := range weak {
		_, err := envcfg.Load[config](context.Background(), env(map[string]string{"KEY": v}))
		assert.ErrorIs(t, err, envcfg.ErrWeakSecret, "%q should count as a placeholder", v)
	}
	for _, v := range []string{strong, "secretive-Lemur-42-orbit", "correct horse battery staple"} {
		_, err := envcfg.Load[config](context.Background(), env(map[string]string{"KEY": v}))
		assert.NoError(t, err, "%q is not a placeholder", v)
	}
}
