package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/nexuskit/nexus/envcfg"
	"github.com/nexuskit/nexus/internal/clientaddr"
)

// Config is the server's configuration: the original NEXUS server's
// variables, with the same names and defaults. `nexus config` prints it as a
// table and .env.example is generated from it.
//
// Acting today: DATABASE_URL, NODE_ENV, PORT, SESSION_SECRET, LOG_LEVEL,
// CORS_ORIGIN, RATE_LIMIT_WINDOW_MS, RATE_LIMIT_MAX_REQUESTS, OPENAI_API_KEY
// and OLLAMA_HOST (the AI insights), and in distributed mode
// (ENABLE_DISTRIBUTED_SYSTEM, see main_cluster.go) REDIS_URL, NODE_ID and
// ENABLE_REDIS_CACHE. The others are validated and reported by GET
// /api/system as configured or not. AI_PROVIDER, OLLAMA_MODEL, OPENAI_MODEL,
// OPENAI_BASE_URL and AI_TIMEOUT (see ai.go), NODE_ID and the SHUTDOWN_
// timings are not in the original server.
type Config struct {
	DatabaseURL string `env:"DATABASE_URL" validate:"omitempty,uri" desc:"database URL: postgres://user:pass@host:5432/db for PostgreSQL, sqlite:path for SQLite; default sqlite:nexus.db in the working directory outside production, required in production"`
	NodeEnv     string `env:"NODE_ENV, default=development" validate:"oneof=development production test" desc:"environment; production makes weak secrets and a missing DATABASE_URL fatal"`
	Host        string `env:"HOST" validate:"omitempty,ip|hostname" desc:"listen address; unset: 127.0.0.1 (this machine only) in development and test, every interface in production; 0.0.0.0 or :: accepts other machines"`
	Port        int    `env:"PORT, default=5000" validate:"min=0,max=65535" desc:"HTTP listen port (0 picks a free port and prints it)"`
	// The development default is 32+ characters so that development needs no
	// setup; envcfg warns about it outside production and refuses it in
	// production.
	SessionSecret envcfg.Secret `env:"SESSION_SECRET, default=nexus-development-only-session-secret" envcfg:"devdefault" validate:"min=32" desc:"key that signs bearer and WebSocket tokens, at least 32 characters (openssl rand -base64 48)"`
	// A comma-separated list rather than a slice, so that it stays one
	// Secret (redacted everywhere); each entry is checked in loadConfig.
	SessionSecretPrevious envcfg.Secret `env:"SESSION_SECRET_PREVIOUS" envcfg:"optional" desc:"comma-separated earlier SESSION_SECRET values whose tokens are still accepted (never used to sign): set the old secret here when rotating, remove it once its tokens have expired (at most the token lifetime, nexus token caps it at 30 days)"`
	LogLevel              string        `env:"LOG_LEVEL, default=info" validate:"oneof=trace debug info warn error fatal" desc:"minimum log level"`
	OpenAIAPIKey          envcfg.Secret `env:"OPENAI_API_KEY" envcfg:"optional" desc:"OpenAI API key; when set, OpenAI answers the AI insights (see AI_PROVIDER)"`
	OllamaHost            string        `env:"OLLAMA_HOST" validate:"omitempty,url" desc:"Ollama server URL such as http://localhost:11434; unset means that default when Ollama answers the AI insights (see AI_PROVIDER), reported by /api/system as not configured"`
	AIProvider            string        `env:"AI_PROVIDER, default=auto" validate:"oneof=auto ollama openai" desc:"which AI service answers POST /api/modules/{id}/insights: auto (OpenAI when OPENAI_API_KEY is set, otherwise Ollama at OLLAMA_HOST or its default), ollama or openai"`
	OllamaModel           string        `env:"OLLAMA_MODEL, default=llama3.2" validate:"min=1,max=200" desc:"Ollama model asked (pull it first: ollama pull llama3.2)"`
	OpenAIModel           string        `env:"OPENAI_MODEL, default=gpt-4o-mini" validate:"min=1,max=200" desc:"OpenAI model asked"`
	OpenAIBaseURL         string        `env:"OPENAI_BASE_URL, default=https://api.openai.com/v1" validate:"url" desc:"OpenAI API base URL (or any server speaking its chat completions API)"`
	AITimeout             time.Duration `env:"AI_TIMEOUT, default=2m" validate:"min=1s" desc:"limit for one whole AI answer; past it the insight fails with 504 TIMEOUT"`
	RedisURL              string        `env:"REDIS_URL" validate:"omitempty,url" desc:"Redis 7+ URL such as redis://localhost:6379 (rediss:// for TLS); used in distributed mode (ENABLE_DISTRIBUTED_SYSTEM)"`
	EnableRedisCache      bool          `env:"ENABLE_REDIS_CACHE, default=false" desc:"distributed mode only: cache module list pages in Redis, keyed by the event bus's position (a write anywhere makes old pages unreachable; the writing replica never reads a page older than its write)"`
	EnableDistributed     bool          `env:"ENABLE_DISTRIBUTED_SYSTEM, default=false" desc:"run as one of several replicas: events, rate limits and the WebSocket throttle shared through Redis; requires REDIS_URL and a PostgreSQL DATABASE_URL"`
	RedisTimeout          time.Duration `env:"REDIS_TIMEOUT, default=50ms" validate:"min=1ms,max=10s" desc:"distributed mode: deadline of each Redis call made while serving a request (rate limit, cache, WebSocket throttle); a call past it switches this replica to its local fallbacks until Redis answers a probe (every 250ms)"`
	NodeID                string        `env:"NODE_ID" validate:"omitempty,uuid" desc:"this replica's UUID, in every log record, /api/system and each event; unset: a new one at every start"`
	CORSOrigin            string        `env:"CORS_ORIGIN, default=*" desc:"origins allowed by CORS and the WebSocket origin check: * or a comma-separated list such as https://app.example,http://localhost:5173"`
	TrustedProxies        []string      `env:"TRUSTED_PROXIES" validate:"dive,cidr|ip" desc:"comma-separated CIDRs (or single addresses) of the proxies and load balancers in front of the server, such as 10.0.0.0/8,192.168.1.5; from them only, X-Forwarded-For and Forwarded name the client, whose address keys the rate limit and the WebSocket throttle and appears in the access log, and their X-Request-ID is kept. Empty: forwarded headers are ignored"`
	RateLimitWindowMS     int           `env:"RATE_LIMIT_WINDOW_MS, default=900000" validate:"min=1000" desc:"rate-limit window in milliseconds"`
	RateLimitMaxRequests  int           `env:"RATE_LIMIT_MAX_REQUESTS, default=100" validate:"min=1" desc:"requests to /api/ and /ws allowed per client IP per window (health probes and the dashboard files are exempt)"`

	// Not in the original server: the WebSocket keep-alive.
	WSPingInterval time.Duration `env:"WS_PING_INTERVAL, default=25s" validate:"min=1s,max=10m" desc:"how often the server pings each WebSocket; a peer that does not answer within the same interval is closed. Keep it well under the idle timeout of any proxy or load balancer in front (commonly 60s)"`

	// Not in the original server: the shutdown sequence's timings.
	ShutdownDrainDelay time.Duration `env:"SHUTDOWN_DRAIN_DELAY, default=5s" validate:"min=0s" desc:"after SIGTERM, how long /readyz answers 503 while requests are still served, so load balancers stop routing here"`
	ShutdownTimeout    time.Duration `env:"SHUTDOWN_TIMEOUT, default=25s" validate:"min=1s" desc:"hard limit for the whole shutdown, counted from the signal"`

	// Not in the original server: observability.
	MetricsAddr  string `env:"METRICS_ADDR" desc:"listen address of the Prometheus /metrics endpoint, separate from PORT, such as :9090 or 127.0.0.1:9090; empty serves no metrics. Keep it off the public network"`
	OTELEndpoint string `env:"OTEL_EXPORTER_OTLP_ENDPOINT" validate:"omitempty,url" desc:"OpenTelemetry collector base URL for OTLP/HTTP traces, such as http://otel-collector:4318 (/v1/traces is appended); empty traces nothing. The other OTEL_ variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, ...) are read from the process environment"`

	// explicit holds the variables set in the environment or the .env
	// file (not left at their defaults).
	explicit map[string]bool
}

