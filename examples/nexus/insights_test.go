package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/respond"

	"github.com/nexuskit/nexus/examples/nexus/internal/aitest"
)

// aiEnv is a test server's environment with the fake as its AI service.
func aiEnv(t *testing.T, f *aitest.Server) map[string]string {
	env := baseEnv(t)
	if f.BaseURL() == f.URL {
		env["OLLAMA_HOST"] = f.BaseURL()
		env["AI_PROVIDER"] = "ollama"
	} else {
		f.Key = "sk-test-insights-key-0123456789"
		env["OPENAI_API_KEY"] = f.Key
		env["OPENAI_BASE_URL"] = f.BaseURL()
	}
	return env
}

// sseEvent is one event as a client reads it.
type sseEvent struct {
	Name string
	Data string
}

// readEventSSE reads the next event from an event stream.
func readEventSSE(br *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if ev.Data != "" {
				return ev, nil
			}
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data += strings.TrimPrefix(line, "data: ")
		}
	}
}

// insightRequest builds POST /api/modules/{id}/insights.
func insightRequest(t *testing.T, ctx context.Context, base, tok string, id fmt.Stringer, body string, hdr ...string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/modules/"+id.String()+"/insights", rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// readAllEvents reads events until the stream ends.
func readAllEvents(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	br := bufio.NewReader(r)
	var out []sseEvent
	for {
		ev, err := readEventSSE(br)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, ev)
	}
}

type doneData struct {
	ModuleID     string
	Provider     string
	Model        string
	Text         string
	FinishReason string
	DurationMS   float64
	Usage        struct{ PromptTokens, CompletionTokens, TotalTokens int }
}

// accessLogged finds the access-log record of the request with id and
// returns its status and duration.
func accessLogged(t *testing.T, logs, id string) (int, time.Duration) {
	t.Helper()
	status, d, ok := findAccess(logs, id)
	if !ok {
		t.Fatalf("no access log record for request %s in:\n%s", id, logs)
	}
	return status, d
}

