package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/ai"
	"github.com/nexuskit/nexus/examples/nexus/server"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

var update = flag.Bool("update", false, "rewrite .env.example from the Config struct")

// TestEnvExample keeps the committed .env.example equal to what
// envcfg.WriteExample generates (go test -run TestEnvExample -update).
func TestEnvExample(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, envcfg.WriteExample(&buf, &Config{}))
	if *update {
		require.NoError(t, os.WriteFile(".env.example", buf.Bytes(), 0o644))
	}
	committed, err := os.ReadFile(".env.example")
	require.NoError(t, err)
	assert.Equal(t, buf.String(), string(committed), ".env.example is stale: run go test -run TestEnvExample -update in examples/nexus")
	for _, v := range []string{"DATABASE_URL", "NODE_ENV", "PORT", "SESSION_SECRET", "LOG_LEVEL", "OPENAI_API_KEY",
		"OLLAMA_HOST", "REDIS_URL", "ENABLE_REDIS_CACHE", "ENABLE_DISTRIBUTED_SYSTEM", "CORS_ORIGIN",
		"RATE_LIMIT_WINDOW_MS", "RATE_LIMIT_MAX_REQUESTS"} {
		assert.Contains(t, string(committed), "\n"+v+"=", v)
	}
	assert.NotContains(t, string(committed), "nexus-development-only-session-secret", "secrets are never written")
}

