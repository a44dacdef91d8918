package ai

import (
	"errors"
	"net/url"
	"strconv"
)

// Kind classifies a failure of the AI service.
type Kind int

// The kinds of failure.
const (
	// KindUnreachable: no answer at all (connection refused, DNS, TLS).
	KindUnreachable Kind = iota + 1
	// KindStatus: the service answered with a non-2xx status.
	KindStatus
	// KindTimeout: the answer did not complete within the timeout.
	KindTimeout
	// KindCutShort: the stream ended (the connection dropped) before its
	// terminator.
	KindCutShort
	// KindUpstream: the service reported an error inside the stream.
	KindUpstream
	// KindMalformed: the answer does not follow the wire format.
	KindMalformed
	// KindTooLarge: the answer, or one line of it, exceeds the size limit.
	KindTooLarge
)

// String returns the kind's name as used in logs.
func (k Kind) String() string {
	switch k {
	case KindUnreachable:
		return "unreachable"
	case KindStatus:
		return "status"
	case KindTimeout:
		return "timeout"
	case KindCutShort:
		return "cut short"
	case KindUpstream:
		return "upstream error"
	case KindMalformed:
		return "malformed answer"
	case KindTooLarge:
		return "answer too large"
	}
	return "kind " + strconv.Itoa(int(k))
}

// Error is a failure of the AI service. Its text names the provider, the
// kind and the cause, and never holds a secret: not the API key, not the
// password of a URL, not the text of an OpenAI error body.
type Error struct {
	Provider string
	Kind     Kind
	// StatusCode is the upstream's HTTP status for KindStatus.
	StatusCode int
	// Detail is a short, secret-free description from the upstream (an
	// Ollama error message, an OpenAI error type or code), if any.
	Detail string
	// Err is the underlying error, if any.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	s := "ai: " + e.Provider + ": " + e.Kind.String()
	if e.Kind == KindStatus {
		s += " " + strconv.Itoa(e.StatusCode)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// stripURL removes *url.Error's "Post \"https://...\":" prefix, so no URL
// (which may hold a password) ends up in an error text.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// clip shortens an upstream text for logs.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
