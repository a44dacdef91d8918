package ai

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultOllamaHost is Ollama's own default address, and the original NEXUS
// server's default OLLAMA_HOST.
const DefaultOllamaHost = "http://localhost:11434"

// Ollama streams answers from an Ollama server's /api/chat.
type Ollama struct {
	base *url.URL
	cfg  config
}

// NewOllama returns the provider for the Ollama server at host (for example
// DefaultOllamaHost). It panics unless host is an absolute http(s) URL.
// A password in host is sent as basic authentication and never printed.
func NewOllama(host string, opts ...Option) *Ollama {
	u, err := parseBase(host)
	if err != nil {
		panic("ai: NewOllama: host: " + err.Error())
	}
	return &Ollama{base: u, cfg: newConfig("llama3.2", opts)}
}

// Host returns the server's URL, its password (if any) redacted.
func (o *Ollama) Host() string { return o.base.Redacted() }

// Name returns "ollama".
func (o *Ollama) Name() string { return "ollama" }

// Model returns the model asked.
func (o *Ollama) Model() string { return o.cfg.model }

type ollamaMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type ollamaRequest struct {
	Model    string          `json:"model"`
	Messages []ollamaMessage `json:"messages"`
	Stream   bool            `json:"stream"`
}

// ollamaChunk is one line of /api/chat's stream.
type ollamaChunk struct {
	Model           string        `json:"model"`
	Message         ollamaMessage `json:"message"`
	Done            bool          `json:"done"`
	DoneReason      string        `json:"done_reason"`
	PromptEvalCount int           `json:"prompt_eval_count"`
	EvalCount       int           `json:"eval_count"`
	Error           string        `json:"error"`
}

// ollamaDetail reads Ollama's error body {"error": "..."}.
func ollamaDetail(raw []byte) string {
	var e struct{ Error string }
	if json.Unmarshal(raw, &e) == nil {
		return clip(e.Error, 200)
	}
	return ""
}

// Stream implements Provider.
func (o *Ollama) Stream(ctx context.Context, req Request, onDelta func(string) error) (*Answer, error) {
	t0 := time.Now()
	body := ollamaRequest{Model: o.cfg.model, Stream: true}
	if req.System != "" {
		body.Messages = append(body.Messages, ollamaMessage{Role: "system", Content: req.System})
	}
	body.Messages = append(body.Messages, ollamaMessage{Role: "user", Content: req.Prompt})
	cl, err := o.cfg.start(ctx, o.Name(), http.MethodPost, endpoint(o.base, "/api/chat"),
		http.Header{"Accept": {"application/x-ndjson"}}, body, ollamaDetail)
	if err != nil {
		return nil, err
	}
	defer cl.close()
	ans := &Answer{Provider: o.Name(), Model: o.cfg.model}
	var text strings.Builder
	for {
		line, rerr := readLine(cl.body)
		if len(strings.TrimSpace(string(line))) > 0 {
			if rerr != nil && !errors.Is(rerr, io.EOF) {
				return nil, cl.fail(KindCutShort, rerr)
			}
			var c ollamaChunk
			if err := json.Unmarshal(line, &c); err != nil {
				if rerr != nil {
					// The connection dropped in the middle of a line.
					return nil, cl.fail(KindCutShort, io.ErrUnexpectedEOF)
				}
				return nil, cl.fail(KindMalformed, errors.New("a line is not a JSON object"))
			}
			if c.Error != "" {
				return nil, &Error{Provider: o.Name(), Kind: KindUpstream, Detail: clip(c.Error, 200)}
			}
			if c.Model != "" {
				ans.Model = c.Model
			}
			if c.Message.Content != "" {
				text.WriteString(c.Message.Content)
				if onDelta != nil {
					if err := onDelta(c.Message.Content); err != nil {
						return nil, err
					}
				}
			}
			if c.Done {
				ans.Text = text.String()
				ans.FinishReason = c.DoneReason
				ans.Usage = Usage{PromptTokens: c.PromptEvalCount, CompletionTokens: c.EvalCount,
					TotalTokens: c.PromptEvalCount + c.EvalCount}
				ans.Duration = time.Since(t0)
				return ans, nil
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				rerr = io.ErrUnexpectedEOF // EOF before "done": true
			}
			return nil, cl.fail(KindCutShort, rerr)
		}
	}
}

// Probe implements Provider: GET /api/version.
func (o *Ollama) Probe(ctx context.Context) error {
	cl, err := o.cfg.start(ctx, o.Name(), http.MethodGet, endpoint(o.base, "/api/version"), nil, nil, ollamaDetail)
	if err != nil {
		return err
	}
	cl.close()
	return nil
}
