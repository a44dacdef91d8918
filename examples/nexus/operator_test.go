package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/internal/pgtest"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

// logRecords parses the JSON log of a test server.
func logRecords(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(logs) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// storeURLs are the databases the cross-store API tests run against.
var storeURLs = map[string]func(t *testing.T) string{
	"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "nexus.db") },
	"postgres": func(t *testing.T) string { return pgtest.URL(t) },
}

// TestSameAnswerOnEveryStore (issue 13 items 7 and 8): a NUL character is a
// 400 VALIDATION_ERROR naming the field on SQLite and PostgreSQL alike
// (PostgreSQL cannot store it), and safety scores keep their decimals.
func TestSameAnswerOnEveryStore(t *testing.T) {
	t.Parallel()
	for name, dbURL := range storeURLs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := baseEnv(t)
			env["DATABASE_URL"] = dbURL(t)
			ts := startServer(t, env)
			tok := issueToken(t, time.Hour)
			m := createModule(t, ts.URL, tok, "Clean")

			for _, tc := range []struct{ method, path, body, field string }{
				{"POST", "/api/modules", `{"name":"nul\u0000name","type":"memory","status":"active"}`, "name"},
				{"POST", "/api/modules", `{"name":"ok","type":"memory","status":"active","description":"x\u0000"}`, "description"},
				{"PATCH", "/api/modules/" + m.ID.String(), `{"description":"\u0000"}`, "description"},
				{"PATCH", "/api/modules/" + m.ID.String(), `{"name":"a\u0000b","status":"inactive"}`, "name"},
			} {
				res, env := call[any](t, tc.method, ts.URL+tc.path, tok, tc.body)
				require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s %s", tc.method, tc.body)
				require.NotNil(t, env.Error)
				assert.Equal(t, "VALIDATION_ERROR", string(env.Error.Code))
				var details []validate.FieldError
				require.NoError(t, json.Unmarshal(env.Error.Details, &details))
				require.Len(t, details, 1, "%s", env.Error.Details)
				assert.Equal(t, tc.field, details[0].Field)
				assert.Contains(t, details[0].Message, "NUL")
			}
			_, got := call[store.Module](t, http.MethodGet, ts.URL+"/api/modules/"+m.ID.String(), "", nil)
			assert.Equal(t, m, got.Data, "refused changes change nothing")
			_, list := call[[]store.Module](t, http.MethodGet, ts.URL+"/api/modules", "", nil)
			assert.Equal(t, 1, list.Meta.Total)

			res, s := call[store.SafetyStatus](t, http.MethodPatch, ts.URL+"/api/safety-status", tok,
				`{"humanOversight":95.5,"transparency":0.25}`)
			require.Equal(t, http.StatusOK, res.StatusCode, "decimals are accepted")
			assert.Equal(t, 95.5, s.Data.HumanOversight)
			_, s = call[store.SafetyStatus](t, http.MethodGet, ts.URL+"/api/safety-status", "", nil)
			assert.Equal(t, 95.5, s.Data.HumanOversight)
			assert.Equal(t, 0.25, s.Data.Transparency)
			res, _ = call[any](t, http.MethodPatch, ts.URL+"/api/safety-status", tok, `{"humanOversight":100.5}`)
			assert.Equal(t, http.StatusBadRequest, res.StatusCode, "still at most 100")
		})
	}
}

