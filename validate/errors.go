package validate

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// FieldError is one problem with one field of a request body or value. It carries no value the
// client sent, only the field's JSON path, the rule that failed, the rule's parameter and an
// English message, so it can be returned to the client as is.
type FieldError struct {
	// Field is the JSON path of the field: "name", "safety.valueAlignment", "items[2].sku".
	// Map keys the client sent are sanitised (at most 64 bytes, control characters and
	// invalid UTF-8 replaced), and a path longer than 1 KiB keeps its last whole segments
	// after "…".
	Field string `json:"field"`
	// Rule is the validator tag that failed ("required", "max", ...), or one of the decoding
	// rules: "unknown" (no such field), "type" (wrong JSON type or out of range for the Go
	// type), "format" (rejected by the field type's own UnmarshalJSON/UnmarshalText, such as
	// time.Time, or bad base64 for []byte), "null" (null for a field that cannot be null), and
	// "limit" (the list was cut at 100 problems; Field is empty).
	Rule string `json:"rule"`
	// Param is the rule's parameter ("100" for max=100), with the other field's JSON path for
	// cross-field rules ("min" for gtefield=Min), the expected type for "type", or the right
	// spelling of a field for "unknown"; empty when the rule has none.
	Param string `json:"param"`
	// Message is a human-readable English sentence fragment: "must be at most 100".
	Message string `json:"message"`
}

// String renders the error as "field: message".
func (fe FieldError) String() string {
	if fe.Field == "" {
		return fe.Message
	}
	return fe.Field + ": " + fe.Message
}

// Errors lists every problem found in a request body or value at once (up to 100, then a
// final "limit" entry, so a hostile body cannot produce a huge response). It is the error
// Decode, DecodePatch and Struct return when the JSON was well formed but its content was not.
// Decoding problems (unknown keys, wrong types, null) come first, in body order, then failed
// validator tags in struct order.
//
// Errors implements ValidationDetails, the interface respond.Error recognises to render a
// 400 VALIDATION_ERROR response whose details are the list.
type Errors []FieldError

// Error joins the problems: "validation failed: name: is required; age: must be at least 0".
func (e Errors) Error() string {
	var sb strings.Builder
	sb.WriteString("validation failed")
	for i, fe := range e {
		if i == 0 {
			sb.WriteString(": ")
		} else {
			sb.WriteString("; ")
		}
		sb.WriteString(fe.String())
	}
	return sb.String()
}

// ValidationDetails returns the list as a []FieldError, for error renderers such as
// respond.Error that look for this method.
func (e Errors) ValidationDetails() any { return []FieldError(e) }

// Sentinel errors, matched with errors.Is against the error Decode and DecodePatch return.
var (
	// ErrUnsupportedMediaType: the Content-Type is not JSON (415).
	ErrUnsupportedMediaType = errors.New("validate: unsupported media type")
	// ErrTooLarge: the body is larger than the MaxBytes limit (413). The error also wraps the
	// *http.MaxBytesError.
	ErrTooLarge = errors.New("validate: request body too large")
	// ErrEmptyBody: the body is empty or only whitespace (400).
	ErrEmptyBody = errors.New("validate: empty request body")
	// ErrSyntax: the body is not valid JSON (400).
	ErrSyntax = errors.New("validate: malformed JSON")
	// ErrDuplicateKey: an object has the same key twice (400).
	ErrDuplicateKey = errors.New("validate: duplicate key")
	// ErrTrailingData: something follows the JSON value (400).
	ErrTrailingData = errors.New("validate: trailing data after JSON value")
	// ErrTooDeep: the body nests objects and arrays more than MaxDepth levels deep (400). It
	// also matches ErrSyntax.
	ErrTooDeep = fmt.Errorf("validate: request body nests too deeply: %w", ErrSyntax)
	// ErrNotObject: the body is valid JSON but not an object (400).
	ErrNotObject = errors.New("validate: body is not a JSON object")
	// ErrRead: the body could not be read, or not decoded into the Go type (400).
	ErrRead = errors.New("validate: request body unreadable")
)

// DecodeError is a request body that could not be decoded: wrong Content-Type, too large,
// empty, malformed, with duplicate keys or trailing data. Its Error text is safe to show to the
// client (it never contains body content beyond a key's name); StatusCode says which 4xx fits.
//
// It matches one of the Err* sentinels with errors.Is, and *http.MaxBytesError with errors.As
// when the body was too large.
type DecodeError struct {
	// Status is the HTTP status for the problem: 400, 413 or 415.
	Status int
	// Offset is the byte offset in the body where the problem was found, or -1.
	Offset int64
	msg    string
	kind   error
	cause  error
}

// Error returns the client-safe description, e.g. `duplicate key "safety.valueAlignment"`.
func (e *DecodeError) Error() string { return e.msg }

// StatusCode returns Status, for error renderers such as respond.Error.
func (e *DecodeError) StatusCode() int { return e.Status }

// Unwrap returns the sentinel (ErrSyntax, ErrTooLarge, ...) and the underlying cause, if any
// (for example the *http.MaxBytesError or the reader's error).
func (e *DecodeError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

func newDecodeError(status int, kind error, offset int64, msg string, cause error) *DecodeError {
	return &DecodeError{Status: status, Offset: offset, msg: msg, kind: kind, cause: cause}
}

func syntaxError(offset int, what string) *DecodeError {
	return newDecodeError(http.StatusBadRequest, ErrSyntax, int64(offset),
		"request body is not valid JSON: "+what+" at offset "+strconv.Itoa(offset), nil)
}
