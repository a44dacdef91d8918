package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/wsauth"
)

// TestEveryRecordCarriesNodeID: the records logged while the configuration
// loads (envcfg's weak-secret warning comes first) carry NODE_ID too, not
// only those logged after it is known.
func TestEveryRecordCarriesNodeID(t *testing.T) {
	t.Parallel()
	const node = "11111111-2222-4333-8444-555555555555"
	env := baseEnv(t)
	delete(env, "SESSION_SECRET") // the development default: a weak-secret warning at load
	env["NODE_ID"] = node
	ts := startServer(t, env)
	res, err := http.Get(ts.URL + "/api/modules")
	require.NoError(t, err)
	res.Body.Close()
	lines := strings.Split(strings.TrimSpace(ts.logs.String()), "\n")
	require.NotEmpty(t, lines)
	var first struct{ Msg string }
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Contains(t, first.Msg, "weak secret", "the load-time warning is the first record")
	for _, line := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		assert.Equal(t, node, rec["node_id"], "record without node_id: %s", line)
	}
}

// TestTokenIgnoresDatabaseURL: nexus token signs with SESSION_SECRET alone;
// a malformed DATABASE_URL (used only by the server) does not stop it.
func TestTokenIgnoresDatabaseURL(t *testing.T) {
	t.Parallel()
	out, err := runCmd(t, map[string]string{"DATABASE_URL": "%%bad", "SESSION_SECRET": testSecret},
		"-env-file", "", "token", "--subject", "alice")
	require.NoError(t, err)
	id, err := wsauth.NewSigner([]byte(testSecret)).Verify(strings.TrimSpace(out))
	require.NoError(t, err)
	assert.Equal(t, "alice", id.Subject)
}

// TestTraceExportErrorsInServerLog: with a collector that cannot be
// reached, OpenTelemetry's export errors reach the server's JSON log (with
// node_id), not Go's default logger on stderr.
func TestTraceExportErrorsInServerLog(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" // discard port: nothing listens
	ts := startServer(t, env)
	res, err := http.Get(ts.URL + "/api/modules")
	require.NoError(t, err)
	res.Body.Close()
	ts.cancel() // the shutdown flushes the span: its export fails
	select {
	case err := <-ts.done:
		ts.done <- err
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
	}
	var found bool
	for line := range strings.SplitSeq(ts.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "opentelemetry: traces not exported" {
			found = true
			assert.NotEmpty(t, rec["node_id"])
		}
	}
	assert.True(t, found, "no export error in the server's log:\n%s", ts.logs.String())
}
