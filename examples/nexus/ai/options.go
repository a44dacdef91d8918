package ai

import (
	"fmt"
	"net/http"
	"time"

	"github.com/nexuskit/nexus/requestid"
)

// Option configures a provider.
type Option func(*config)

type config struct {
	model    string
	timeout  time.Duration
	maxBytes int64
	base     http.RoundTripper
	baseURL  string
}

// Defaults of the options.
const (
	// DefaultTimeout bounds one whole answer: local models on a CPU can
	// take a minute for a few hundred tokens.
	DefaultTimeout = 2 * time.Minute
	// DefaultMaxBytes bounds the bytes read from one answer: a few
	// thousand tokens take well under 1 MiB in either wire format.
	DefaultMaxBytes = 4 << 20
	// maxLine bounds one NDJSON line or SSE line.
	maxLine = 256 << 10
)

// Model sets the model to ask. Default: "llama3.2" for Ollama,
// "gpt-4o-mini" for OpenAI. It panics on an empty name.
func Model(name string) Option {
	if name == "" {
		panic("ai: Model: empty model name")
	}
	return func(c *config) { c.model = name }
}

// Timeout bounds one whole answer, from the request to the last byte, and
// one probe. Default DefaultTimeout. It panics unless d > 0.
func Timeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("ai: Timeout: %v is not positive", d))
	}
	return func(c *config) { c.timeout = d }
}

// MaxBytes bounds the bytes read from one answer. Default DefaultMaxBytes.
// It panics unless n > 0.
func MaxBytes(n int64) Option {
	if n <= 0 {
		panic(fmt.Sprintf("ai: MaxBytes: %d is not positive", n))
	}
	return func(c *config) { c.maxBytes = n }
}

// Transport sets the round tripper under requestid.Transport (default: a
// clone of http.DefaultTransport). It panics on nil.
func Transport(rt http.RoundTripper) Option {
	if rt == nil {
		panic("ai: Transport: nil round tripper")
	}
	return func(c *config) { c.base = rt }
}

// BaseURL sets OpenAI's API base URL, default "https://api.openai.com/v1"
// (any server that speaks the chat completions API: Azure, vLLM, a test
// fake). Ignored by Ollama, whose URL is NewOllama's argument.
func BaseURL(u string) Option {
	if _, err := parseBase(u); err != nil {
		panic("ai: BaseURL: " + err.Error())
	}
	return func(c *config) { c.baseURL = u }
}

func newConfig(model string, opts []Option) config {
	c := config{model: model, timeout: DefaultTimeout, maxBytes: DefaultMaxBytes}
	for _, o := range opts {
		o(&c)
	}
	if c.base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 0 // the context's deadline bounds it
		c.base = t
	}
	return c
}

// client is the HTTP client of a provider: every request carries the
// request ID of its context. No client timeout: the context bounds each
// request, so a timeout is told apart from a cancellation.
func (c config) client() *http.Client {
	return &http.Client{Transport: requestid.Transport(c.base)}
}
