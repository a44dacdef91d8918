package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/internal/testlog"
	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/wsauth"
)

// testSecret signs the tokens of the test servers.
const testSecret = "test-session-secret-0123456789abcdef"

// baseEnv is the environment of a test server: a fresh SQLite file, any free
// port, no drain delay, a rate limit the tests do not reach.
func baseEnv(t *testing.T) map[string]string {
	return map[string]string{
		"NODE_ENV":                "test",
		"PORT":                    "0",
		"DATABASE_URL":            "sqlite:" + filepath.Join(t.TempDir(), "nexus.db"),
		"SESSION_SECRET":          testSecret,
		"SHUTDOWN_DRAIN_DELAY":    "0s",
		"RATE_LIMIT_MAX_REQUESTS": "1000000",
		"LOG_LEVEL":               "debug",
	}
}

func getenvFrom(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// testServer is the real server started in-process through run.
type testServer struct {
	URL    string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// syncBuffer is the shared goroutine-safe log buffer of the tests.
type syncBuffer = testlog.Buffer

// startServer runs `nexus serve` in-process with env and waits until it
// listens. The server stops (and must stop cleanly) when the test ends.
func startServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	ts := &testServer{logs: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := run(ctx, []string{"nexus", "-env-file", "", "serve"}, getenvFrom(env), pw)
		_ = pw.CloseWithError(io.EOF)
		ts.done <- err
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			_, _ = ts.logs.Write([]byte(line + "\n"))
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case ts.URL = <-addr:
	case err := <-ts.done:
		t.Fatalf("server did not start: %v\nlogs:\n%s", err, ts.logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not start within 20s; logs:\n%s", ts.logs.String())
	}
	// Wait for readiness: the listener is open before Run serves it.
	require.Eventually(t, func() bool {
		res, err := http.Get(ts.URL + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 10*time.Second, 10*time.Millisecond)
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("server stopped with error: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	})
	return ts
}

// issueToken issues a bearer token for the test servers.
func issueToken(t *testing.T, ttl time.Duration) string {
	t.Helper()
	tok, err := wsauth.NewSigner([]byte(testSecret)).Issue("tester", ttl)
	require.NoError(t, err)
	return tok
}

// call sends a request and decodes the envelope with data as T.
func call[T any](t *testing.T, method, url, tok string, body any, hdr ...string) (*http.Response, respond.Envelope[T]) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var env respond.Envelope[T]
	require.NoError(t, json.Unmarshal(raw, &env), "body is not an envelope: %s", raw)
	require.NotEmpty(t, env.RequestID, "every envelope carries the request ID")
	require.Equal(t, res.Header.Get("X-Request-ID"), env.RequestID, "header and envelope agree on the request ID")
	require.False(t, env.Timestamp.IsZero())
	return res, env
}

// createModule creates a module through the API.
func createModule(t *testing.T, base, tok, name string) store.Module {
	t.Helper()
	res, env := call[store.Module](t, http.MethodPost, base+"/api/modules", tok, map[string]any{
		"name": name, "type": "cognitive", "status": "active", "integrationLevel": 50,
		"description": "a module created by the tests",
	})
	require.Equal(t, http.StatusCreated, res.StatusCode)
	return env.Data
}

// binary is the nexus binary built once per test run (see buildBinary).
var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// buildBinary builds the server the way the Dockerfile does (static, no
// cgo, trimmed) into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nexus-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "nexus")
		cmd := exec.Command("go", dockerBuildArgs(binaryPath)...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binaryErr = err
			binaryPath = string(out)
		}
	})
	if binaryErr != nil {
		t.Fatalf("go build: %v\n%s", binaryErr, binaryPath)
	}
	return binaryPath
}
