package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/nexuskit/nexus/envcfg"
)

// Config is the server's configuration: the original NEXUS server's
// variables, with the same names and defaults. `nexus config` prints it as a
// table and .env.example is generated from it.
//
// Acting today: DATABASE_URL, NODE_ENV, PORT, SESSION_SECRET, LOG_LEVEL,
// CORS_ORIGIN, RATE_LIMIT_WINDOW_MS, RATE_LIMIT_MAX_REQUESTS, OPENAI_API_KEY
// and OLLAMA_HOST (the AI insights). The others are validated and reported
// by GET /api/system as configured or not; the features behind them (Redis
// cache, distributed mode) are not part of this server yet. AI_PROVIDER,
// OLLAMA_MODEL, OPENAI_MODEL, OPENAI_BASE_URL and AI_TIMEOUT (see ai.go) and
// the SHUTDOWN_ timings are not in the original server.
type Config struct {
	DatabaseURL string `env:"DATABASE_URL" validate:"omitempty,uri" desc:"database URL: postgres://user:pass@host:5432/db for PostgreSQL, sqlite:path for SQLite; default sqlite:nexus.db in the working directory outside production, required in production"`
	NodeEnv     string `env:"NODE_ENV, default=development" validate:"oneof=development production test" desc:"environment; production makes weak secrets and a missing DATABASE_URL fatal"`
	Port        int    `env:"PORT, default=5000" validate:"min=0,max=65535" desc:"HTTP listen port (0 picks a free port and prints it)"`
	// The development default is 32+ characters so that development needs no
	// setup; envcfg warns about it outside production and refuses it in
	// production.
	SessionSecret        envcfg.Secret `env:"SESSION_SECRET, default=nexus-development-only-session-secret" envcfg:"devdefault" validate:"min=32" desc:"key that signs bearer and WebSocket tokens, at least 32 characters (openssl rand -base64 48)"`
	LogLevel             string        `env:"LOG_LEVEL, default=info" validate:"oneof=trace debug info warn error fatal" desc:"minimum log level"`
	OpenAIAPIKey         envcfg.Secret `env:"OPENAI_API_KEY" envcfg:"optional" desc:"OpenAI API key; when set, OpenAI answers the AI insights (see AI_PROVIDER)"`
	OllamaHost           string        `env:"OLLAMA_HOST" validate:"omitempty,url" desc:"Ollama server URL such as http://localhost:11434; unset means that default when Ollama answers the AI insights (see AI_PROVIDER), reported by /api/system as not configured"`
	AIProvider           string        `env:"AI_PROVIDER, default=auto" validate:"oneof=auto ollama openai" desc:"which AI service answers POST /api/modules/{id}/insights: auto (OpenAI when OPENAI_API_KEY is set, otherwise Ollama at OLLAMA_HOST or its default), ollama or openai"`
	OllamaModel          string        `env:"OLLAMA_MODEL, default=llama3.2" validate:"min=1,max=200" desc:"Ollama model asked (pull it first: ollama pull llama3.2)"`
	OpenAIModel          string        `env:"OPENAI_MODEL, default=gpt-4o-mini" validate:"min=1,max=200" desc:"OpenAI model asked"`
	OpenAIBaseURL        string        `env:"OPENAI_BASE_URL, default=https://api.openai.com/v1" validate:"url" desc:"OpenAI API base URL (or any server speaking its chat completions API)"`
	AITimeout            time.Duration `env:"AI_TIMEOUT, default=2m" validate:"min=1s" desc:"limit for one whole AI answer; past it the insight fails with 504 TIMEOUT"`
	RedisURL             string        `env:"REDIS_URL" validate:"omitempty,url" desc:"Redis URL such as redis://localhost:6379 (not used yet: reported by /api/system)"`
	EnableRedisCache     bool          `env:"ENABLE_REDIS_CACHE, default=false" desc:"cache in Redis (not used yet: reported by /api/system)"`
	EnableDistributed    bool          `env:"ENABLE_DISTRIBUTED_SYSTEM, default=false" desc:"distributed mode (not used yet: reported by /api/system)"`
	CORSOrigin           string        `env:"CORS_ORIGIN, default=*" desc:"origins allowed by CORS and the WebSocket origin check: * or a comma-separated list such as https://app.example,http://localhost:5173"`
	RateLimitWindowMS    int           `env:"RATE_LIMIT_WINDOW_MS, default=900000" validate:"min=1000" desc:"rate-limit window in milliseconds"`
	RateLimitMaxRequests int           `env:"RATE_LIMIT_MAX_REQUESTS, default=100" validate:"min=1" desc:"requests to /api/ and /ws allowed per client IP per window (health probes and the dashboard files are exempt)"`

	// Not in the original server: the shutdown sequence's timings.
	ShutdownDrainDelay time.Duration `env:"SHUTDOWN_DRAIN_DELAY, default=5s" validate:"min=0s" desc:"after SIGTERM, how long /readyz answers 503 while requests are still served, so load balancers stop routing here"`
	ShutdownTimeout    time.Duration `env:"SHUTDOWN_TIMEOUT, default=25s" validate:"min=1s" desc:"hard limit for the whole shutdown, counted from the signal"`
}

