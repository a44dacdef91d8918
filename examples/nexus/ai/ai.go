package ai

import (
	"context"
	"time"
)

// Provider is one AI service that streams chat answers.
type Provider interface {
	// Name is the provider's name: "ollama" or "openai".
	Name() string
	// Model is the model asked.
	Model() string
	// Stream sends req and calls onDelta with each piece of text as the
	// model sends it (never with an empty string), then returns the whole
	// answer. An error from onDelta stops the stream and is returned as is.
	// When ctx ends first, the error wraps context.Cause(ctx). Any other
	// failure is an *Error. onDelta may be nil.
	Stream(ctx context.Context, req Request, onDelta func(text string) error) (*Answer, error)
	// Probe checks, cheaply, that the service answers and accepts the
	// credentials; it returns nil or an *Error.
	Probe(ctx context.Context) error
}

// Request is one question: a system message that sets the context and the
// user's prompt.
type Request struct {
	System string
	Prompt string
}

// Usage counts the tokens of one answer, as the provider reported them
// (zero when it did not).
type Usage struct {
	PromptTokens     int `json:"promptTokens"`
	CompletionTokens int `json:"completionTokens"`
	TotalTokens      int `json:"totalTokens"`
}

// Answer is a complete answer.
type Answer struct {
	Provider string `json:"provider"`
	// Model is the model that answered, as the provider named it.
	Model string `json:"model"`
	Text  string `json:"text"`
	Usage Usage  `json:"usage"`
	// FinishReason is why the model stopped ("stop", "length", ...), when
	// the provider said.
	FinishReason string `json:"finishReason,omitempty"`
	// Duration is the time from sending the request to the end of the
	// answer.
	Duration time.Duration `json:"-"`
}