// TestVersions (issue 13 item 4): every module and the safety status carry
// a version the database increments; events carry it too.
func TestVersions(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	c, _, err := dialWS(t, ts.URL, tok, nil)
	require.NoError(t, err)
	require.Equal(t, "hello", readEvent(t, c).Type)

	m := createModule(t, ts.URL, tok, "Versioned")
	assert.Equal(t, int64(1), m.Version)
	_, up := call[store.Module](t, http.MethodPatch, ts.URL+"/api/modules/"+m.ID.String(), tok, `{"integrationLevel":7}`)
	assert.Equal(t, int64(2), up.Data.Version)
	_, s0 := call[store.SafetyStatus](t, http.MethodGet, ts.URL+"/api/safety-status", "", nil)
	_, s1 := call[store.SafetyStatus](t, http.MethodPatch, ts.URL+"/api/safety-status", tok, `{"transparency":50}`)
	assert.Equal(t, s0.Data.Version+1, s1.Data.Version)
	_, del := call[map[string]any](t, http.MethodDelete, ts.URL+"/api/modules/"+m.ID.String(), tok, nil)
	assert.Equal(t, 3.0, del.Data["version"], "a deletion is the next version")

	for _, want := range []struct {
		typ     string
		version int64
	}{{"module.created", 1}, {"module.updated", 2}, {"safety.updated", s1.Data.Version}, {"module.deleted", 3}} {
		ev := readEvent(t, c)
		require.Equal(t, want.typ, ev.Type)
		var data struct{ Version int64 }
		require.NoError(t, json.Unmarshal(ev.Data, &data))
		assert.Equal(t, want.version, data.Version, want.typ)
	}
}