// defaultSQLite is the database outside production when DATABASE_URL is unset.
const defaultSQLite = "sqlite:nexus.db"

// loadConfig reads the configuration from getenv layered over the .env file
// at envFile (a missing file is fine). A variable set to the empty string in
// the real environment counts as unset, since getenv cannot tell them apart.
func loadConfig(ctx context.Context, getenv func(string) string, envFile string, logger *slog.Logger) (*Config, error) {
	dotenv, err := readDotenv(envFile)
	if err != nil {
		return nil, err
	}
	lookup := func(key string) (string, bool) {
		if v := getenv(key); v != "" {
			return v, true
		}
		// An empty line in .env (as in a copied .env.example) means unset.
		if v := dotenv[key]; v != "" {
			return v, true
		}
		return "", false
	}
	opts := []envcfg.Option{
		envcfg.WithLookup(lookup),
		envcfg.WithProduction("NODE_ENV", "production"),
		envcfg.WithLogger(logger),
	}
	// The container image sets NEXUS_REQUIRE_NODE_ENV=true (beside
	// NODE_ENV=production): a deploy of the image that blanks NODE_ENV fails
	// at startup instead of running with development secrets. `make run` and
	// `go run .` do not set it and stay zero-config.
	if v := getenv("NEXUS_REQUIRE_NODE_ENV"); v != "" {
		strict, err := strconv.ParseBool(v)
		if err != nil {
			return nil, &envcfg.Error{Problems: []envcfg.Problem{{Var: "NEXUS_REQUIRE_NODE_ENV", Err: envcfg.ErrInvalid,
				Message: "is not valid: must be a boolean: true or false (or 1, 0, t, f)"}}}
		}
		if strict {
			opts = append(opts, envcfg.WithProductionRequired())
		}
	}
	cfg, err := envcfg.Load[Config](ctx, opts...)
	// Rules envcfg's tags cannot express, added to the same list of
	// problems: DATABASE_URL is required in production only, and every
	// CORS_ORIGIN entry must be an origin the CORS and WebSocket checks
	// understand (a bad one would otherwise stop the server with a panic).
	var extra []envcfg.Problem
	production := strings.EqualFold(strings.TrimSpace(lookupOr(lookup, "NODE_ENV", "development")), "production")
	if production && strings.TrimSpace(lookupOr(lookup, "DATABASE_URL", "")) == "" {
		extra = append(extra, envcfg.Problem{Var: "DATABASE_URL", Err: envcfg.ErrMissing,
			Message: "is required in production; expected postgres://user:pass@host:5432/db"})
	}
	extra = append(extra, aiProblems(lookup)...)
	if !validCORSOrigin(lookupOr(lookup, "CORS_ORIGIN", "*")) {
		extra = append(extra, envcfg.Problem{Var: "CORS_ORIGIN", Err: envcfg.ErrValidation,
			Message: "must be * or a comma-separated list of origins such as https://app.example,http://localhost:5173 (scheme and host, no path)"})
	}
	if len(extra) > 0 {
		var cerr *envcfg.Error
		switch {
		case errors.As(err, &cerr):
			// One problem per variable: a value the tags already refused
			// is not reported again by the extra rules.
			kept := extra[:0]
			for _, p := range extra {
				if !cerr.Has(p.Var) {
					kept = append(kept, p)
				}
			}
			cerr.Problems = append(kept, cerr.Problems...)
		case err == nil:
			err = &envcfg.Error{Problems: extra}
		}
	}
	if err != nil {
		return nil, err
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = defaultSQLite
	}
	return cfg, nil
}

func lookupOr(lookup func(string) (string, bool), key, def string) string {
	if v, ok := lookup(key); ok {
		return v
	}
	return def
}

// readDotenv parses a .env file with godotenv. Its values are never logged
// or put in errors.
func readDotenv(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	m, err := godotenv.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("parse %s: malformed dotenv file", path)
	}
	return m, nil
}

// validCORSOrigin reports whether v is "*" or a comma-separated list of
// origins of the form http(s)://host[:port], the form both rs/cors and
// wsauth.AllowOrigins accept.
func validCORSOrigin(v string) bool {
	n := 0
	for o := range strings.SplitSeq(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		n++
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" ||
			strings.ContainsFunc(u.Host, func(r rune) bool {
				return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(".-:[]_", r))
			}) {
			return false
		}
	}
	return n > 0
}

// corsOrigins splits CORS_ORIGIN.
func (c *Config) corsOrigins() []string {
	var out []string
	for o := range strings.SplitSeq(c.CORSOrigin, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

func (c *Config) rateWindow() time.Duration {
	return time.Duration(c.RateLimitWindowMS) * time.Millisecond
}

// slogLevel maps the seed's pino levels onto slog: trace is below debug and
// fatal above error.
func (c *Config) slogLevel() slog.Level {
	switch c.LogLevel {
	case "trace":
		return slog.LevelDebug - 4
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	case "fatal":
		return slog.LevelError + 4
	default:
		return slog.LevelInfo
	}
}