func findAccess(logs, id string) (int, time.Duration, bool) {
	for line := range strings.SplitSeq(logs, "\n") {
		var rec struct {
			Msg        string
			RequestID  string   `json:"request_id"`
			Status     int      `json:"status"`
			Duration   *int64   `json:"duration"`
			DurationMS *float64 `json:"duration_ms"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "http request" || rec.RequestID != id {
			continue
		}
		switch {
		case rec.Duration != nil:
			return rec.Status, time.Duration(*rec.Duration), true
		case rec.DurationMS != nil:
			return rec.Status, time.Duration(*rec.DurationMS * float64(time.Millisecond)), true
		}
	}
	return 0, 0, false
}

// TestInsightsStream: one event per upstream chunk, then a final event with
// the whole answer and usage; the request ID reaches the upstream; the
// stream is in the access log with its duration.
func TestInsightsStream(t *testing.T) {
	t.Parallel()
	for _, wire := range []aitest.Wire{aitest.Ollama, aitest.OpenAI} {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			// Slow chunks, each line cut in two writes 50 ms apart: the
			// stream lasts at least 300 ms.
			var steps []aitest.Step
			for _, st := range f.Answer("Integration", " is", " at 50%.") {
				half := len(st.Write) / 2
				steps = append(steps, aitest.Step{Write: st.Write[:half], Sleep: 50 * time.Millisecond},
					aitest.Step{Write: st.Write[half:], Sleep: 50 * time.Millisecond})
			}
			f.Push(aitest.Script{Steps: steps})
			ts := startServer(t, aiEnv(t, f))
			tok := issueToken(t, time.Hour)
			m := createModule(t, ts.URL, tok, "Insightful")

			req := insightRequest(t, context.Background(), ts.URL, tok, m.ID, `{"prompt":"How is it doing?"}`,
				"X-Request-ID", "insight-req-0001")
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
			assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
			events := readAllEvents(t, res.Body)
			require.Len(t, events, 4, "%v", events)
			for i, want := range []string{"Integration", " is", " at 50%."} {
				assert.Equal(t, "chunk", events[i].Name)
				assert.JSONEq(t, fmt.Sprintf(`{"text":%q}`, want), events[i].Data)
			}
			assert.Equal(t, "done", events[3].Name)
			var done doneData
			require.NoError(t, json.Unmarshal([]byte(events[3].Data), &done))
			assert.Equal(t, "Integration is at 50%.", done.Text)
			assert.Equal(t, m.ID.String(), done.ModuleID)
			assert.Equal(t, wire.String(), done.Provider)
			assert.Equal(t, 12, done.Usage.PromptTokens)
			assert.Equal(t, 3, done.Usage.CompletionTokens)
			assert.Equal(t, 15, done.Usage.TotalTokens)

			up := f.Requests()
			require.Len(t, up, 1)
			assert.Equal(t, "insight-req-0001", up[0].Header.Get("X-Request-ID"), "the request ID reaches the upstream")
			assert.Contains(t, string(up[0].Body), "How is it doing?")
			assert.Contains(t, string(up[0].Body), "Insightful", "the module is the context")

			require.Eventually(t, func() bool {
				_, _, ok := findAccess(ts.logs.String(), "insight-req-0001")
				return ok
			}, 5*time.Second, 10*time.Millisecond)
			status, d := accessLogged(t, ts.logs.String(), "insight-req-0001")
			assert.Equal(t, http.StatusOK, status)
			assert.GreaterOrEqual(t, d, 300*time.Millisecond, "the access log has the stream's whole duration")
		})
	}
}

// TestInsightsJSON: a client that asks for JSON gets one envelope.
func TestInsightsJSON(t *testing.T) {
	t.Parallel()
	for _, wire := range []aitest.Wire{aitest.Ollama, aitest.OpenAI} {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			ts := startServer(t, aiEnv(t, f))
			tok := issueToken(t, time.Hour)
			m := createModule(t, ts.URL, tok, "Quiet")
			res, env := call[doneData](t, http.MethodPost, ts.URL+"/api/modules/"+m.ID.String()+"/insights", tok, nil,
				"Accept", "application/json")
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.True(t, env.Success)
			assert.Equal(t, "Hello from the fake.", env.Data.Text)
			assert.Equal(t, 15, env.Data.Usage.TotalTokens)
			assert.Contains(t, string(f.Requests()[0].Body), "Assess this module", "no body: the default question")
		})
	}
}

// TestInsightsBadRequests: the prompt is validated, a token is required,
// the module must exist; nothing reaches the AI service.
func TestInsightsBadRequests(t *testing.T) {
	t.Parallel()
	f := aitest.New(t, aitest.Ollama)
	ts := startServer(t, aiEnv(t, f))
	tok := issueToken(t, time.Hour)
	m := createModule(t, ts.URL, tok, "Target")
	url := ts.URL + "/api/modules/" + m.ID.String() + "/insights"
	tests := []struct {
		name, url, tok string
		body           any
		status         int
		code           string
		detail         string
	}{
		{"prompt too long", url, tok, map[string]string{"prompt": strings.Repeat("a", 2001)}, 400, "VALIDATION_ERROR", "prompt"},
		{"unknown field", url, tok, `{"question":"hi"}`, 400, "", "question"},
		{"malformed", url, tok, `{"prompt":`, 400, "BAD_REQUEST", ""},
		{"wrong type", url, tok, `{"prompt":42}`, 400, "", "prompt"},
		{"no token", url, "", nil, 401, "UNAUTHORIZED", ""},
		{"unknown module", ts.URL + "/api/modules/00000000-0000-4000-8000-000000000000/insights", tok, nil, 404, "MODULE_NOT_FOUND", ""},
	}
	for _, tt := range tests {
		res, env := call[any](t, http.MethodPost, tt.url, tt.tok, tt.body)
		assert.Equal(t, tt.status, res.StatusCode, tt.name)
		require.NotNil(t, env.Error, tt.name)
		if tt.code != "" {
			assert.Equal(t, tt.code, string(env.Error.Code), tt.name)
		}
		if tt.detail != "" {
			assert.Contains(t, env.Error.Message+string(env.Error.Details), tt.detail, tt.name)
		}
	}
	res, _ := call[any](t, http.MethodGet, url, tok, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	assert.Equal(t, "POST", res.Header.Get("Allow"))
	assert.Empty(t, f.Requests(), "no bad request reached the AI service")
}

// TestInsightsFailures: every failure gets its envelope: before the stream
// starts as the HTTP status, after it as a final error event carrying the
// envelope's error object.
func TestInsightsFailures(t *testing.T) {
	t.Parallel()
	type tc struct {
		name    string
		script  func(f *aitest.Server) aitest.Script
		closed  bool // the AI service is not listening
		env     map[string]string
		status  int
		code    respond.Code
		chunks  int // chunks streamed before the error event (-1: no stream)
		message string
	}
	cases := []tc{
		{name: "unreachable", closed: true, status: 502, code: respond.CodeAIServiceError, chunks: -1, message: "unreachable"},
		{name: "upstream 500", script: func(f *aitest.Server) aitest.Script {
			return aitest.Script{Status: 500, Steps: []aitest.Step{{Write: `{"error":"internal"}`}}}
		}, status: 502, code: respond.CodeAIServiceError, chunks: -1, message: "status 500"},
		{name: "upstream 503", script: func(f *aitest.Server) aitest.Script {
			return aitest.Script{Status: 503}
		}, status: 502, code: respond.CodeAIServiceError, chunks: -1, message: "status 503"},
		{name: "timeout before the first chunk", script: func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: []aitest.Step{{Wait: make(chan struct{})}}}
		}, env: map[string]string{"AI_TIMEOUT": "1s"}, status: 504, code: respond.CodeTimeout, chunks: -1, message: "in time"},
		{name: "timeout mid-stream", script: func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("slow")}, {Wait: make(chan struct{})}}}
		}, env: map[string]string{"AI_TIMEOUT": "1s"}, status: 200, code: respond.CodeTimeout, chunks: 1, message: "in time"},
		{name: "error report mid-stream", script: func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("one")}, {Write: f.Chunk(" two")}, {Write: f.Failure()}}}
		}, status: 200, code: respond.CodeAIServiceError, chunks: 2, message: "reported an error"},
		{name: "connection dropped mid-stream", script: func(f *aitest.Server) aitest.Script {
			c := f.Chunk(" two")
			return aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("one")}, {Write: c[:len(c)/2], Sleep: 50 * time.Millisecond}, {Drop: true}}}
		}, status: 200, code: respond.CodeAIServiceError, chunks: 1, message: "cut short"},
	}
	for _, wire := range []aitest.Wire{aitest.Ollama, aitest.OpenAI} {
		for _, c := range cases {
			t.Run(wire.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				f := aitest.New(t, wire)
				env := aiEnv(t, f)
				for k, v := range c.env {
					env[k] = v
				}
				if c.script != nil {
					f.Push(c.script(f), c.script(f))
				}
				if c.closed {
					f.Close()
				}
				ts := startServer(t, env)
				tok := issueToken(t, time.Hour)
				m := createModule(t, ts.URL, tok, "Fragile")

				// The stream.
				res, err := http.DefaultClient.Do(insightRequest(t, context.Background(), ts.URL, tok, m.ID, ""))
				require.NoError(t, err)
				defer res.Body.Close()
				assert.Equal(t, c.status, res.StatusCode)
				if c.chunks < 0 {
					var env respond.Envelope[any]
					require.NoError(t, json.NewDecoder(res.Body).Decode(&env))
					require.NotNil(t, env.Error)
					assert.Equal(t, c.code, env.Error.Code)
					assert.Contains(t, env.Error.Message, c.message)
				} else {
					events := readAllEvents(t, res.Body)
					require.Len(t, events, c.chunks+1, "%v", events)
					for _, ev := range events[:c.chunks] {
						assert.Equal(t, "chunk", ev.Name)
					}
					last := events[c.chunks]
					assert.Equal(t, "error", last.Name)
					var body respond.ErrorBody
					require.NoError(t, json.Unmarshal([]byte(last.Data), &body))
					assert.Equal(t, c.code, body.Code)
					assert.Contains(t, body.Message, c.message)
					assert.Contains(t, string(body.Details), `"provider":"`+wire.String()+`"`)
				}

				// The same failure asked for as JSON: one error envelope.
				res2, env2 := call[any](t, http.MethodPost, ts.URL+"/api/modules/"+m.ID.String()+"/insights", tok, nil,
					"Accept", "application/json")
				require.NotNil(t, env2.Error)
				assert.Equal(t, c.code, env2.Error.Code)
				assert.Equal(t, c.code.Status(), res2.StatusCode)
			})
		}
	}
}

// TestInsightsClientGone: when the client goes away mid-stream, the
// upstream request is cancelled at once.
func TestInsightsClientGone(t *testing.T) {
	t.Parallel()
	for _, wire := range []aitest.Wire{aitest.Ollama, aitest.OpenAI} {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			f.Push(aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("first")}, {Wait: make(chan struct{})}}})
			ts := startServer(t, aiEnv(t, f))
			tok := issueToken(t, time.Hour)
			m := createModule(t, ts.URL, tok, "Abandoned")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res, err := http.DefaultClient.Do(insightRequest(t, ctx, ts.URL, tok, m.ID, ""))
			require.NoError(t, err)
			ev, err := readEventSSE(bufio.NewReader(res.Body))
			require.NoError(t, err)
			assert.Equal(t, "chunk", ev.Name)
			up := f.Next(t, time.Second)
			select {
			case <-up.Ended:
				t.Fatal("the upstream request ended before the client left")
			default:
			}
			cancel() // the client goes away
			res.Body.Close()
			select {
			case <-up.Ended:
			case <-time.After(time.Second):
				t.Fatal("the upstream request was not cancelled within 1s of the client leaving")
			}
		})
	}
}

// TestInsightsClientGoneBeforeFirstChunk: a client that leaves while the
// model is still silent cancels the upstream request too, and nothing is
// written: requestid's access log records 499 (client closed request).
func TestInsightsClientGoneBeforeFirstChunk(t *testing.T) {
	t.Parallel()
	f := aitest.New(t, aitest.OpenAI)
	f.Push(aitest.Script{Steps: []aitest.Step{{Wait: make(chan struct{})}}})
	ts := startServer(t, aiEnv(t, f))
	tok := issueToken(t, time.Hour)
	m := createModule(t, ts.URL, tok, "Silent")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(insightRequest(t, ctx, ts.URL, tok, m.ID, "", "X-Request-ID", "gone-early-1"))
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	up := f.Next(t, 5*time.Second)
	cancel()
	assert.Error(t, <-errc)
	select {
	case <-up.Ended:
	case <-time.After(time.Second):
		t.Fatal("the upstream request was not cancelled within 1s of the client leaving")
	}
	require.Eventually(t, func() bool {
		_, _, ok := findAccess(ts.logs.String(), "gone-early-1")
		return ok
	}, 5*time.Second, 10*time.Millisecond)
	status, _ := accessLogged(t, ts.logs.String(), "gone-early-1")
	// requestid's AccessLog sends the implicit empty 200 of a handler that
	// wrote nothing and logs 499 only when the connection refuses it; a
	// client that closed an HTTP/1.x connection entirely is logged 200 (its
	// kernel accepts that first write), as requestid documents.
	assert.Contains(t, []int{http.StatusOK, 499}, status)
	assert.Contains(t, ts.logs.String(), "insight: client went away")
}

// TestInsightsFlushThroughCompression: with gzip, br and zstd, the client
// decodes the first event while the upstream still holds the second: each
// event is flushed through the compressor as it is produced.
func TestInsightsFlushThroughCompression(t *testing.T) {
	t.Parallel()
	decoders := map[string]func(io.Reader) (io.Reader, error){
		"gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
		"zstd": func(r io.Reader) (io.Reader, error) { return zstd.NewReader(r, zstd.WithDecoderConcurrency(1)) },
	}
	f := aitest.New(t, aitest.Ollama)
	ts := startServer(t, aiEnv(t, f))
	tok := issueToken(t, time.Hour)
	m := createModule(t, ts.URL, tok, "Compressed")
	for enc, decode := range decoders {
		t.Run(enc, func(t *testing.T) {
			release1, release2 := make(chan struct{}), make(chan struct{})
			f.Push(aitest.Script{Steps: []aitest.Step{
				{Write: aitest.OllamaChunk("first"), Wait: release1},
				{Write: aitest.OllamaChunk(" second"), Wait: release2},
				{Write: aitest.OllamaDone(5, 2)},
			}})
			defer func() {
				select {
				case <-release2:
				default:
					close(release2)
				}
			}()
			// Bounded: without a flush, not even the headers would come.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req := insightRequest(t, ctx, ts.URL, tok, m.ID, "", "Accept-Encoding", enc)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode)
			require.Equal(t, enc, res.Header.Get("Content-Encoding"), "the stream is compressed")
			type result struct {
				ev  sseEvent
				err error
			}
			got := make(chan result, 3)
			go func() {
				dec, err := decode(res.Body)
				if err != nil {
					got <- result{err: err}
					return
				}
				br := bufio.NewReader(dec)
				for range 3 {
					ev, err := readEventSSE(br)
					got <- result{ev, err}
					if err != nil {
						return
					}
				}
			}()
			next := func(what string) sseEvent {
				select {
				case r := <-got:
					require.NoError(t, r.err)
					return r.ev
				case <-time.After(5 * time.Second):
					t.Fatalf("%s: %s did not reach the %s client while the upstream held the next one", enc, what, enc)
					return sseEvent{}
				}
			}
			ev := next("event 1")
			assert.JSONEq(t, `{"text":"first"}`, ev.Data)
			close(release1) // only now does the upstream send event 2
			ev = next("event 2")
			assert.JSONEq(t, `{"text":" second"}`, ev.Data)
			close(release2)
			ev = next("the final event")
			assert.Equal(t, "done", ev.Name)
		})
	}
}

// TestInsightsNoSecretInLogs: a rejected OpenAI key (OpenAI quotes part of
// it in its error) and a password in OLLAMA_HOST appear nowhere: not in
// the answers, not in the log at debug level.
func TestInsightsNoSecretInLogs(t *testing.T) {
	t.Parallel()
	openai := aitest.New(t, aitest.OpenAI)
	env := aiEnv(t, openai)
	env["OPENAI_API_KEY"] = "sk-rejected-SECRET-key-98765"
	ollama := aitest.New(t, aitest.Ollama)
	env["OLLAMA_HOST"] = strings.Replace(ollama.URL, "http://", "http://nexus:hunter2-PASSWORD@", 1)
	ollama.Close()
	ts := startServer(t, env)
	tok := issueToken(t, time.Hour)
	m := createModule(t, ts.URL, tok, "Secretive")
	var answers strings.Builder
	for _, accept := range []string{"text/event-stream", "application/json"} {
		res, err := http.DefaultClient.Do(insightRequest(t, context.Background(), ts.URL, tok, m.ID, "", "Accept", accept))
		require.NoError(t, err)
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusBadGateway, res.StatusCode)
		assert.Contains(t, string(raw), `"code":"AI_SERVICE_ERROR","message":"the AI service answered with status 401"`)
		answers.Write(raw)
	}
	// /api/system probes both: OpenAI's probe is refused, Ollama's fails.
	require.Eventually(t, func() bool {
		_, env := call[struct{ AI []struct{ Reachable *bool } }](t, http.MethodGet, ts.URL+"/api/system", "", nil)
		return len(env.Data.AI) == 2 && env.Data.AI[0].Reachable != nil && env.Data.AI[1].Reachable != nil
	}, 10*time.Second, 20*time.Millisecond)
	res, err := http.Get(ts.URL + "/api/system")
	require.NoError(t, err)
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	answers.Write(raw)
	assert.Contains(t, string(raw), `"problem":"status 401"`)

	for where, text := range map[string]string{"answers": answers.String(), "logs": ts.logs.String()} {
		for _, secret := range []string{"SECRET", "98765", "hunter2", "PASSWORD", "Incorrect API key"} {
			assert.NotContains(t, text, secret, "%s leak %q", where, secret)
		}
	}
	assert.Contains(t, ts.logs.String(), "invalid_api_key", "the log says why, without the key")
}

// TestSystemReportsAIProviders: /api/system reports each provider as
// configured, active and reachable, from a cached probe that never holds
// up the answer or readiness.
func TestSystemReportsAIProviders(t *testing.T) {
	t.Parallel()
	type status struct {
		Name, Variable, Model, Problem string
		Configured, Active             bool
		Reachable                      *bool
	}
	get := func(ts *testServer) map[string]status {
		_, env := call[struct{ AI []status }](t, http.MethodGet, ts.URL+"/api/system", "", nil)
		out := map[string]status{}
		for _, s := range env.Data.AI {
			out[s.Name] = s
		}
		return out
	}
	t.Run("ollama set and up, no key", func(t *testing.T) {
		t.Parallel()
		f := aitest.New(t, aitest.Ollama)
		env := baseEnv(t)
		env["OLLAMA_HOST"] = f.URL
		ts := startServer(t, env)
		require.Eventually(t, func() bool { return get(ts)["ollama"].Reachable != nil }, 10*time.Second, 20*time.Millisecond)
		st := get(ts)
		assert.Equal(t, status{Name: "ollama", Variable: "OLLAMA_HOST", Model: "llama3.2", Configured: true, Active: true,
			Reachable: st["ollama"].Reachable}, st["ollama"])
		assert.True(t, *st["ollama"].Reachable)
		assert.False(t, st["openai"].Configured)
		assert.False(t, st["openai"].Active)
		assert.Nil(t, st["openai"].Reachable, "not configured, not active: never probed")
	})
	t.Run("nothing set: the default Ollama is active but not configured", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, baseEnv(t))
		st := get(ts)
		assert.False(t, st["ollama"].Configured)
		assert.True(t, st["ollama"].Active)
	})
	t.Run("key set: OpenAI active and reachable; a hanging Ollama does not hold /api/system", func(t *testing.T) {
		t.Parallel()
		openai := aitest.New(t, aitest.OpenAI)
		env := aiEnv(t, openai)
		hang := make(chan struct{})
		t.Cleanup(func() { close(hang) })
		ollama := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select { // never answers the probe
			case <-hang:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(ollama.Close)
		env["OLLAMA_HOST"] = ollama.URL
		ts := startServer(t, env)
		require.Eventually(t, func() bool { return get(ts)["openai"].Reachable != nil }, 10*time.Second, 20*time.Millisecond)
		t0 := time.Now()
		st := get(ts)
		assert.Less(t, time.Since(t0), time.Second)
		assert.True(t, st["openai"].Configured)
		assert.True(t, st["openai"].Active)
		assert.True(t, *st["openai"].Reachable)
		assert.True(t, st["ollama"].Configured)
		assert.False(t, st["ollama"].Active)
		res, err := http.Get(ts.URL + "/readyz")
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "an AI service never gates readiness")
	})
}
