package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nexuskit/nexus/envcfg"
)

// DefaultOpenAIBaseURL is OpenAI's API.
const DefaultOpenAIBaseURL = "https://api.openai.com/v1"

// OpenAI streams answers from the chat completions API.
type OpenAI struct {
	base *url.URL
	key  envcfg.Secret
	cfg  config
}

// NewOpenAI returns the provider for OpenAI's chat completions API with
// key. The key is sent only in the Authorization header.
func NewOpenAI(key envcfg.Secret, opts ...Option) *OpenAI {
	cfg := newConfig("gpt-4o-mini", opts)
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultOpenAIBaseURL
	}
	u, _ := parseBase(cfg.baseURL) // checked by BaseURL
	return &OpenAI{base: u, key: key, cfg: cfg}
}

// Name returns "openai".
func (o *OpenAI) Name() string { return "openai" }

// Model returns the model asked.
func (o *OpenAI) Model() string { return o.cfg.model }

type openaiMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type openaiRequest struct {
	Model         string          `json:"model"`
	Messages      []openaiMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// openaiError is the error object of an error body or event. Its message
// is never kept: OpenAI quotes part of a rejected key in it.
type openaiError struct {
	Type string `json:"type"`
	Code any    `json:"code"` // a string, a number or null
}

func (e *openaiError) detail() string {
	parts := []string{}
	if e.Type != "" {
		parts = append(parts, clip(e.Type, 60))
	}
	switch c := e.Code.(type) {
	case string:
		if c != "" {
			parts = append(parts, clip(c, 60))
		}
	case float64:
		b, _ := json.Marshal(c)
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "/")
}

// openaiChunk is one chat.completion.chunk.
type openaiChunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
	Error *openaiError `json:"error"`
}

func openaiDetail(raw []byte) string {
	var e struct{ Error *openaiError }
	if json.Unmarshal(raw, &e) == nil && e.Error != nil {
		return e.Error.detail()
	}
	return ""
}

func (o *OpenAI) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + o.key.Reveal()}}
}

// Stream implements Provider.
func (o *OpenAI) Stream(ctx context.Context, req Request, onDelta func(string) error) (*Answer, error) {
	t0 := time.Now()
	body := openaiRequest{Model: o.cfg.model, Stream: true}
	body.StreamOptions.IncludeUsage = true
	if req.System != "" {
		body.Messages = append(body.Messages, openaiMessage{Role: "system", Content: req.System})
	}
	body.Messages = append(body.Messages, openaiMessage{Role: "user", Content: req.Prompt})
	hdr := o.header()
	hdr.Set("Accept", "text/event-stream")
	cl, err := o.cfg.start(ctx, o.Name(), http.MethodPost, endpoint(o.base, "/chat/completions"), hdr, body, openaiDetail)
	if err != nil {
		return nil, err
	}
	defer cl.close()
	if mt, _, _ := mime.ParseMediaType(cl.res.Header.Get("Content-Type")); mt == "application/json" {
		return nil, cl.fail(KindMalformed, errors.New("answered with a JSON document, not an event stream"))
	}
	ans := &Answer{Provider: o.Name(), Model: o.cfg.model}
	var text strings.Builder
	sc := sseScanner{r: cl.body}
	for {
		ev, rerr := sc.next()
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				rerr = io.ErrUnexpectedEOF // EOF before [DONE]
			}
			return nil, cl.fail(KindCutShort, rerr)
		}
		if bytes.Equal(ev.data, []byte("[DONE]")) {
			ans.Text = text.String()
			ans.Duration = time.Since(t0)
			return ans, nil
		}
		var c openaiChunk
		if err := json.Unmarshal(ev.data, &c); err != nil {
			if ev.name == "error" {
				return nil, &Error{Provider: o.Name(), Kind: KindUpstream}
			}
			return nil, cl.fail(KindMalformed, errors.New("an event's data is not a JSON object"))
		}
		if c.Error != nil || ev.name == "error" {
			e := &Error{Provider: o.Name(), Kind: KindUpstream}
			if c.Error != nil {
				e.Detail = c.Error.detail()
			}
			return nil, e
		}
		if c.Model != "" {
			ans.Model = c.Model
		}
		if c.Usage != nil {
			ans.Usage = Usage{PromptTokens: c.Usage.PromptTokens, CompletionTokens: c.Usage.CompletionTokens,
				TotalTokens: c.Usage.TotalTokens}
		}
		for _, ch := range c.Choices {
			if ch.FinishReason != nil {
				ans.FinishReason = *ch.FinishReason
			}
			if ch.Delta.Content == "" {
				continue
			}
			text.WriteString(ch.Delta.Content)
			if onDelta != nil {
				if err := onDelta(ch.Delta.Content); err != nil {
					return nil, err
				}
			}
		}
	}
}

// Probe implements Provider: GET /models, which needs a valid key.
func (o *OpenAI) Probe(ctx context.Context) error {
	cl, err := o.cfg.start(ctx, o.Name(), http.MethodGet, endpoint(o.base, "/models"), o.header(), nil, openaiDetail)
	if err != nil {
		return err
	}
	cl.close()
	return nil
}