// trustedProxies parses TRUSTED_PROXIES (validated by Load): a single
// address is a network of one.
func (c *Config) trustedProxies() []netip.Prefix {
	var out []netip.Prefix
	for _, v := range c.TrustedProxies {
		if p, ok := clientaddr.ParsePrefix(strings.TrimSpace(v)); ok {
			out = append(out, p)
		}
	}
	return out
}

// isSet reports whether the variable was set rather than left at its default.
func (c *Config) isSet(name string) bool { return c.explicit[name] }

// previousSecrets splits SESSION_SECRET_PREVIOUS.
func (c *Config) previousSecrets() [][]byte {
	var out [][]byte
	for k := range strings.SplitSeq(c.SessionSecretPrevious.Reveal(), ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, []byte(k))
		}
	}
	return out
}

// signerKeys are the keys of the token signer: SESSION_SECRET signs and
// verifies, each SESSION_SECRET_PREVIOUS entry only verifies.
func (c *Config) signerKeys() [][]byte {
	return append([][]byte{[]byte(c.SessionSecret.Reveal())}, c.previousSecrets()...)
}

// listenHost is the address to listen on: HOST, or loopback outside
// production so that a development server with its published development
// secret is never reachable from another machine.
func (c *Config) listenHost() (host string, loopbackDefault bool) {
	if c.Host != "" {
		return c.Host, false
	}
	if c.NodeEnv == "production" {
		return "", false
	}
	return "127.0.0.1", true
}

