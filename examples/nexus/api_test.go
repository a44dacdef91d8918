package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/google/uuid"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

func TestModulesCRUD(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)

	m := createModule(t, ts.URL, tok, "Perception")
	assert.Equal(t, uuid.Version(4), m.ID.Version(), "the server generates UUIDv4 ids")
	assert.Equal(t, "Perception", m.Name)
	assert.Equal(t, 50, m.IntegrationLevel)

	res, got := call[store.Module](t, http.MethodGet, ts.URL+"/api/modules/"+m.ID.String(), "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.True(t, got.Success)
	assert.Equal(t, m, got.Data)

	// PATCH changes only the fields present.
	res, up := call[store.Module](t, http.MethodPatch, ts.URL+"/api/modules/"+m.ID.String(), tok,
		`{"status":"learning","integrationLevel":77}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "learning", up.Data.Status)
	assert.Equal(t, 77, up.Data.IntegrationLevel)
	assert.Equal(t, m.Name, up.Data.Name)
	assert.Equal(t, m.Description, up.Data.Description)
	assert.Equal(t, m.CreatedAt, up.Data.CreatedAt)
	assert.True(t, up.Data.UpdatedAt.After(m.UpdatedAt))

	res, del := call[map[string]any](t, http.MethodDelete, ts.URL+"/api/modules/"+m.ID.String(), tok, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, true, del.Data["deleted"])

	for _, id := range []string{m.ID.String(), uuid.NewString(), "not-a-uuid", "1"} {
		for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			var body any
			if method == http.MethodPatch {
				body = `{"status":"active"}`
			}
			res, env := call[any](t, method, ts.URL+"/api/modules/"+id, tok, body)
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s %s", method, id)
			require.NotNil(t, env.Error)
			assert.Equal(t, "MODULE_NOT_FOUND", string(env.Error.Code), "%s %s", method, id)
		}
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	res, env := call[any](t, http.MethodGet, ts.URL+"/api/modules", "", nil, "X-Request-ID", "trace-abc-123")
	assert.Equal(t, "trace-abc-123", res.Header.Get("X-Request-ID"))
	assert.Equal(t, "trace-abc-123", env.RequestID)
	// A malformed ID (log injection attempt) is replaced, not echoed.
	res, env = call[any](t, http.MethodGet, ts.URL+"/api/modules", "", nil, "X-Request-ID", "bad id\twith spaces")
	assert.NotContains(t, env.RequestID, " ")
	_, err := uuid.Parse(res.Header.Get("X-Request-ID"))
	assert.NoError(t, err)
	// The access log carries the same ID.
	require.Eventually(t, func() bool {
		return strings.Contains(ts.logs.String(), `"request_id":"trace-abc-123"`)
	}, 5*time.Second, 10*time.Millisecond)
}

func TestSafetyStatus(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	res, s0 := call[store.SafetyStatus](t, http.MethodGet, ts.URL+"/api/safety-status", "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 100.0, s0.Data.EthicalCompliance)

	res, s1 := call[store.SafetyStatus](t, http.MethodPatch, ts.URL+"/api/safety-status", tok,
		`{"ethicalCompliance":91,"valueAlignment":0}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, 91.0, s1.Data.EthicalCompliance)
	assert.Equal(t, 0.0, s1.Data.ValueAlignment)
	assert.Equal(t, s0.Data.HarmPrevention, s1.Data.HarmPrevention, "absent fields keep their value")

	_, s2 := call[store.SafetyStatus](t, http.MethodGet, ts.URL+"/api/safety-status", "", nil)
	assert.Equal(t, s1.Data, s2.Data)
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	m := createModule(t, ts.URL, tok, "Memory")
	modURL := ts.URL + "/api/modules/" + m.ID.String()
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, method, url, body, ctype string
		status                         int
		code                           string
		fields                         []string // expected details fields, in any order
	}{
		{"missing required fields", "POST", "/api/modules", `{"integrationLevel":5}`, "", 400, "VALIDATION_ERROR", []string{"name", "type", "status"}},
		{"level above 100", "POST", "/api/modules", `{"name":"a","type":"cognitive","status":"active","integrationLevel":101}`, "", 400, "VALIDATION_ERROR", []string{"integrationLevel"}},
		{"bad enum", "POST", "/api/modules", `{"name":"a","type":"telepathic","status":"active"}`, "", 400, "VALIDATION_ERROR", []string{"type"}},
		{"unknown field", "POST", "/api/modules", `{"name":"a","type":"cognitive","status":"active","power":9000}`, "", 400, "", nil},
		{"malformed JSON", "POST", "/api/modules", `{"name":`, "", 400, "", nil},
		{"empty body", "POST", "/api/modules", ``, "", 400, "", nil},
		{"wrong content type", "POST", "/api/modules", `name=a`, "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE", nil},
		{"too large", "POST", "/api/modules", big, "", 413, "PAYLOAD_TOO_LARGE", nil},
		{"patch checks present fields only", "PATCH", modURL, `{"integrationLevel":-1}`, "", 400, "VALIDATION_ERROR", []string{"integrationLevel"}},
		{"patch rejects empty name", "PATCH", modURL, `{"name":""}`, "", 400, "VALIDATION_ERROR", []string{"name"}},
		{"patch unknown field", "PATCH", modURL, `{"colour":"red"}`, "", 400, "", nil},
		{"safety out of range", "PATCH", "/api/safety-status", `{"ethicalCompliance":150,"valueAlignment":-3}`, "", 400, "VALIDATION_ERROR", []string{"ethicalCompliance", "valueAlignment"}},
		{"safety unknown field", "PATCH", "/api/safety-status", `{"vibes":100}`, "", 400, "", nil},
		{"safety wrong type", "PATCH", "/api/safety-status", `{"transparency":"high"}`, "", 400, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := tt.url
			if strings.HasPrefix(url, "/") {
				url = ts.URL + url
			}
			hdr := []string{}
			if tt.ctype != "" {
				hdr = append(hdr, "Content-Type", tt.ctype)
			}
			res, env := call[any](t, tt.method, url, tok, tt.body, hdr...)
			assert.Equal(t, tt.status, res.StatusCode)
			require.NotNil(t, env.Error)
			assert.False(t, env.Success)
			assert.NotEmpty(t, env.Error.Message)
			if tt.code != "" {
				assert.Equal(t, tt.code, string(env.Error.Code))
			}
			if tt.fields != nil {
				var details []validate.FieldError
				require.NoError(t, json.Unmarshal(env.Error.Details, &details), "details: %s", env.Error.Details)
				var fields []string
				for _, d := range details {
					fields = append(fields, d.Field)
					assert.NotEmpty(t, d.Rule)
					assert.NotEmpty(t, d.Message)
				}
				assert.ElementsMatch(t, tt.fields, fields)
			}
		})
	}
	// Nothing above changed the module.
	_, got := call[store.Module](t, http.MethodGet, modURL, "", nil)
	assert.Equal(t, m, got.Data)
}

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	m := createModule(t, ts.URL, tok, "Guarded")
	expired := issueToken(t, time.Millisecond)
	otherKey, err := wsauthIssue("another-secret-that-is-long-enough-000", time.Hour)
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)

	creds := []struct{ name, header, want string }{
		{"none", "", "Bearer token"},
		{"not bearer", "Basic dXNlcjpwYXNz", "Bearer token"},
		{"garbage", "Bearer not.a-token", "invalid"},
		{"other key", "Bearer " + otherKey, "invalid"},
		{"expired", "Bearer " + expired, "expired"},
	}
	mutations := []struct{ method, path, body string }{
		{"POST", "/api/modules", `{"name":"a","type":"cognitive","status":"active"}`},
		{"PATCH", "/api/modules/" + m.ID.String(), `{"status":"inactive"}`},
		{"DELETE", "/api/modules/" + m.ID.String(), ""},
		{"PATCH", "/api/safety-status", `{"transparency":1}`},
	}
	for _, c := range creds {
		for _, mu := range mutations {
			t.Run(c.name+" "+mu.method+" "+mu.path, func(t *testing.T) {
				t.Parallel()
				var body any
				if mu.body != "" {
					body = mu.body
				}
				hdr := []string{}
				if c.header != "" {
					hdr = append(hdr, "Authorization", c.header)
				}
				res, env := call[any](t, mu.method, ts.URL+mu.path, "", body, hdr...)
				assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
				assert.Contains(t, res.Header.Get("WWW-Authenticate"), "Bearer")
				require.NotNil(t, env.Error)
				assert.Equal(t, "UNAUTHORIZED", string(env.Error.Code))
				assert.Contains(t, env.Error.Message, c.want)
			})
		}
	}
	t.Run("reads are public", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"/api/modules", "/api/modules/" + m.ID.String(), "/api/safety-status", "/api/system"} {
			res, _ := call[any](t, http.MethodGet, ts.URL+p, "", nil)
			assert.Equal(t, http.StatusOK, res.StatusCode, p)
		}
	})
	// No token ever reaches the logs.
	t.Cleanup(func() {
		assert.NotContains(t, ts.logs.String(), tok)
		assert.NotContains(t, ts.logs.String(), expired)
	})
}

