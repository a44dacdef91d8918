package respond

import (
	"encoding/json"
	"time"
)

// TimestampLayout is the layout of the envelope's timestamp: UTC with
// milliseconds and a literal Z, the same text as JavaScript's
// Date.prototype.toISOString (for example 2025-11-13T10:00:00.000Z).
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// Meta is the pagination block of a success envelope, sent as "meta" by
// OKWithMeta: {"page":1,"limit":10,"total":100}.
type Meta struct {
	// Page is the 1-based page number.
	Page int `json:"page"`
	// Limit is the page size.
	Limit int `json:"limit"`
	// Total is the number of items across all pages.
	Total int `json:"total"`
}

// ErrorBody is the "error" member of an error envelope.
type ErrorBody struct {
	// Code is the machine-readable error code.
	Code Code `json:"code"`
	// Message is the human-readable, client-safe message.
	Message string `json:"message"`
	// Details is optional structured data (absent when there is none).
	Details json.RawMessage `json:"details,omitempty"`
}

// Envelope is the shape of every body this package writes, for clients and
// tests that decode responses, with Data decoded as T:
//
//	success: {"success":true,"data":...,"meta":{...},"timestamp":"...","requestId":"..."}
//	error:   {"success":false,"error":{"code":"...","message":"...","details":...},"timestamp":"...","requestId":"..."}
//
// "meta" appears only when given, "requestId" only when the request carries
// an ID (see requestid.FromContext), "details" only when given; "data" and
// "error" never appear together. The server side does not use this type: it
// writes the envelope with a hand-rolled encoder into a pooled buffer.
type Envelope[T any] struct {
	// Success is true for success envelopes and false for error envelopes.
	Success bool `json:"success"`
	// Data is the payload of a success envelope.
	Data T `json:"data"`
	// Meta is the pagination block, when the server sent one.
	Meta *Meta `json:"meta,omitempty"`
	// Error is the error block of an error envelope.
	Error *ErrorBody `json:"error,omitempty"`
	// Timestamp is when the response was written, in UTC.
	Timestamp time.Time `json:"timestamp"`
	// RequestID is the request's correlation ID, when it has one.
	RequestID string `json:"requestId,omitempty"`
}
