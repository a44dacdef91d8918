package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/internal/testlog"
	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/shutdown"
)

// syncBuffer is the shared goroutine-safe log buffer of the tests.
type syncBuffer = testlog.Buffer

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// get sends a request and returns the response with its body read.
func get(t *testing.T, method, url, id string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if id != "" {
		req.Header.Set("X-Request-ID", id)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// TestRoutes checks each route and the middleware around it over the wire:
// envelopes, request IDs in the response and in every log record, the
// access log's status, panics and the mux's 404/405 as envelopes.
func TestRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		path       string
		send       string // X-Request-ID sent, "" for none
		wantStatus int
		wantCode   respond.Code // "" for a success envelope
		wantData   string       // the JSON data of a success envelope
		wantBody   string       // the body of a non-envelope answer (probes)
		wantLogs   int          // log records for the request, access log included
	}{
		{"hello with client ID", "GET", "/hello/ada", "basic-test-1", 200, "", `{"message":"hello, ada"}`, "", 2},
		{"hello with generated ID", "GET", "/hello/ada", "", 200, "", `{"message":"hello, ada"}`, "", 2},
		{"malformed ID replaced", "GET", "/hello/ada", "no spaces allowed", 200, "", `{"message":"hello, ada"}`, "", 2},
		{"bad input", "GET", "/hello/" + strings.Repeat("a", 65), "", 400, respond.CodeBadRequest, "", "", 1},
		{"unknown route", "GET", "/nothing", "", 404, respond.CodeNotFound, "", "", 1},
		{"wrong method", "POST", "/hello/ada", "", 405, respond.CodeMethodNotAllowed, "", "", 1},
		{"panic", "GET", "/panic", "", 500, respond.CodeInternalError, "", "", 2},
		{"liveness", "GET", "/livez", "", 200, "", "", "ok\n", 1},
		{"readiness before Run", "GET", "/readyz", "", 503, "", "", "starting\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			srv := httptest.NewServer(newHandler(newLogger(logs), shutdown.New()))
			defer srv.Close()
			res, body := get(t, tt.method, srv.URL+tt.path, tt.send)
			require.Equal(t, tt.wantStatus, res.StatusCode, body)

			id := res.Header.Get("X-Request-ID")
			if tt.send != "" && !strings.Contains(tt.send, " ") {
				assert.Equal(t, tt.send, id)
			} else {
				assert.Regexp(t, uuidV4, id)
			}

			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, body)
			} else {
				var env respond.Envelope[json.RawMessage]
				require.NoError(t, json.Unmarshal([]byte(body), &env), body)
				assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
				assert.Equal(t, id, env.RequestID)
				assert.Equal(t, tt.wantCode == "", env.Success)
				if tt.wantCode == "" {
					assert.JSONEq(t, tt.wantData, string(env.Data))
				} else {
					require.NotNil(t, env.Error)
					assert.Equal(t, tt.wantCode, env.Error.Code)
				}
			}
			if tt.wantStatus == http.StatusMethodNotAllowed {
				assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
			}
			assert.NotContains(t, body, "badly wrong", "a panic's value never reaches the client")

			// Every record carries the ID; the last is the access log.
			require.Eventually(t, func() bool { return len(logs.Records(t)) == tt.wantLogs }, 5*time.Second, 5*time.Millisecond)
			recs := logs.Records(t)
			for _, rec := range recs {
				assert.Equal(t, id, rec["request_id"], rec)
			}
			access := recs[len(recs)-1]
			assert.Equal(t, "http request", access["msg"])
			assert.EqualValues(t, tt.wantStatus, access["status"])
			if tt.send != "" && tt.send != id {
				assert.NotContains(t, logs.String(), tt.send, "a rejected ID is never logged")
			}
		})
	}
}

// TestRun starts the real server through run, uses it, then cancels its
// context: readiness turns 503 while liveness and the API keep answering
// during the drain delay, and run returns nil after a clean shutdown.
func TestRun(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	env := map[string]string{"ADDR": "127.0.0.1:0", "DRAIN_DELAY": "3s"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"basic"}, func(k string) string { return env[k] }, logs) }()

	// The Manager logs the addresses it listens on.
	var base string
	require.Eventually(t, func() bool {
		for _, rec := range logs.Records(t) {
			if addrs, ok := rec["addrs"].([]any); ok && rec["msg"] == "serving" && len(addrs) == 1 {
				base = "http://" + addrs[0].(string)
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)

	res, _ := get(t, "GET", base+"/readyz", "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "ready while serving")
	res, body := get(t, "GET", base+"/hello/gopher", "run-1")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, `"data":{"message":"hello, gopher"}`)
	assert.Contains(t, body, `"requestId":"run-1"`)

	cancel()
	require.Eventually(t, func() bool {
		res, _ := get(t, "GET", base+"/readyz", "")
		return res.StatusCode == http.StatusServiceUnavailable
	}, 2*time.Second, 10*time.Millisecond, "readiness fails as soon as the shutdown starts")
	res, _ = get(t, "GET", base+"/livez", "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "liveness holds while draining")
	res, _ = get(t, "GET", base+"/hello/late", "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "requests are still served during the drain delay")

	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ADDR": "127.0.0.1:0", "DRAIN_DELAY": "soon"}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DRAIN_DELAY")
}