// TestOperatorDefaults (issue 13 item 10).
func TestOperatorDefaults(t *testing.T) {
	t.Parallel()
	t.Run("readiness 503 during a normal shutdown is not an error", func(t *testing.T) {
		t.Parallel()
		env := baseEnv(t)
		env["SHUTDOWN_DRAIN_DELAY"] = "1s"
		ts := startServer(t, env)
		ts.cancel()
		require.Eventually(t, func() bool {
			res, err := http.Get(ts.URL + "/readyz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusServiceUnavailable
		}, 5*time.Second, 5*time.Millisecond)
		require.NoError(t, <-ts.done)
		ts.done <- nil // for the cleanup
		var seen bool
		for _, rec := range logRecords(t, ts.logs.String()) {
			if rec["path"] == "/readyz" && rec["status"] == 503.0 {
				seen = true
				assert.Equal(t, "INFO", rec["level"], "draining is normal: %v", rec)
			}
			assert.NotEqual(t, "ERROR", rec["level"], "no error during a normal shutdown: %v", rec)
		}
		assert.True(t, seen, "the 503 is logged")
	})
	t.Run("mutations log the token subject; durations are float milliseconds", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, baseEnv(t))
		tok := issueToken(t, time.Hour)
		m := createModule(t, ts.URL, tok, "Audited")
		call[any](t, http.MethodPatch, ts.URL+"/api/modules/"+m.ID.String(), tok, `{"status":"inactive"}`)
		call[any](t, http.MethodPatch, ts.URL+"/api/safety-status", tok, `{"transparency":3}`)
		call[any](t, http.MethodDelete, ts.URL+"/api/modules/"+m.ID.String(), tok, nil)
		want := map[string]bool{"module created": false, "module updated": false, "safety status updated": false, "module deleted": false}
		require.Eventually(t, func() bool {
			for _, rec := range logRecords(t, ts.logs.String()) {
				if _, ok := want[fmt.Sprint(rec["msg"])]; ok && rec["subject"] == "tester" && rec["request_id"] != nil {
					want[fmt.Sprint(rec["msg"])] = true
				}
			}
			return !strings.Contains(fmt.Sprint(want), "false")
		}, 5*time.Second, 10*time.Millisecond, "%v", want)
		var accessLogs int
		for _, rec := range logRecords(t, ts.logs.String()) {
			assert.NotContains(t, rec, "duration", "no integer-nanosecond durations: %v", rec)
			if rec["msg"] == "http request" {
				accessLogs++
				d, ok := rec["duration_ms"].(float64)
				assert.True(t, ok && d > 0, "duration_ms is a float of milliseconds: %v", rec)
			}
		}
		assert.NotZero(t, accessLogs)
	})
	t.Run("help exits 0", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}, {"token", "-h"}, {"healthcheck", "--help"}} {
			out, err := runCmd(t, nil, args...)
			assert.NoError(t, err, "%v", args)
			assert.Contains(t, strings.ToLower(out), "usage", "%v prints the usage", args)
		}
	})
	t.Run("a bad SQLite path or .env line is named", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "no", "such", "dir")
		_, err := runCmd(t, map[string]string{"NODE_ENV": "test", "PORT": "0", "DATABASE_URL": "sqlite:" + dir + "/nexus.db"}, "-env-file", "", "serve")
		require.Error(t, err)
		assert.Contains(t, err.Error(), dir)

		p := writeDotenv(t, "PORT=5000\n# fine\nSESSION_SECRET hunter2-secret-value\nLOG_LEVEL=info\n")
		_, err2 := loadConfig(context.Background(), getenvFrom(nil), p, slog.New(slog.DiscardHandler), true)
		require.Error(t, err2)
		assert.Contains(t, err2.Error(), p)
		assert.Contains(t, err2.Error(), "line 3")
		assert.NotContains(t, err2.Error(), "hunter2")
		p = writeDotenv(t, "A=1\nB=\"multi\nline\"\nC=\"unterminated\nD=4\n")
		_, err2 = loadConfig(context.Background(), getenvFrom(nil), p, slog.New(slog.DiscardHandler), true)
		require.Error(t, err2)
		assert.Contains(t, err2.Error(), "line 4", "a valid quoted value may span lines")
	})
	t.Run("every answer is an envelope, ids are canonical, no-op patches write nothing", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, baseEnv(t))
		tok := issueToken(t, time.Hour)
		m := createModule(t, ts.URL, tok, "Canon")
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, p := range []string{"//api/modules", "/api/../api/modules", "/./healthz", "/api//modules/" + m.ID.String()} {
			res, err := client.Get(ts.URL + p)
			require.NoError(t, err)
			var env map[string]any
			require.NoError(t, json.NewDecoder(res.Body).Decode(&env), "%s answers an envelope", p)
			res.Body.Close()
			assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
			assert.Contains(t, res.Header.Get("Content-Type"), "application/json", p)
		}
		for _, id := range []string{"urn:uuid:" + m.ID.String(), "{" + m.ID.String() + "}",
			strings.ToUpper(m.ID.String()), strings.ReplaceAll(m.ID.String(), "-", "")} {
			res, env := call[any](t, http.MethodGet, ts.URL+"/api/modules/"+id, "", nil)
			assert.Equal(t, http.StatusNotFound, res.StatusCode, id)
			assert.Equal(t, "MODULE_NOT_FOUND", string(env.Error.Code), id)
		}
		for _, body := range []string{`{"name":"   "}`, `{"name":"\t\n"}`} {
			res, env := call[any](t, http.MethodPatch, ts.URL+"/api/modules/"+m.ID.String(), tok, body)
			assert.Equal(t, http.StatusBadRequest, res.StatusCode, body)
			assert.Contains(t, string(env.Error.Details), `"field":"name"`)
		}
		res, env := call[any](t, http.MethodPost, ts.URL+"/api/modules", tok, `{"name":"  ","type":"memory","status":"active"}`)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, string(env.Error.Details), `"rule":"notblank"`)

		c, _, err := dialWS(t, ts.URL, tok, nil)
		require.NoError(t, err)
		require.Equal(t, "hello", readEvent(t, c).Type)
		for _, body := range []string{`{}`, `{"name":"Canon"}`} {
			res, same := call[store.Module](t, http.MethodPatch, ts.URL+"/api/modules/"+m.ID.String(), tok, body)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, m, same.Data, "PATCH %s changes nothing, updatedAt and version included", body)
		}
		_, s0 := call[store.SafetyStatus](t, http.MethodGet, ts.URL+"/api/safety-status", "", nil)
		_, s1 := call[store.SafetyStatus](t, http.MethodPatch, ts.URL+"/api/safety-status", tok, `{}`)
		assert.Equal(t, s0.Data, s1.Data)
		call[any](t, http.MethodPatch, ts.URL+"/api/modules/"+m.ID.String(), tok, `{"name":"Changed"}`)
		ev := readEvent(t, c)
		assert.Equal(t, "module.updated", ev.Type, "the no-op patches published nothing")
		assert.Contains(t, string(ev.Data), `"name":"Changed"`)
	})
}

