package ai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
	"github.com/nexuskit/nexus/requestid"

	"github.com/nexuskit/nexus/examples/nexus/ai"
	"github.com/nexuskit/nexus/examples/nexus/internal/aitest"
)

const testKey = "sk-test-0123456789abcdefSECRETKEY"

var wires = []aitest.Wire{aitest.Ollama, aitest.OpenAI}

// provider returns the provider for the fake f.
func provider(f *aitest.Server, opts ...ai.Option) ai.Provider {
	if f.Key == "" {
		f.Key = testKey
	}
	return providerKey(f, testKey, opts...)
}

func providerKey(f *aitest.Server, key string, opts ...ai.Option) ai.Provider {
	if strings.HasSuffix(f.BaseURL(), "/v1") {
		return ai.NewOpenAI(envcfg.Secret(key), append([]ai.Option{ai.BaseURL(f.BaseURL())}, opts...)...)
	}
	return ai.NewOllama(f.BaseURL(), opts...)
}

// collect streams req and records the deltas.
func collect(ctx context.Context, p ai.Provider) ([]string, *ai.Answer, error) {
	var deltas []string
	ans, err := p.Stream(ctx, ai.Request{System: "You are terse.", Prompt: "Say hello."}, func(s string) error {
		deltas = append(deltas, s)
		return nil
	})
	return deltas, ans, err
}

func kindOf(t *testing.T, err error) ai.Kind {
	t.Helper()
	var ae *ai.Error
	require.ErrorAs(t, err, &ae)
	return ae.Kind
}

func TestStreamAnswer(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			p := provider(f)
			ctx := requestid.NewContext(context.Background(), "req-abc-123")
			deltas, ans, err := collect(ctx, p)
			require.NoError(t, err)
			assert.Equal(t, []string{"Hello", " from the", " fake."}, deltas)
			assert.Equal(t, "Hello from the fake.", ans.Text)
			assert.Equal(t, ai.Usage{PromptTokens: 12, CompletionTokens: 3, TotalTokens: 15}, ans.Usage)
			assert.Equal(t, "stop", ans.FinishReason)
			assert.Equal(t, wire.String(), ans.Provider)

			reqs := f.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "req-abc-123", reqs[0].Header.Get("X-Request-ID"), "the request ID reaches the upstream")
			var body struct {
				Model    string
				Stream   bool
				Messages []struct{ Role, Content string }
			}
			require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
			assert.True(t, body.Stream)
			assert.Equal(t, p.Model(), body.Model)
			require.Len(t, body.Messages, 2)
			assert.Equal(t, "system", body.Messages[0].Role)
			assert.Equal(t, "Say hello.", body.Messages[1].Content)
			if wire == aitest.OpenAI {
				assert.Equal(t, "Bearer "+testKey, reqs[0].Header.Get("Authorization"))
				assert.Contains(t, string(reqs[0].Body), `"stream_options":{"include_usage":true}`)
				assert.Equal(t, aitest.OpenAIModel, ans.Model)
			} else {
				assert.Equal(t, aitest.OllamaModel, ans.Model)
			}
		})
	}
}

// TestStreamPartialLines: every chunk arrives in pieces of 7 bytes with
// pauses, so lines and JSON objects are cut anywhere.
func TestStreamPartialLines(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			var whole strings.Builder
			for _, st := range f.Answer("Zwei", " Wörter", " 🙂") {
				whole.WriteString(st.Write)
			}
			f.Push(aitest.Script{Steps: aitest.Split(whole.String(), 7, time.Millisecond)})
			deltas, ans, err := collect(context.Background(), provider(f))
			require.NoError(t, err)
			assert.Equal(t, []string{"Zwei", " Wörter", " 🙂"}, deltas)
			assert.Equal(t, "Zwei Wörter 🙂", ans.Text)
		})
	}
}

// TestStreamDeltasAsProduced: the first delta reaches the caller while the
// upstream still holds the second.
func TestStreamDeltasAsProduced(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			release := make(chan struct{})
			steps := []aitest.Step{}
			if wire == aitest.OpenAI {
				steps = append(steps, aitest.Step{Write: aitest.OpenAIRole()})
			}
			steps = append(steps, aitest.Step{Write: f.Chunk("one"), Wait: release}, aitest.Step{Write: f.Chunk(" two")})
			f.Push(aitest.Script{Steps: append(steps, f.End(3, 2)...)})
			first := make(chan string, 1)
			var once sync.Once
			done := make(chan error, 1)
			go func() {
				_, err := provider(f).Stream(context.Background(), ai.Request{Prompt: "count"}, func(s string) error {
					once.Do(func() { first <- s })
					return nil
				})
				done <- err
			}()
			select {
			case s := <-first:
				assert.Equal(t, "one", s)
			case <-time.After(5 * time.Second):
				t.Fatal("the first delta did not arrive while the upstream held the second")
			}
			close(release)
			require.NoError(t, <-done)
		})
	}
}