func TestPagination(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	var ids []uuid.UUID
	for i := range 23 {
		ids = append(ids, createModule(t, ts.URL, tok, fmt.Sprintf("module-%02d", i)).ID)
	}
	tests := []struct {
		query              string
		page, limit, count int
		first              int // index into ids of the first item
	}{
		{"", 1, 10, 10, 0},
		{"?page=2", 2, 10, 10, 10},
		{"?page=3", 3, 10, 3, 20},
		{"?page=4", 4, 10, 0, -1},
		{"?limit=5&page=2", 2, 5, 5, 5},
		{"?limit=100", 1, 100, 23, 0},
	}
	for _, tt := range tests {
		res, env := call[[]store.Module](t, http.MethodGet, ts.URL+"/api/modules"+tt.query, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, tt.query)
		require.NotNil(t, env.Meta, tt.query)
		assert.Equal(t, tt.page, env.Meta.Page, tt.query)
		assert.Equal(t, tt.limit, env.Meta.Limit, tt.query)
		assert.Equal(t, 23, env.Meta.Total, tt.query)
		require.Len(t, env.Data, tt.count, tt.query)
		if tt.first >= 0 {
			assert.Equal(t, ids[tt.first], env.Data[0].ID, tt.query)
		}
	}
	for _, q := range []string{"?page=0", "?page=-1", "?page=x", "?limit=0", "?limit=101", "?limit=1.5"} {
		res, env := call[any](t, http.MethodGet, ts.URL+"/api/modules"+q, "", nil)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, q)
		require.NotNil(t, env.Error, q)
		assert.Equal(t, "VALIDATION_ERROR", string(env.Error.Code), q)
		assert.Contains(t, string(env.Error.Details), `"field":"`+strings.Split(q[1:], "=")[0]+`"`, q)
	}
}

