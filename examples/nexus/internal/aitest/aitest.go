// Package aitest is an in-process fake of the AI services the NEXUS server
// talks to, over real HTTP: Ollama's /api/chat (NDJSON) and OpenAI's
// /v1/chat/completions (Server-Sent Events), byte for byte as the services
// send them, plus their probe endpoints. A test scripts each answer as
// steps: bytes to write (a step may end in the middle of a line), pauses,
// waits on a channel the test controls, and a dropped connection.
package aitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Wire is a provider's wire format.
type Wire int

// The wire formats.
const (
	Ollama Wire = iota + 1
	OpenAI
)

// String returns the provider's name.
func (w Wire) String() string {
	if w == Ollama {
		return "ollama"
	}
	return "openai"
}

// Step is one thing the fake does while answering.
type Step struct {
	// Write is sent and flushed as it is.
	Write string
	// Sleep pauses before the next step.
	Sleep time.Duration
	// Wait blocks until the channel is closed (or the request ends).
	Wait <-chan struct{}
	// Drop cuts the connection without finishing the response.
	Drop bool
}

// Script is one scripted answer.
type Script struct {
	// Status of the answer; 0 means 200.
	Status int
	Steps  []Step
}

// Request is one request the fake received.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	// Ended is closed when the request's context ends on the fake's side:
	// the client went away, or the answer was complete.
	Ended <-chan struct{}
}

// Server is a fake AI service.
type Server struct {
	*httptest.Server
	wire Wire
	// Key is the API key the fake OpenAI accepts ("" accepts any).
	Key string

	mu       sync.Mutex
	scripts  []Script
	requests []*Request
	arrived  chan *Request
}

// New starts a fake speaking wire, closed when the test ends.
func New(t testing.TB, wire Wire) *Server {
	s := &Server{wire: wire, arrived: make(chan *Request, 64)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// BaseURL is what the server is configured with: OLLAMA_HOST for Ollama,
// OPENAI_BASE_URL for OpenAI.
func (s *Server) BaseURL() string {
	if s.wire == OpenAI {
		return s.URL + "/v1"
	}
	return s.URL
}

// Push queues scripts for the next chat requests, in order; when none is
// queued the fake answers "Hello from the fake." in three chunks.
func (s *Server) Push(scripts ...Script) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, scripts...)
}

// Requests returns the chat requests received so far.
func (s *Server) Requests() []*Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Request(nil), s.requests...)
}