func TestStreamFailures(t *testing.T) {
	t.Parallel()
	type tc struct {
		name   string
		script func(f *aitest.Server) aitest.Script
		opts   []ai.Option
		kind   ai.Kind
		deltas []string
	}
	cases := []tc{
		{"mid-stream error report", func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: append(f.Answer("partial")[:len(f.Answer("partial"))-len(f.End(0, 0))], aitest.Step{Write: f.Failure()})}
		}, nil, ai.KindUpstream, []string{"partial"}},
		{"connection dropped", func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("partial")}, {Drop: true}}}
		}, nil, ai.KindCutShort, []string{"partial"}},
		{"dropped mid-line", func(f *aitest.Server) aitest.Script {
			c := f.Chunk("partial")
			return aitest.Script{Steps: []aitest.Step{{Write: c}, {Write: c[:len(c)/2]}, {Drop: true}}}
		}, nil, ai.KindCutShort, []string{"partial"}},
		{"ended without terminator", func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("partial")}}}
		}, nil, ai.KindCutShort, []string{"partial"}},
		{"status 500", func(f *aitest.Server) aitest.Script {
			return aitest.Script{Status: 500, Steps: []aitest.Step{{Write: `{"error":"boom"}`}}}
		}, nil, ai.KindStatus, nil},
		{"malformed", func(f *aitest.Server) aitest.Script {
			if f.BaseURL() != f.URL {
				return aitest.Script{Steps: []aitest.Step{{Write: "data: {not json\n\n"}}}
			}
			return aitest.Script{Steps: []aitest.Step{{Write: "{not json\n"}}}
		}, nil, ai.KindMalformed, nil},
		{"too large", func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: f.Answer(strings.Repeat("x", 3000))}
		}, []ai.Option{ai.MaxBytes(2000)}, ai.KindTooLarge, nil},
		{"timeout", func(f *aitest.Server) aitest.Script {
			return aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("slow")}, {Wait: make(chan struct{})}}}
		}, []ai.Option{ai.Timeout(300 * time.Millisecond)}, ai.KindTimeout, []string{"slow"}},
	}
	for _, wire := range wires {
		for _, c := range cases {
			t.Run(wire.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				f := aitest.New(t, wire)
				f.Push(c.script(f))
				deltas, ans, err := collect(context.Background(), provider(f, c.opts...))
				require.Error(t, err)
				assert.Nil(t, ans)
				assert.Equal(t, c.kind, kindOf(t, err), "%v", err)
				assert.Equal(t, c.deltas, deltas)
			})
		}
	}
}

func TestStreamUnreachable(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			p := provider(f)
			f.Close()
			_, _, err := collect(context.Background(), p)
			assert.Equal(t, ai.KindUnreachable, kindOf(t, err))
			assert.Equal(t, ai.KindUnreachable, kindOf(t, p.Probe(context.Background())))
		})
	}
}

// TestStreamCancel: cancelling the caller's context ends the upstream
// request at once, and the error is the caller's cause, not an *Error.
func TestStreamCancel(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		t.Run(wire.String(), func(t *testing.T) {
			t.Parallel()
			f := aitest.New(t, wire)
			f.Push(aitest.Script{Steps: []aitest.Step{{Write: f.Chunk("a")}, {Wait: make(chan struct{})}}})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := provider(f).Stream(ctx, ai.Request{Prompt: "x"}, func(string) error { return nil })
				done <- err
			}()
			req := f.Next(t, 5*time.Second)
			time.Sleep(50 * time.Millisecond)
			cancel()
			select {
			case err := <-done:
				assert.ErrorIs(t, err, context.Canceled)
				var ae *ai.Error
				assert.False(t, errors.As(err, &ae))
			case <-time.After(2 * time.Second):
				t.Fatal("Stream did not return after the cancellation")
			}
			select {
			case <-req.Ended:
			case <-time.After(2 * time.Second):
				t.Fatal("the upstream request was not cancelled")
			}
		})
	}
}

// TestNoSecretInErrors: OpenAI answers a wrong key with a message quoting
// part of it; neither the key nor that message reaches the error text.
// A password in OLLAMA_HOST never appears either.
func TestNoSecretInErrors(t *testing.T) {
	t.Parallel()
	f := aitest.New(t, aitest.OpenAI)
	f.Key = "sk-the-right-key-000000000000"
	wrong := "sk-wrong-key-SECRET-1234567890"
	p := providerKey(f, wrong)
	_, _, err := collect(context.Background(), p)
	require.Error(t, err)
	perr := p.Probe(context.Background())
	require.Error(t, perr)
	for _, e := range []error{err, perr} {
		assert.Equal(t, ai.KindStatus, kindOf(t, e))
		assert.Contains(t, e.Error(), "401: invalid_request_error/invalid_api_key")
		assert.NotContains(t, e.Error(), "SECRET")
		assert.NotContains(t, e.Error(), "7890", "not even the part OpenAI quotes")
		assert.NotContains(t, e.Error(), "Incorrect API key")
	}

	o := aitest.New(t, aitest.Ollama)
	withPassword := strings.Replace(o.URL, "http://", "http://nexus:hunter2-SECRET@", 1)
	q := ai.NewOllama(withPassword)
	o.Close()
	_, err = q.Stream(context.Background(), ai.Request{Prompt: "x"}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.NotContains(t, err.Error(), "SECRET")
}

func TestProbe(t *testing.T) {
	t.Parallel()
	for _, wire := range wires {
		f := aitest.New(t, wire)
		assert.NoError(t, provider(f).Probe(context.Background()), wire)
	}
}

func TestOptionsPanic(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "ai: Model: empty model name", func() { ai.Model("") })
	assert.PanicsWithValue(t, "ai: Timeout: 0s is not positive", func() { ai.Timeout(0) })
	assert.PanicsWithValue(t, "ai: MaxBytes: -1 is not positive", func() { ai.MaxBytes(-1) })
	assert.PanicsWithValue(t, "ai: Transport: nil round tripper", func() { ai.Transport(nil) })
	assert.PanicsWithValue(t, "ai: BaseURL: not an absolute http(s) URL", func() { ai.BaseURL("api.openai.com") })
	assert.PanicsWithValue(t, "ai: NewOllama: host: not an absolute http(s) URL", func() { ai.NewOllama("localhost:11434") })
}

// roundTripFunc lets a test answer requests without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
