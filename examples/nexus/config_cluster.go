package main

import (
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/nexuskit/nexus/envcfg"
)

// distributedProblems are the rules of distributed mode that envcfg's tags
// cannot express, all reported at once with the other problems:
// ENABLE_DISTRIBUTED_SYSTEM=true needs REDIS_URL and a PostgreSQL
// DATABASE_URL (SQLite cannot be shared across hosts), REDIS_URL must be a
// Redis URL. No message
// quotes a value (URLs may hold passwords).
func distributedProblems(lookup func(string) (string, bool)) []envcfg.Problem {
	var out []envcfg.Problem
	distributed, _ := strconv.ParseBool(strings.TrimSpace(lookupOr(lookup, "ENABLE_DISTRIBUTED_SYSTEM", "false")))
	redisURL := strings.TrimSpace(lookupOr(lookup, "REDIS_URL", ""))
	dbURL := strings.TrimSpace(lookupOr(lookup, "DATABASE_URL", ""))
	if redisURL != "" {
		if _, err := redis.ParseURL(redisURL); err != nil {
			out = append(out, envcfg.Problem{Var: "REDIS_URL", Err: envcfg.ErrValidation,
				Message: "must be a Redis URL: redis://[:password@]host:port[/db] or rediss:// for TLS"})
		}
	}
	if distributed {
		if redisURL == "" {
			out = append(out, envcfg.Problem{Var: "REDIS_URL", Err: envcfg.ErrMissing,
				Message: "is required when ENABLE_DISTRIBUTED_SYSTEM=true; expected redis://host:6379"})
		}
		if !isPostgresURL(dbURL) {
			out = append(out, envcfg.Problem{Var: "DATABASE_URL", Err: envcfg.ErrValidation,
				Message: "must be a PostgreSQL URL (postgres://user:pass@host:5432/db) when ENABLE_DISTRIBUTED_SYSTEM=true: replicas on several hosts cannot share SQLite"})
		}
	}
	return out
}

func isPostgresURL(u string) bool {
	scheme, _, ok := strings.Cut(u, "://")
	return ok && (strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"))
}