func TestCompressedResponses(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tok := issueToken(t, time.Hour)
	for i := range 20 {
		createModule(t, ts.URL, tok, fmt.Sprintf("compressible-%02d", i))
	}
	decoders := map[string]func(io.Reader) (io.Reader, error){
		"zstd": func(r io.Reader) (io.Reader, error) { return zstd.NewReader(r) },
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
		"gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	}
	for enc, dec := range decoders {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/modules?limit=20", nil)
			require.NoError(t, err)
			req.Header.Set("Accept-Encoding", enc)
			res, err := http.DefaultTransport.RoundTrip(req) // no transparent gzip
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, enc, res.Header.Get("Content-Encoding"))
			assert.Contains(t, res.Header.Values("Vary"), "Accept-Encoding")
			raw, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			r, err := dec(bytes.NewReader(raw))
			require.NoError(t, err)
			plain, err := io.ReadAll(r)
			require.NoError(t, err)
			assert.Less(t, len(raw), len(plain), "the body is smaller compressed")
			var env struct {
				Success bool
				Data    []store.Module
			}
			require.NoError(t, json.Unmarshal(plain, &env))
			assert.True(t, env.Success)
			assert.Len(t, env.Data, 20)
		})
	}
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	tests := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/nothing", 404, "NOT_FOUND", ""},
		{"GET", "/favicon.ico", 404, "NOT_FOUND", ""},
		{"GET", "/static/missing.js", 404, "NOT_FOUND", ""},
		{"PUT", "/api/modules", 405, "METHOD_NOT_ALLOWED", "GET, HEAD, POST"},
		{"POST", "/api/modules/" + uuid.NewString(), 405, "METHOD_NOT_ALLOWED", "DELETE, GET, HEAD, PATCH"},
		{"DELETE", "/api/safety-status", 405, "METHOD_NOT_ALLOWED", "GET, HEAD, PATCH"},
		{"POST", "/healthz", 405, "METHOD_NOT_ALLOWED", "GET, HEAD"},
	}
	for _, tt := range tests {
		res, env := call[any](t, tt.method, ts.URL+tt.path, "", nil)
		assert.Equal(t, tt.status, res.StatusCode, "%s %s", tt.method, tt.path)
		require.NotNil(t, env.Error)
		assert.Equal(t, tt.code, string(env.Error.Code))
		assert.Equal(t, tt.allow, res.Header.Get("Allow"))
	}
}

