package benchmarks

import (
	"context"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/nexuskit/nexus/envcfg"
)

// envcfgBenchDB is the nested part of envcfgBench15.
type envcfgBenchDB struct {
	Host     string        `env:"HOST, required" validate:"hostname" desc:"Database host."`
	Port     uint16        `env:"PORT, default=5432" validate:"min=1" desc:"Database port."`
	Password envcfg.Secret `env:"PASSWORD, required" validate:"min=16" desc:"Database password."`
}

// envcfgBench15 is a 15-variable configuration shaped like the NEXUS
// server's: strings, numbers, durations, booleans, a URL, a list, a nested
// struct with a prefix, and secrets, with validate tags on most fields.
type envcfgBench15 struct {
	Env         string        `env:"NODE_ENV, default=development" validate:"oneof=development production test"`
	Port        int           `env:"PORT, default=5000" validate:"min=1,max=65535"`
	DatabaseURL url.URL       `env:"DATABASE_URL, required"`
	Session     envcfg.Secret `env:"SESSION_SECRET, required" validate:"min=32"`
	LogLevel    string        `env:"LOG_LEVEL, default=info" validate:"oneof=trace debug info warn error fatal"`
	OpenAIKey   envcfg.Secret `env:"OPENAI_API_KEY" envcfg:"optional"`
	OllamaHost  string        `env:"OLLAMA_HOST, default=http://localhost:11434" validate:"url"`
	RedisURL    string        `env:"REDIS_URL" validate:"omitempty,url"`
	RedisCache  bool          `env:"ENABLE_REDIS_CACHE, default=false"`
	Distributed bool          `env:"ENABLE_DISTRIBUTED_SYSTEM, default=false"`
	CORSOrigins []string      `env:"CORS_ORIGIN, default=http://localhost:5173" validate:"dive,url"`
	RateWindow  time.Duration `env:"RATE_LIMIT_WINDOW, default=15m" validate:"min=1s"`
	RateMax     int           `env:"RATE_LIMIT_MAX_REQUESTS, default=100" validate:"min=1"`
	DB          envcfgBenchDB `env:", prefix=DB_"`
}

var envcfgBenchEnv = map[string]string{
	"NODE_ENV":                "production",
	"PORT":                    "8080",
	"DATABASE_URL":            "postgres://app@db.internal:5432/nexus?sslmode=require",
	"SESSION_SECRET":          "k9#Vq2$wLx7!pR4zT8mN3bY6hJ1cF5dS",
	"LOG_LEVEL":               "warn",
	"OPENAI_API_KEY":          "sk-Zq81mXv0Lr7PqW2nB5cT",
	"REDIS_URL":               "redis://cache.internal:6379/0",
	"ENABLE_REDIS_CACHE":      "true",
	"CORS_ORIGIN":             "https://nexus.example.com,https://admin.example.com",
	"RATE_LIMIT_WINDOW":       "1m",
	"RATE_LIMIT_MAX_REQUESTS": "300",
	"DB_HOST":                 "db.internal",
	"DB_PASSWORD":             "Hq7#pL2vX9!mR4tZ",
}

func envcfgBenchLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// BenchmarkEnvcfg compares envcfg.Load (decoding variable by variable,
// NAME_FILE checks, validation, production secret checks) with
// go-envconfig's ProcessWith alone on the same 15-variable struct and the
// same map lookup. The goal is Load under 5x ProcessWith.
func BenchmarkEnvcfg(b *testing.B) {
	ctx := context.Background()
	b.Run("go-envconfig/Process", func(b *testing.B) {
		l := envconfig.LookuperFunc(envcfgBenchLookup(envcfgBenchEnv))
		b.ReportAllocs()
		for b.Loop() {
			var cfg envcfgBench15
			if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &cfg, Lookuper: l}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("envcfg/Load", func(b *testing.B) {
		opts := []envcfg.Option{
			envcfg.WithLookup(envcfgBenchLookup(envcfgBenchEnv)),
			envcfg.WithProduction("NODE_ENV", "production"),
			envcfg.WithLogger(slog.New(slog.DiscardHandler)),
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := envcfg.Load[envcfgBench15](ctx, opts...); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("envcfg/Load-5-problems", func(b *testing.B) {
		bad := map[string]string{}
		for k, v := range envcfgBenchEnv {
			bad[k] = v
		}
		bad["PORT"], bad["LOG_LEVEL"], bad["SESSION_SECRET"], bad["RATE_LIMIT_WINDOW"] = "http", "loud", "changeme", "soon"
		delete(bad, "DB_HOST")
		opts := []envcfg.Option{envcfg.WithLookup(envcfgBenchLookup(bad)), envcfg.WithProduction("NODE_ENV", "production")}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := envcfg.Load[envcfgBench15](ctx, opts...); err == nil {
				b.Fatal("want an error")
			}
		}
	})
}

// BenchmarkEnvcfgRatio runs go-envconfig's ProcessWith and envcfg.Load
// alternately in the same loop and reports the median Load time as a multiple
// of the median ProcessWith time ("x-process"): interleaving keeps the ratio
// honest on a busy machine, where back-to-back benchmarks see different load,
// and medians ignore the iterations a preemption happened to hit.
func BenchmarkEnvcfgRatio(b *testing.B) {
	ctx := context.Background()
	l := envconfig.LookuperFunc(envcfgBenchLookup(envcfgBenchEnv))
	opts := []envcfg.Option{
		envcfg.WithLookup(envcfgBenchLookup(envcfgBenchEnv)),
		envcfg.WithProduction("NODE_ENV", "production"),
		envcfg.WithLogger(slog.New(slog.DiscardHandler)),
	}
	var process, load []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		var cfg envcfgBench15
		if err := envconfig.ProcessWith(ctx, &envconfig.Config{Target: &cfg, Lookuper: l}); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if _, err := envcfg.Load[envcfgBench15](ctx, opts...); err != nil {
			b.Fatal(err)
		}
		process = append(process, mid.Sub(start))
		load = append(load, time.Since(mid))
	}
	if p := median(process); p > 0 {
		b.ReportMetric(float64(median(load))/float64(p), "x-process")
	}
}
