package main

import (
	"context"
	"log/slog"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

// Run from its container image (NEXUS_REQUIRE_NODE_ENV=true, set by the
// Dockerfile), the server refuses an unset or empty NODE_ENV; elsewhere an
// unset NODE_ENV still means development, with no configuration at all.
func TestImageRequiresNodeEnv(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	load := func(env map[string]string) error {
		_, err := loadConfig(context.Background(), getenvFrom(env), "", quiet, true)
		return err
	}

	require.NoError(t, load(nil), "make run stays zero-config")

	for _, env := range []map[string]string{
		{"NEXUS_REQUIRE_NODE_ENV": "true"},
		{"NEXUS_REQUIRE_NODE_ENV": "1", "NODE_ENV": ""},
	} {
		err := load(env)
		require.ErrorIs(t, err, envcfg.ErrMissing)
		var e *envcfg.Error
		require.ErrorAs(t, err, &e)
		assert.True(t, e.Has("NODE_ENV"), "%v", err)
		assert.True(t, e.Has("SESSION_SECRET"), "missing NODE_ENV counts as production: %v", err)
	}

	require.NoError(t, load(map[string]string{"NEXUS_REQUIRE_NODE_ENV": "true", "NODE_ENV": "development"}))
	require.NoError(t, load(map[string]string{"NEXUS_REQUIRE_NODE_ENV": "false"}))
	require.ErrorIs(t, load(map[string]string{"NEXUS_REQUIRE_NODE_ENV": "yes"}), envcfg.ErrInvalid)
}

func TestDockerfileRequiresNodeEnv(t *testing.T) {
	t.Parallel()
	df, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	env := regexp.MustCompile(`(?m)^ENV .*$`).FindAllString(string(df), -1)
	require.NotEmpty(t, env)
	assert.Regexp(t, `\bNODE_ENV=production\b`, env[len(env)-1])
	assert.Regexp(t, `\bNEXUS_REQUIRE_NODE_ENV=true\b`, env[len(env)-1])
}
