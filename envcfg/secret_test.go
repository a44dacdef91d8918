package envcfg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

const plain = "s3cr3t-VALUE-9f8e7d"

type holder struct {
	Name   string
	Key    envcfg.Secret
	Ptr    *envcfg.Secret
	List   []envcfg.Secret
	ByName map[string]envcfg.Secret
}

func newHolder() holder {
	s := envcfg.Secret(plain)
	return holder{Name: "svc", Key: s, Ptr: &s, List: []envcfg.Secret{s}, ByName: map[string]envcfg.Secret{"k": s}}
}

func TestSecretRedactsInFmt(t *testing.T) {
	t.Parallel()
	s := envcfg.Secret(plain)
	h := newHolder()
	// %p and %w are not here: on a non-pointer, or outside fmt.Errorf, fmt
	// reports a bad verb and prints the operand bypassing every method (see
	// the Secret doc comment; go vet's printf check rejects both).
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-20q", "%T", "%U", "%c", "%t", "%e", "%08.3f", "%!", "%[2]v", "%v %v"}
	for _, verb := range verbs {
		t.Run(verb, func(t *testing.T) {
			t.Parallel()
			for _, out := range []string{
				fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h),
				fmt.Sprintf(verb, []any{s}), fmt.Sprintf(verb, map[envcfg.Secret]int{s: 1}),
			} {
				assert.NotContains(t, out, plain)
				assert.NotContains(t, out, fmt.Sprintf("%x", plain))
			}
		})
	}
	assert.Equal(t, envcfg.Redacted, fmt.Sprintf("%v", s))
	assert.Equal(t, envcfg.Redacted, s.String())
	assert.Equal(t, envcfg.Redacted, s.GoString())
	assert.Equal(t, envcfg.Redacted, fmt.Sprint(s))
	assert.Equal(t, plain, s.Reveal())
}

func TestSecretRedactsInSlog(t *testing.T) {
	t.Parallel()
	h := newHolder()
	for name, handler := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := slog.New(handler(&buf))
			l.Info("cfg", "key", h.Key, "ptr", h.Ptr, "holder", h, slog.Any("any", h.Key), slog.Group("g", "k", h.Key))
			require.Contains(t, buf.String(), envcfg.Redacted)
			assert.NotContains(t, buf.String(), plain)
		})
	}
}

func TestSecretRedactsInEncodings(t *testing.T) {
	t.Parallel()
	h := newHolder()
	j, err := json.Marshal(h)
	require.NoError(t, err)
	assert.NotContains(t, string(j), plain)
	assert.Contains(t, string(j), `"Key":"[REDACTED]"`)

	type doc struct{ Key envcfg.Secret }
	x, err := xml.Marshal(doc{h.Key})
	require.NoError(t, err)
	assert.Equal(t, "<doc><Key>[REDACTED]</Key></doc>", string(x))

	text, err := h.Key.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, envcfg.Redacted, string(text))
}

// The loaded configuration itself may be printed or logged whole.
func TestLoadedConfigRedactsSecret(t *testing.T) {
	t.Parallel()
	type config struct {
		Key envcfg.Secret `env:"KEY, required"`
	}
	cfg, err := envcfg.Load[config](context.Background(), env(map[string]string{"KEY": plain}))
	require.NoError(t, err)
	assert.Equal(t, plain, cfg.Key.Reveal())
	assert.NotContains(t, fmt.Sprintf("%+v %#v", cfg, *cfg), plain)
}
