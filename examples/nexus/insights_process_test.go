package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/respond"

	"github.com/nexuskit/nexus/examples/nexus/internal/aitest"
)

// TestSIGTERMDuringInsightStream sends SIGTERM to the real binary while an
// insight streams from an AI service that never finishes: the stream ends
// with a final event saying the server is restarting, the upstream request
// is cancelled, and the process exits with status 0 well within
// SHUTDOWN_TIMEOUT (the shutdown manager tracked the stream and waited for
// it).
func TestSIGTERMDuringInsightStream(t *testing.T) {
	t.Parallel()
	f := aitest.New(t, aitest.Ollama)
	f.Push(aitest.Script{Steps: []aitest.Step{{Write: aitest.OllamaChunk("thinking")}, {Wait: make(chan struct{})}}})
	env := aiEnv(t, f)
	env["SHUTDOWN_DRAIN_DELAY"] = "500ms"
	env["SHUTDOWN_TIMEOUT"] = "15s"
	env["LOG_LEVEL"] = "info"
	p := startBinary(t, env)
	tok := issueToken(t, time.Hour)
	m := createModule(t, p.URL, tok, "Long answer")

	req := insightRequest(t, context.Background(), p.URL, tok, m.ID, "", "X-Request-ID", "stream-at-sigterm", "Accept-Encoding", "gzip")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "gzip", res.Header.Get("Content-Encoding"))
	dec, err := gzip.NewReader(res.Body)
	require.NoError(t, err)
	br := bufio.NewReader(dec)
	ev, err := readEventSSE(br)
	require.NoError(t, err)
	assert.Equal(t, "chunk", ev.Name)
	up := f.Next(t, time.Second)

	signalled := time.Now()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	ev, err = readEventSSE(br)
	require.NoError(t, err, "logs:\n%s", p.logs.String())
	assert.Equal(t, "error", ev.Name)
	var body respond.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(ev.Data), &body))
	assert.Equal(t, respond.CodeServiceUnavailable, body.Code)
	assert.Contains(t, body.Message, "restarting")
	assert.JSONEq(t, `{"reason":"restarting"}`, string(body.Details))
	_, err = readEventSSE(br)
	assert.True(t, errors.Is(err, io.EOF), "the stream ends after the final event: %v", err)
	select {
	case <-up.Ended:
	case <-time.After(2 * time.Second):
		t.Fatal("the upstream request was not cancelled by the shutdown")
	}

	select {
	case err := <-p.exited:
		assert.NoError(t, err, "exit status 0; logs:\n%s", p.logs.String())
		assert.Less(t, time.Since(signalled), 10*time.Second, "exited well within SHUTDOWN_TIMEOUT")
	case <-time.After(20 * time.Second):
		t.Fatalf("nexus did not exit; logs:\n%s", p.logs.String())
	}
	logs := p.logs.String()
	assert.Contains(t, logs, `"msg":"stopped","clean":true`)
	status, d := accessLogged(t, logs, "stream-at-sigterm")
	assert.Equal(t, http.StatusOK, status)
	assert.GreaterOrEqual(t, d, 500*time.Millisecond, "the stream lasted through the drain delay")
}