func writeDotenv(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), ".env")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	t.Run("defaults are the seed's", func(t *testing.T) {
		t.Parallel()
		var logs bytes.Buffer
		cfg, err := loadConfig(context.Background(), getenvFrom(nil), "", slog.New(slog.NewTextHandler(&logs, nil)), true)
		require.NoError(t, err)
		assert.Equal(t, "sqlite:nexus.db", cfg.DatabaseURL)
		assert.Equal(t, "development", cfg.NodeEnv)
		assert.Equal(t, 5000, cfg.Port)
		assert.Equal(t, "info", cfg.LogLevel)
		// The seed's OLLAMA_HOST default applies where Ollama is used; unset
		// stays unset, so /api/system does not call it configured.
		assert.Empty(t, cfg.OllamaHost)
		p, _ := cfg.aiSetup()
		require.IsType(t, &ai.Ollama{}, p)
		assert.Equal(t, "http://localhost:11434", p.(*ai.Ollama).Host())
		assert.Equal(t, "*", cfg.CORSOrigin)
		assert.Equal(t, 15*time.Minute, cfg.rateWindow())
		assert.Equal(t, 100, cfg.RateLimitMaxRequests)
		assert.False(t, cfg.EnableRedisCache)
		assert.False(t, cfg.EnableDistributed)
		assert.Empty(t, cfg.RedisURL)
		assert.GreaterOrEqual(t, len(cfg.SessionSecret.Reveal()), 32)
		assert.Contains(t, logs.String(), "SESSION_SECRET", "development warns about the development secret")
		assert.NotContains(t, logs.String(), cfg.SessionSecret.Reveal())
	})
	t.Run("dotenv under the real environment", func(t *testing.T) {
		t.Parallel()
		p := writeDotenv(t, "# comment\nPORT=6000\nLOG_LEVEL=debug\nCORS_ORIGIN=\"https://a.example, https://b.example\"\n")
		cfg, err := loadConfig(context.Background(), getenvFrom(map[string]string{"PORT": "7000"}), p, slog.New(slog.DiscardHandler), true)
		require.NoError(t, err)
		assert.Equal(t, 7000, cfg.Port, "the real environment wins")
		assert.Equal(t, "debug", cfg.LogLevel, "the file fills what the environment leaves unset")
		assert.Equal(t, []string{"https://a.example", "https://b.example"}, cfg.corsOrigins())
	})
	t.Run("missing dotenv is fine, malformed is an error", func(t *testing.T) {
		t.Parallel()
		_, err := loadConfig(context.Background(), getenvFrom(nil), filepath.Join(t.TempDir(), "absent"), slog.New(slog.DiscardHandler), true)
		require.NoError(t, err)
		_, err = loadConfig(context.Background(), getenvFrom(nil), writeDotenv(t, "SESSION_SECRET=\"unterminated-hunter2\nX=1"), slog.New(slog.DiscardHandler), true)
		if err != nil {
			assert.NotContains(t, err.Error(), "hunter2")
		}
	})
	t.Run("production requires a database and a real secret", func(t *testing.T) {
		t.Parallel()
		_, err := loadConfig(context.Background(), getenvFrom(map[string]string{"NODE_ENV": "production"}), "", slog.New(slog.DiscardHandler), true)
		var cerr *envcfg.Error
		require.ErrorAs(t, err, &cerr)
		assert.True(t, cerr.Has("DATABASE_URL"), err.Error())
		assert.True(t, cerr.Has("SESSION_SECRET"), err.Error())

		cfg, err := loadConfig(context.Background(), getenvFrom(map[string]string{
			"NODE_ENV": "production", "DATABASE_URL": "postgres://u:p@db:5432/nexus",
			"SESSION_SECRET": "a-real-secret-with-enough-entropy-7f3a9c",
		}), "", slog.New(slog.DiscardHandler), true)
		require.NoError(t, err)
		assert.Equal(t, "postgres://u:p@db:5432/nexus", cfg.DatabaseURL)
	})
	t.Run("CORS_ORIGIN must be origins, never a panic at start", func(t *testing.T) {
		t.Parallel()
		for _, v := range []string{"*", "https://a.example", " https://a.example , http://localhost:5173 ", "*,https://a.example", "http://[::1]:8080"} {
			cfg, err := loadConfig(context.Background(), getenvFrom(map[string]string{"CORS_ORIGIN": v}), "", slog.New(slog.DiscardHandler), true)
			require.NoError(t, err, v)
			assert.NotPanics(t, func() { newTestServerHandler(t, cfg) }, v)
		}
		for _, v := range []string{"app.example", "https://a.example/", "https://a.example/path", "ftp://a.example",
			"https://*.example.com", "https://user@a.example", "https://a.example?x", ",", "https://a.example,nope"} {
			_, err := loadConfig(context.Background(), getenvFrom(map[string]string{"CORS_ORIGIN": v}), "", slog.New(slog.DiscardHandler), true)
			var cerr *envcfg.Error
			require.ErrorAs(t, err, &cerr, v)
			assert.True(t, cerr.Has("CORS_ORIGIN"), "%q: %v", v, err)
			assert.True(t, errors.Is(err, envcfg.ErrValidation), v)
		}
	})
	t.Run("every problem at once, no values", func(t *testing.T) {
		t.Parallel()
		_, err := loadConfig(context.Background(), getenvFrom(map[string]string{
			"PORT": "eighty", "LOG_LEVEL": "loud", "NODE_ENV": "staging", "OLLAMA_HOST": "not a url",
			"SESSION_SECRET": "short-hunter2", "RATE_LIMIT_WINDOW_MS": "5", "RATE_LIMIT_MAX_REQUESTS": "0",
			"DATABASE_URL": "::nonsense", "ENABLE_REDIS_CACHE": "maybe",
		}), "", slog.New(slog.DiscardHandler), true)
		var cerr *envcfg.Error
		require.ErrorAs(t, err, &cerr)
		for _, v := range []string{"PORT", "LOG_LEVEL", "NODE_ENV", "OLLAMA_HOST", "SESSION_SECRET",
			"RATE_LIMIT_WINDOW_MS", "RATE_LIMIT_MAX_REQUESTS", "DATABASE_URL", "ENABLE_REDIS_CACHE"} {
			assert.True(t, cerr.Has(v), "%s in:\n%v", v, err)
		}
		assert.NotContains(t, err.Error(), "hunter2")
		assert.NotContains(t, err.Error(), "eighty")
	})
}

func TestLogLevels(t *testing.T) {
	t.Parallel()
	tests := map[string]slog.Level{
		"trace": slog.LevelDebug - 4, "debug": slog.LevelDebug, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "error": slog.LevelError, "fatal": slog.LevelError + 4,
	}
	for name, want := range tests {
		cfg := Config{LogLevel: name}
		assert.Equal(t, want, cfg.slogLevel(), name)
	}
	var buf bytes.Buffer
	l := newLogger(&buf, slog.LevelDebug-4)
	l.Log(context.Background(), slog.LevelDebug-4, "t")
	l.Log(context.Background(), slog.LevelError+4, "f")
	assert.Contains(t, buf.String(), `"level":"TRACE"`)
	assert.Contains(t, buf.String(), `"level":"FATAL"`)
}

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"nexus"}, args...), getenvFrom(env), &out)
	return out.String(), err
}

