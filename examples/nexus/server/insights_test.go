package server

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/ai"
	"github.com/nexuskit/nexus/examples/nexus/internal/aitest"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

var insightKey = []byte("insight-test-key-0123456789abcdef0123")

// insightServer runs the server with the fake as its AI service on an
// http.Server configured by cfg.
func insightServer(t *testing.T, f *aitest.Server, draining chan struct{}, cfg func(*http.Server)) (*httptest.Server, string, store.Module) {
	t.Helper()
	st := store.NewMemory()
	m, err := st.CreateModule(context.Background(), store.Module{Name: "Memory", Type: "memory", Status: "active"})
	require.NoError(t, err)
	signer := wsauth.NewSigner(insightKey)
	opts := Options{Store: st, Signer: signer, Logger: slog.New(slog.DiscardHandler), Draining: draining}
	if f != nil {
		opts.AI = ai.NewOllama(f.URL)
	}
	ts := httptest.NewUnstartedServer(New(opts).Handler())
	if cfg != nil {
		cfg(ts.Config)
	}
	ts.Start()
	t.Cleanup(ts.Close)
	tok, err := signer.Issue("tester", time.Hour)
	require.NoError(t, err)
	return ts, tok, m
}

func postInsight(t *testing.T, ts *httptest.Server, tok string, m store.Module, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/api/modules/"+m.ID.String()+"/insights", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// TestInsightOutlivesReadTimeout: a stream lasts longer than the server's
// ReadTimeout (net/http lifts the read deadline once the request is read)
// without its context being cancelled.
func TestInsightOutlivesReadTimeout(t *testing.T) {
	t.Parallel()
	f := aitest.New(t, aitest.Ollama)
	f.Push(aitest.Script{Steps: []aitest.Step{
		{Write: aitest.OllamaChunk("slow"), Sleep: 800 * time.Millisecond},
		{Write: aitest.OllamaChunk(" answer")},
		{Write: aitest.OllamaDone(1, 2)},
	}})
	ts, tok, m := insightServer(t, f, nil, func(s *http.Server) { s.ReadTimeout = 300 * time.Millisecond })
	res := postInsight(t, ts, tok, m)
	require.Equal(t, http.StatusOK, res.StatusCode)
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Contains(t, string(raw), "event: done\n", "%s", raw)
	assert.Contains(t, string(raw), `"text":"slow answer"`)
}

// TestInsightDraining: when the server drains, an open stream ends with a
// restarting event, and one not yet started answers 503.
func TestInsightDraining(t *testing.T) {
	t.Parallel()
	f := aitest.New(t, aitest.Ollama)
	f.Push(aitest.Script{Steps: []aitest.Step{{Write: aitest.OllamaChunk("a")}, {Wait: make(chan struct{})}}},
		aitest.Script{Steps: []aitest.Step{{Wait: make(chan struct{})}}})
	draining := make(chan struct{})
	ts, tok, m := insightServer(t, f, draining, nil)
	res := postInsight(t, ts, tok, m)
	require.Equal(t, http.StatusOK, res.StatusCode)
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "event: chunk\n", line)

	done := make(chan *http.Response, 1)
	go func() { done <- postInsight(t, ts, tok, m, "Accept", "application/json") }()
	f.Next(t, 5*time.Second)
	f.Next(t, 5*time.Second)
	close(draining)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Contains(t, string(rest), "event: error\ndata: {\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"the server is restarting: ask again in a moment\",\"details\":{\"reason\":\"restarting\"}}\n\n")
	select {
	case res2 := <-done:
		assert.Equal(t, http.StatusServiceUnavailable, res2.StatusCode)
	case <-time.After(5 * time.Second):
		t.Fatal("the JSON insight did not end when the server drained")
	}
}

// TestInsightWithoutProvider answers 503 with what to configure.
func TestInsightWithoutProvider(t *testing.T) {
	t.Parallel()
	ts, tok, m := insightServer(t, nil, nil, nil)
	res := postInsight(t, ts, tok, m)
	raw, _ := io.ReadAll(res.Body)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Contains(t, string(raw), "set OLLAMA_HOST or OPENAI_API_KEY")
}

func TestPrefersJSON(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"":                                    false,
		"*/*":                                 false,
		"text/event-stream":                   false,
		"application/json":                    true,
		"application/json, text/event-stream": false, // a tie streams
		"text/event-stream;q=0.5, application/json": true,
		"application/json;q=0.2, */*;q=0.9":         false,
		"application/*":                             true,
		"application/json;q=0":                      false,
		"text/html, application/json;q=0.9":         true,
		"application/json;q=bogus":                  true,
		"garbage;;;":                                false,
	}
	for accept, want := range tests {
		var vals []string
		if accept != "" {
			vals = strings.Split(accept, "\n")
		}
		assert.Equal(t, want, prefersJSON(vals), "%q", accept)
	}
}