// defaultSQLite is the database outside production when DATABASE_URL is unset.
const defaultSQLite = "sqlite:nexus.db"

// loadConfig reads the configuration from getenv layered over the .env file
// at envFile (a missing file is fine). A variable set to the empty string in
// the real environment counts as unset, since getenv cannot tell them apart.
//
// needDatabase is false for commands that never open the database (nexus
// token): DATABASE_URL is then not required in production.
func loadConfig(ctx context.Context, getenv func(string) string, envFile string, logger *slog.Logger, needDatabase bool) (*Config, error) {
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
	if needDatabase && production && strings.TrimSpace(lookupOr(lookup, "DATABASE_URL", "")) == "" {
		extra = append(extra, envcfg.Problem{Var: "DATABASE_URL", Err: envcfg.ErrMissing,
			Message: "is required in production; expected postgres://user:pass@host:5432/db"})
	}
	extra = append(extra, aiProblems(lookup)...)
	if !validCORSOrigin(lookupOr(lookup, "CORS_ORIGIN", "*")) {
		extra = append(extra, envcfg.Problem{Var: "CORS_ORIGIN", Err: envcfg.ErrValidation,
			Message: "must be * or a comma-separated list of origins such as https://app.example,http://localhost:5173 (scheme and host, no path)"})
	}
	extra = append(extra, distributedProblems(lookup)...)
	for k := range strings.SplitSeq(lookupOr(lookup, "SESSION_SECRET_PREVIOUS", ""), ",") {
		if k = strings.TrimSpace(k); k != "" && len(k) < 32 {
			extra = append(extra, envcfg.Problem{Var: "SESSION_SECRET_PREVIOUS", Err: envcfg.ErrValidation,
				Message: "every entry must be at least 32 characters long (entries are comma-separated)"})
			break
		}
	}
	if v := lookupOr(lookup, "METRICS_ADDR", ""); v != "" && !validListenAddr(v) {
		extra = append(extra, envcfg.Problem{Var: "METRICS_ADDR", Err: envcfg.ErrValidation,
			Message: "must be a listen address host:port such as :9090 or 127.0.0.1:9090"})
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
	cfg.explicit = map[string]bool{}
	for _, name := range []string{"OLLAMA_HOST", "HOST", "DATABASE_URL", "SESSION_SECRET"} {
		if _, ok := lookup(name); ok {
			cfg.explicit[name] = true
		}
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
	raw, err := io.ReadAll(io.LimitReader(f, maxDotenv+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(raw) > maxDotenv {
		return nil, fmt.Errorf("read %s: larger than %d bytes", path, maxDotenv)
	}
	m, err := godotenv.UnmarshalBytes(raw)
	if err != nil {
		// godotenv's message quotes the file, secrets included: name the
		// line instead.
		return nil, fmt.Errorf("parse %s: line %d: malformed (expected NAME=value, a comment, or a blank line; quotes must be closed)",
			path, dotenvErrorLine(raw))
	}
	return m, nil
}

// maxDotenv bounds the .env file read into memory.
const maxDotenv = 1 << 20

// dotenvErrorLine finds the line of a .env file where parsing fails: the
// line after the longest prefix of whole lines that parses. (A quoted value
// may span lines, so the first failing prefix is not enough.)
func dotenvErrorLine(raw []byte) int {
	lines := strings.SplitAfter(string(raw), "\n")
	good := 0
	for i := range lines {
		if _, err := godotenv.Unmarshal(strings.Join(lines[:i+1], "")); err == nil {
			good = i + 1
		}
	}
	return min(good+1, len(lines))
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
