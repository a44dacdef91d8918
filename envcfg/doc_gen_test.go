package envcfg_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

type genDB struct {
	Host string `env:"HOST, required" desc:"Database host."`
	Pool int    `env:"POOL, default=10" validate:"gte=1,lte=100"`
}

type genConfig struct {
	Mode    string        `env:"MODE, default=fast" validate:"oneof=fast 'very safe' slow" desc:"Processing mode.\nPick one."`
	Tags    []string      `env:"TAGS, default=ab,c" validate:"dive,alpha"`
	Name    string        `env:"NAME" validate:"required,max=20"`
	DB      genDB         `env:", prefix=DB_"`
	Key     envcfg.Secret `env:"KEY, default=dev-key-123456" envcfg:"devdefault"`
	Token   envcfg.Secret `env:"TOKEN, required"`
	Comment string        `env:"COMMENT, default=has # hash"`
}

func TestWriteExample(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, envcfg.WriteExample(&buf, &genConfig{}))
	want := `# Processing mode.
# Pick one.
# Optional, default fast. One of: fast, very safe, slow.
MODE=fast

# Optional, default ab,c. Each item must contain only letters.
TAGS=ab,c

# Required. Must be at most 20 characters long.
NAME=

# Database host.
# Required.
DB_HOST=

# Optional, default 10. Must be at least 1. Must be at most 100.
DB_POOL=10

# Required in production; development uses a built-in default. Secret: never commit a real value; KEY_FILE may name a file holding it.
KEY=

# Required. Secret: never commit a real value; TOKEN_FILE may name a file holding it.
TOKEN=

# Optional, default has # hash.
COMMENT='has # hash'
`
	assert.Equal(t, want, buf.String())
	assert.NotContains(t, buf.String(), "dev-key-123456", "secret defaults are never written")
}

// The generated file, read back, gives Load the defaults it declares.
func TestWriteExampleRoundTrip(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, envcfg.WriteExample(&buf, genConfig{}))
	vars := map[string]string{}
	for line := range strings.Lines(buf.String()) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, line)
		if v != "" {
			vars[k] = strings.Trim(v, "'")
		}
	}
	vars["NAME"], vars["DB_HOST"], vars["TOKEN"] = "n", "h", strong
	cfg, err := envcfg.Load[genConfig](context.Background(), dev, env(vars), envcfg.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	assert.Equal(t, []string{"ab", "c"}, cfg.Tags)
	assert.Equal(t, "has # hash", cfg.Comment)
	assert.Equal(t, 10, cfg.DB.Pool)
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, envcfg.Usage(&buf, genConfig{}))
	want := `VARIABLE  TYPE      DEFAULT     REQUIRED    DESCRIPTION
MODE      string    fast        no          Processing mode. Pick one. One of: fast, very safe, slow.
TAGS      []string  ab,c        no          Each item must contain only letters.
NAME      string    -           yes         Must be at most 20 characters long.
DB_HOST   string    -           yes         Database host.
DB_POOL   int       10          no          Must be at least 1. Must be at most 100.
KEY       secret    -           production
TOKEN     secret    -           yes
COMMENT   string    has # hash  no
`
	assert.Equal(t, want, buf.String())
}

func TestDocsRejectBadInput(t *testing.T) {
	t.Parallel()
	type broken struct {
		Key envcfg.Secret `env:"KEY, default=abc"`
	}
	for name, fn := range map[string]func(any) error{
		"WriteExample": func(c any) error { return envcfg.WriteExample(&bytes.Buffer{}, c) },
		"Usage":        func(c any) error { return envcfg.Usage(&bytes.Buffer{}, c) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.ErrorContains(t, fn(nil), "nil")
			require.ErrorContains(t, fn(42), "must be a struct")
			err := fn(broken{})
			require.ErrorIs(t, err, envcfg.ErrDefinition)
			var e *envcfg.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "KEY", e.Problems[0].Var)
		})
	}
}