func TestHealthSystemAndDashboard(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["OPENAI_API_KEY"] = "sk-test-value-never-shown"
	env["ENABLE_REDIS_CACHE"] = "true"
	ts := startServer(t, env)
	for _, p := range []string{"/healthz", "/readyz"} {
		res, _ := call[any](t, http.MethodGet, ts.URL+p, "", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode, p)
	}

	req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/system", nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "sk-test-value-never-shown")
	var sys struct {
		Data struct {
			Name, Version, Environment, Storage string
			UptimeSeconds                       *int64
			Integrations                        []struct {
				Name, Variable     string
				Configured, Active bool
			}
		}
	}
	require.NoError(t, json.Unmarshal(raw, &sys))
	assert.Equal(t, "sqlite", sys.Data.Storage)
	assert.Equal(t, "test", sys.Data.Environment)
	assert.Equal(t, "dev", sys.Data.Version)
	assert.NotNil(t, sys.Data.UptimeSeconds)
	configured := map[string]bool{}
	for _, in := range sys.Data.Integrations {
		configured[in.Variable] = in.Configured
		// OpenAI answers the insights when its key is set (AI_PROVIDER=auto).
		assert.Equal(t, in.Name == "openai", in.Active, "%s active", in.Name)
	}
	// OLLAMA_HOST is unset: its default is not a configuration.
	assert.Equal(t, map[string]bool{
		"OPENAI_API_KEY": true, "OLLAMA_HOST": false, "REDIS_URL": false,
		"ENABLE_REDIS_CACHE": true, "ENABLE_DISTRIBUTED_SYSTEM": false,
	}, configured)
	// Nor in the log, at debug level, from start to here.
	assert.NotContains(t, ts.logs.String(), "sk-test-value-never-shown")
	assert.NotContains(t, ts.logs.String(), testSecret)

	for path, ctype := range map[string]string{
		"/": "text/html", "/static/app.js": "text/javascript", "/static/style.css": "text/css",
	} {
		res, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Contains(t, res.Header.Get("Content-Type"), ctype, path)
		assert.NotEmpty(t, body, path)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["RATE_LIMIT_MAX_REQUESTS"] = "3"
	env["RATE_LIMIT_WINDOW_MS"] = "60000"
	ts := startServer(t, env) // startServer's /readyz polls are exempt
	for i := range 3 {
		res, _ := call[any](t, http.MethodGet, ts.URL+"/api/modules", "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "request %d", i+1)
	}
	res, env2 := call[any](t, http.MethodGet, ts.URL+"/api/modules", "", nil)
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	require.NotNil(t, env2.Error)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", string(env2.Error.Code))
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	for _, p := range []string{"/healthz", "/readyz"} {
		res, _ := call[any](t, http.MethodGet, ts.URL+p, "", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode, "probes are never rate limited: %s", p)
	}
	for _, p := range []string{"/", "/static/app.js"} {
		res, err := http.Get(ts.URL + p)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "the dashboard files are not rate limited: %s", p)
	}
	_, _, err := dialWS(t, ts.URL, issueToken(t, time.Hour), nil)
	require.Error(t, err, "the WebSocket counts against the limit")
}

func TestCORS(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["CORS_ORIGIN"] = "https://app.example, http://localhost:5173"
	ts := startServer(t, env)
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest(http.MethodOptions, ts.URL+"/api/modules", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PATCH")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	res := preflight("https://app.example")
	assert.Equal(t, "https://app.example", res.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, res.Header.Get("Access-Control-Allow-Methods"), "PATCH")
	res = preflight("https://evil.example")
	assert.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))

	res2, _ := call[any](t, http.MethodGet, ts.URL+"/api/modules", "", nil, "Origin", "http://localhost:5173")
	assert.Equal(t, "http://localhost:5173", res2.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, res2.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id")
	assert.Empty(t, res2.Header.Get("Access-Control-Allow-Credentials"), "bearer tokens, never cookies: no credentials")
}

// TestCORSAnyOrigin: the default CORS_ORIGIN=* answers any origin with a
// literal "*" and never allows credentials (a browser would refuse "*" with
// credentials, and reflecting the origin with them would let any site act
// as the visitor).
func TestCORSAnyOrigin(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	delete(env, "CORS_ORIGIN")
	ts := startServer(t, env)
	for _, method := range []string{http.MethodOptions, http.MethodGet} {
		req, err := http.NewRequest(method, ts.URL+"/api/modules", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", "https://anywhere.example")
		if method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "PATCH")
			req.Header.Set("Access-Control-Request-Headers", "authorization")
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"), method)
		assert.Empty(t, res.Header.Get("Access-Control-Allow-Credentials"), method)
	}
}