// Next waits for the next chat request.
func (s *Server) Next(t testing.TB, within time.Duration) *Request {
	t.Helper()
	select {
	case r := <-s.arrived:
		return r
	case <-time.After(within):
		t.Fatalf("no request reached the fake %s within %v", s.wire, within)
		return nil
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.wire == Ollama && r.Method == http.MethodGet && r.URL.Path == "/api/version":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `{"version":"0.6.5"}`)
		return
	case s.wire == OpenAI && r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		if !s.authorized(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"}]}`)
		return
	case s.wire == Ollama && r.Method == http.MethodPost && r.URL.Path == "/api/chat",
		s.wire == OpenAI && r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
	default:
		http.NotFound(w, r)
		return
	}
	if s.wire == OpenAI && !s.authorized(w, r) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	rec := &Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Ended: r.Context().Done()}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	script := Script{Steps: s.Answer("Hello", " from the", " fake.")}
	if len(s.scripts) > 0 {
		script, s.scripts = s.scripts[0], s.scripts[1:]
	}
	s.mu.Unlock()
	s.arrived <- rec

	if s.wire == Ollama {
		w.Header().Set("Content-Type", "application/x-ndjson")
	} else {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	}
	if script.Status != 0 && script.Status != http.StatusOK {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(script.Status)
	}
	rc := http.NewResponseController(w)
	for _, st := range script.Steps {
		if st.Write != "" {
			if _, err := io.WriteString(w, st.Write); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		if st.Sleep > 0 {
			select {
			case <-time.After(st.Sleep):
			case <-r.Context().Done():
				return
			}
		}
		if st.Wait != nil {
			select {
			case <-st.Wait:
			case <-r.Context().Done():
				return
			}
		}
		if st.Drop {
			conn, _, err := rc.Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
	}
}

// authorized checks the fake OpenAI's key and answers 401 like OpenAI,
// quoting part of the key in the message as OpenAI does.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if s.Key == "" || got == s.Key {
		return true
	}
	shown := got
	if len(shown) > 8 {
		shown = shown[:3] + strings.Repeat("*", len(shown)-7) + shown[len(shown)-4:]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`+"\n", shown)
	return false
}

// Answer is a complete answer in the fake's wire format: one chunk per
// piece, each written and flushed on its own, then the terminator with
// usage 12 prompt tokens and len(pieces) completion tokens.
func (s *Server) Answer(pieces ...string) []Step {
	var steps []Step
	if s.wire == OpenAI {
		steps = append(steps, Step{Write: OpenAIRole()})
	}
	for _, p := range pieces {
		steps = append(steps, Step{Write: s.Chunk(p)})
	}
	return append(steps, s.End(12, len(pieces))...)
}

// Chunk is one piece of text in the fake's wire format.
func (s *Server) Chunk(text string) string {
	if s.wire == OpenAI {
		return OpenAIChunk(text)
	}
	return OllamaChunk(text)
}

// End is the end of a successful answer with its usage.
func (s *Server) End(prompt, completion int) []Step {
	if s.wire == OpenAI {
		return []Step{{Write: OpenAIFinish()}, {Write: OpenAIUsage(prompt, completion)}, {Write: OpenAIDone}}
	}
	return []Step{{Write: OllamaDone(prompt, completion)}}
}

// Failure is the provider's mid-stream error report.
func (s *Server) Failure() string {
	if s.wire == OpenAI {
		return OpenAIError
	}
	return OllamaError("model runner has unexpectedly stopped, this may be due to resource limitations or an internal error")
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// OllamaModel and OpenAIModel are the model names the fakes answer with.
const (
	OllamaModel = "llama3.2"
	OpenAIModel = "gpt-4o-mini-2024-07-18"
)

// OllamaChunk is one line of Ollama's /api/chat stream.
func OllamaChunk(text string) string {
	return `{"model":"` + OllamaModel + `","created_at":"2025-11-13T10:00:00.123456789Z","message":{"role":"assistant","content":` +
		jsonString(text) + `},"done":false}` + "\n"
}

// OllamaDone is the last line of Ollama's /api/chat stream.
func OllamaDone(prompt, eval int) string {
	return fmt.Sprintf(`{"model":"%s","created_at":"2025-11-13T10:00:01.5Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":1523456789,"load_duration":12345678,"prompt_eval_count":%d,"prompt_eval_duration":45678901,"eval_count":%d,"eval_duration":1412345678}`+"\n",
		OllamaModel, prompt, eval)
}

// OllamaError is Ollama's error line inside a stream.
func OllamaError(msg string) string { return `{"error":` + jsonString(msg) + `}` + "\n" }

// OpenAIRole is the first chunk of a chat completions stream.
func OpenAIRole() string {
	return `data: {"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1763028000,"model":"` + OpenAIModel +
		`","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"
}

// OpenAIChunk is one content chunk of a chat completions stream.
func OpenAIChunk(text string) string {
	return `data: {"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1763028000,"model":"` + OpenAIModel +
		`","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":` + jsonString(text) +
		`},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n"
}

// OpenAIFinish is the chunk with the finish reason.
func OpenAIFinish() string {
	return `data: {"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1763028000,"model":"` + OpenAIModel +
		`","system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}` + "\n\n"
}

// OpenAIUsage is the usage chunk sent with stream_options.include_usage.
func OpenAIUsage(prompt, completion int) string {
	return fmt.Sprintf(`data: {"id":"chatcmpl-fake1","object":"chat.completion.chunk","created":1763028000,"model":"%s","system_fingerprint":"fp_0ba0d124f1","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`+"\n\n",
		OpenAIModel, prompt, completion, prompt+completion)
}

// OpenAIDone ends a chat completions stream.
const OpenAIDone = "data: [DONE]\n\n"

// OpenAIError is the error event of a chat completions stream that fails
// after it started.
const OpenAIError = `data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}` + "\n\n"

// Split cuts s into pieces of at most n bytes, as Steps separated by
// pause: a line arriving in several TCP segments.
func Split(s string, n int, pause time.Duration) []Step {
	var steps []Step
	for len(s) > 0 {
		k := min(n, len(s))
		steps = append(steps, Step{Write: s[:k], Sleep: pause})
		s = s[k:]
	}
	return steps
}
