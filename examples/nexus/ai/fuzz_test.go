package ai_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nexuskit/nexus/examples/nexus/ai"
	"github.com/nexuskit/nexus/examples/nexus/internal/aitest"
)

// fuzzStream feeds body to p's parser as a 200 answer, without a network:
// it must never panic, and it returns either an answer whose text is the
// deltas joined or an *Error.
func fuzzStream(t *testing.T, newProvider func(rt http.RoundTripper) ai.Provider, ctype string, body []byte) {
	p := newProvider(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {ctype}},
			Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
	}))
	var deltas strings.Builder
	ans, err := p.Stream(context.Background(), ai.Request{Prompt: "x"}, func(s string) error {
		if s == "" {
			t.Fatal("empty delta")
		}
		deltas.WriteString(s)
		return nil
	})
	if err != nil {
		var ae *ai.Error
		if !errors.As(err, &ae) {
			t.Fatalf("not an *ai.Error: %v", err)
		}
		return
	}
	if ans.Text != deltas.String() {
		t.Fatalf("answer %q, deltas %q", ans.Text, deltas.String())
	}
}

func FuzzOllamaStream(f *testing.F) {
	f.Add([]byte(aitest.OllamaChunk("a") + aitest.OllamaChunk("b") + aitest.OllamaDone(1, 2)))
	f.Add([]byte(aitest.OllamaChunk("a") + aitest.OllamaError("x")))
	f.Add([]byte(aitest.OllamaChunk("a")[:10]))
	f.Add([]byte("\n\n" + aitest.OllamaDone(0, 0)[:40] + "\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzStream(t, func(rt http.RoundTripper) ai.Provider {
			return ai.NewOllama("http://fake", ai.Transport(rt), ai.MaxBytes(1<<16))
		}, "application/x-ndjson", body)
	})
}

func FuzzOpenAIStream(f *testing.F) {
	f.Add([]byte(aitest.OpenAIRole() + aitest.OpenAIChunk("a") + aitest.OpenAIFinish() + aitest.OpenAIUsage(1, 1) + aitest.OpenAIDone))
	f.Add([]byte(aitest.OpenAIChunk("a") + aitest.OpenAIError))
	f.Add([]byte(": comment\r\nevent: error\r\ndata: {}\r\n\r\n"))
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\ndata: more\n\n"))
	f.Add([]byte("data:[DONE]"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzStream(t, func(rt http.RoundTripper) ai.Provider {
			return ai.NewOpenAI("sk-fuzz", ai.Transport(rt), ai.BaseURL("http://fake/v1"), ai.MaxBytes(1<<16))
		}, "text/event-stream", body)
	})
}