func TestSubcommands(t *testing.T) {
	t.Parallel()
	t.Run("config lists every variable", func(t *testing.T) {
		t.Parallel()
		out, err := runCmd(t, nil, "config")
		require.NoError(t, err)
		for _, v := range []string{"DATABASE_URL", "SESSION_SECRET", "RATE_LIMIT_MAX_REQUESTS", "SHUTDOWN_DRAIN_DELAY"} {
			assert.Contains(t, out, v)
		}
	})
	t.Run("token is signed with SESSION_SECRET from .env", func(t *testing.T) {
		t.Parallel()
		p := writeDotenv(t, "SESSION_SECRET="+testSecret+"\n")
		out, err := runCmd(t, nil, "-env-file", p, "token", "--subject", "alice", "--ttl", "2h")
		require.NoError(t, err)
		tok := strings.TrimSpace(out)
		require.NotContains(t, tok, "\n", "stdout holds only the token")
		id, err := wsauth.NewSigner([]byte(testSecret)).Verify(tok)
		require.NoError(t, err)
		assert.Equal(t, "alice", id.Subject)
		assert.WithinDuration(t, time.Now().Add(2*time.Hour), id.ExpiresAt, time.Minute)
	})
	t.Run("token errors", func(t *testing.T) {
		t.Parallel()
		_, err := runCmd(t, nil, "token")
		assert.ErrorContains(t, err, "--subject")
		_, err = runCmd(t, nil, "token", "--subject", "a", "--ttl", "-1h")
		assert.ErrorContains(t, err, "--ttl")
		_, err = runCmd(t, map[string]string{"NODE_ENV": "production"}, "token", "--subject", "a")
		assert.ErrorContains(t, err, "SESSION_SECRET")
	})
	t.Run("unknown command", func(t *testing.T) {
		t.Parallel()
		_, err := runCmd(t, nil, "launch")
		assert.ErrorContains(t, err, `unknown command "launch"`)
	})
	t.Run("healthcheck", func(t *testing.T) {
		t.Parallel()
		status := http.StatusOK
		probe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			assert.Equal(t, "/readyz", r.URL.Path)
			w.WriteHeader(status)
		}))
		defer probe.Close()
		port := probe.URL[strings.LastIndex(probe.URL, ":")+1:]
		out, err := runCmd(t, map[string]string{"PORT": port}, "healthcheck")
		require.NoError(t, err)
		assert.Equal(t, "ok\n", out)
		status = http.StatusServiceUnavailable
		_, err = runCmd(t, map[string]string{"PORT": port}, "healthcheck")
		assert.ErrorContains(t, err, "503")
		probe.Close()
		_, err = runCmd(t, map[string]string{"PORT": port}, "healthcheck", "--timeout", "1s")
		assert.Error(t, err)
	})
	t.Run("serve reports bad configuration", func(t *testing.T) {
		t.Parallel()
		_, err := runCmd(t, map[string]string{"PORT": "99999"}, "serve")
		var cerr *envcfg.Error
		require.True(t, errors.As(err, &cerr), "%v", err)
		assert.True(t, cerr.Has("PORT"))
	})
}

func TestServerOnRealStartsAndAnswers(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	out, err := runCmd(t, nil, "healthcheck", "--url", ts.URL+"/readyz")
	require.NoError(t, err)
	assert.Equal(t, "ok\n", out)
}

// newTestServerHandler builds the server's handler from cfg the way serve
// does, so option panics surface in tests.
func newTestServerHandler(t *testing.T, cfg *Config) http.Handler {
	t.Helper()
	return server.New(server.Options{
		Store:       store.NewMemory(),
		Signer:      wsauth.NewSigner([]byte(cfg.SessionSecret.Reveal())),
		Logger:      slog.New(slog.DiscardHandler),
		CORSOrigins: cfg.corsOrigins(),
	}).Handler()
}

// TestDatabasePasswordNeverShown: a PostgreSQL server that cannot be reached
// stops serve with an error naming the host, never the URL's password.
func TestDatabasePasswordNeverShown(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{
		"postgres://nexus:pw-never-shown@127.0.0.1:1/nexus?connect_timeout=2", // refused
		"postgres://nexus:pw-never-shown@127.0.0.1:1/nexus?sslmode=bogus",     // rejected when parsed
	} {
		env := map[string]string{"NODE_ENV": "test", "PORT": "0", "DATABASE_URL": dsn, "SESSION_SECRET": testSecret}
		out, err := runCmd(t, env, "-env-file", "", "serve")
		require.Error(t, err, dsn)
		assert.NotContains(t, err.Error(), "pw-never-shown")
		assert.NotContains(t, out, "pw-never-shown")
	}
}