// TestDevelopmentListensOnLoopback (issue 13 item 6): without HOST a
// development server accepts connections from this machine only, and says
// so; HOST opens it.
func TestDevelopmentListensOnLoopback(t *testing.T) {
	t.Parallel()
	port := func(u string) string { return u[strings.LastIndex(u, ":")+1:] }
	// 127.0.0.2 is this machine too, but not the address 127.0.0.1 a
	// loopback-only listener is bound to.
	reachable := func(p string) bool {
		c, err := net.DialTimeout("tcp", "127.0.0.2:"+p, 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	env := baseEnv(t)
	env["NODE_ENV"] = "development"
	ts := startServer(t, env)
	assert.False(t, reachable(port(ts.URL)), "development listens on 127.0.0.1 only")
	assert.Contains(t, ts.logs.String(), "listening on loopback only")
	assert.Contains(t, ts.logs.String(), "HOST=0.0.0.0")

	env = baseEnv(t)
	env["NODE_ENV"] = "development"
	env["HOST"] = "0.0.0.0"
	ts = startServer(t, env)
	assert.True(t, reachable(port(ts.URL)), "HOST=0.0.0.0 accepts other addresses")
	assert.NotContains(t, ts.logs.String(), "loopback only")
}

// TestTokenRotation (issue 13 item 11): tokens signed with a previous secret
// keep working while it is listed in SESSION_SECRET_PREVIOUS; nexus token
// signs with the current one, caps --ttl, and needs no DATABASE_URL.
func TestTokenRotation(t *testing.T) {
	t.Parallel()
	const oldSecret = "the-previous-session-secret-0123456789"
	const otherOld = "an-even-older-session-secret-987654321"
	env := baseEnv(t)
	env["SESSION_SECRET_PREVIOUS"] = oldSecret + "," + otherOld
	ts := startServer(t, env)
	for _, secret := range []string{testSecret, oldSecret, otherOld} {
		tok, err := wsauth.NewSigner([]byte(secret)).Issue("rotator", time.Hour)
		require.NoError(t, err)
		res, _ := call[any](t, http.MethodPost, ts.URL+"/api/modules", tok, `{"name":"r","type":"memory","status":"active"}`)
		assert.Equal(t, http.StatusCreated, res.StatusCode, "a token signed with %.8s… is accepted", secret)
		c, _, err := dialWS(t, ts.URL, tok, nil)
		require.NoError(t, err, "the WebSocket too")
		assert.Equal(t, "hello", readEvent(t, c).Type)
	}
	unknown, err := wsauth.NewSigner([]byte("never-configured-secret-0000000000000")).Issue("x", time.Hour)
	require.NoError(t, err)
	res, _ := call[any](t, http.MethodPost, ts.URL+"/api/modules", unknown, `{"name":"r","type":"memory","status":"active"}`)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.NotContains(t, ts.logs.String(), oldSecret)

	prod := map[string]string{"NODE_ENV": "production", "SESSION_SECRET": "a-real-secret-with-enough-entropy-7f3a9c",
		"SESSION_SECRET_PREVIOUS": oldSecret}
	out, err := runCmd(t, prod, "-env-file", "", "token", "--subject", "ops", "--ttl", "720h")
	require.NoError(t, err, "nexus token needs no DATABASE_URL, even in production")
	_, err = wsauth.NewSigner([]byte(prod["SESSION_SECRET"])).Verify(strings.TrimSpace(out))
	require.NoError(t, err, "signed with the current secret")
	_, err = wsauth.NewSigner([]byte(oldSecret)).Verify(strings.TrimSpace(out))
	require.Error(t, err, "never with a previous one")
	_, err = runCmd(t, prod, "-env-file", "", "token", "--subject", "ops", "--ttl", "721h")
	assert.ErrorContains(t, err, "at most 720h")

	bad := baseEnv(t)
	bad["SESSION_SECRET_PREVIOUS"] = "short-hunter2," + oldSecret
	_, err = runCmd(t, bad, "-env-file", "", "serve")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SESSION_SECRET_PREVIOUS")
	assert.NotContains(t, err.Error(), "hunter2")
}
