package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dockerLDFlags and dockerBuildArgs are the build the Dockerfile runs (with
// CGO_ENABLED=0). Docker cannot run in CI, so the binary tests build the
// server exactly this way, and TestDockerfileBuildsLikeTheTests checks the
// Dockerfile still says the same.
const dockerLDFlags = "-s -w -X main.version="

func dockerBuildArgs(out string) []string {
	return []string{"build", "-trimpath", "-ldflags=" + dockerLDFlags + "ci-docker-build", "-o", out, "."}
}

func TestDockerfileBuildsLikeTheTests(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	df := string(raw)
	// Join continuation lines.
	df = regexp.MustCompile(`\\\s*\n\s*`).ReplaceAllString(df, " ")

	build := regexp.MustCompile(`(?m)^RUN .*go build .*$`).FindString(df)
	require.NotEmpty(t, build, "the Dockerfile builds with go build")
	assert.Contains(t, build, "CGO_ENABLED=0", "static build")
	assert.Contains(t, build, "-trimpath")
	assert.Contains(t, build, `-ldflags="`+dockerLDFlags)
	assert.Regexp(t, `-o /out/nexus \./nexus\b`, build)

	assert.Regexp(t, `(?m)^FROM golang:1\.2[67][^ ]* AS build`, df, "multi-stage: a Go build stage")
	assert.Regexp(t, `(?m)^USER [0-9]+(:[0-9]+)?\s*$`, df, "runs as a non-root user")
	assert.NotRegexp(t, `(?m)^USER (0|root)\b`, df)
	assert.Regexp(t, `(?m)^HEALTHCHECK .*CMD \["/nexus", "healthcheck"\]`, df)
	assert.Regexp(t, `(?m)^ENTRYPOINT \["/nexus"\]`, df)

	ignore, err := os.ReadFile("../../.dockerignore")
	require.NoError(t, err)
	for _, p := range []string{".git", "**/nexus.db*", "**/.env"} {
		assert.Contains(t, strings.Split(string(ignore), "\n"), p, ".dockerignore keeps %s out of the build context", p)
	}

	compose, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	for _, want := range []string{"postgres:15", "redis:7", "healthcheck:", "volumes:", "condition: service_healthy", "DATABASE_URL: postgres://"} {
		assert.Contains(t, string(compose), want)
	}
}

// TestComposeSecrets (issue 13 item 14): the compose file never pastes the
// PostgreSQL password into DATABASE_URL (a password with @ : / ? # % would
// break the URL), takes its secrets from a .env file made once from the
// root .env.example (not from a command that makes a new secret at every
// `up`), and that example lists every variable the compose file reads.
func TestComposeSecrets(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	compose := string(raw)
	dbURL := regexp.MustCompile(`(?m)^\s*DATABASE_URL:\s*(\S+)`).FindStringSubmatch(compose)
	require.Len(t, dbURL, 2)
	assert.NotContains(t, dbURL[1], "${", "no interpolated value inside the URL")
	assert.NotRegexp(t, `://[^/@]*:[^/@]*@`, dbURL[1], "no password in the URL")
	assert.Regexp(t, `(?m)^\s*PGPASSWORD:\s*\$\{POSTGRES_PASSWORD:\?`, compose, "the password travels verbatim, required")
	assert.Regexp(t, `(?m)^\s*POSTGRES_PASSWORD:\s*\$\{POSTGRES_PASSWORD:\?`, compose, "no published default password")
	assert.Regexp(t, `(?m)^\s*SESSION_SECRET:\s*\$\{SESSION_SECRET:\?`, compose)

	example, err := os.ReadFile("../../.env.example")
	require.NoError(t, err, "a root .env.example for compose users")
	for _, m := range regexp.MustCompile(`\$\{([A-Z_]+)`).FindAllStringSubmatch(compose, -1) {
		assert.Regexp(t, `(?m)^`+m[1]+`=`, string(example), "%s, read by docker-compose.yml, is in .env.example", m[1])
	}
	assert.Regexp(t, `(?m)^SESSION_SECRET=$`, string(example), "no secret value in the example")
	assert.Regexp(t, `(?m)^POSTGRES_PASSWORD=$`, string(example))

	for _, f := range []string{"../../README.md", "../../Dockerfile", "../../docker-compose.yml"} {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotRegexp(t, `SESSION_SECRET=\$\(openssl[^)]*\)\s+docker compose`, string(raw),
			"%s: a secret made at every `docker compose up` invalidates every token at every restart", f)
	}
}
