package compress

import (
	"fmt"
	"net/http"
)

// Outcome says what the middleware did with one response: compressed it, or
// why not.
type Outcome uint8

const (
	// OutcomeCompressed: the body was encoded with Stats.Coding.
	OutcomeCompressed Outcome = iota + 1
	// OutcomeHead: a HEAD request that GET would have compressed; the
	// headers name Stats.Coding, no body is sent.
	OutcomeHead
	// OutcomeNotAccepted: the request accepts none of the offered codings
	// (or sent no Accept-Encoding).
	OutcomeNotAccepted
	// OutcomeTooSmall: the body was under MinSize.
	OutcomeTooSmall
	// OutcomeEmpty: there was no body to encode.
	OutcomeEmpty
	// OutcomeType: the Content-Type (given or sniffed) is not compressible:
	// the built-in list of already-compressed types, or DenyTypes.
	OutcomeType
	// OutcomeAlreadyEncoded: the handler set its own Content-Encoding.
	OutcomeAlreadyEncoded
	// OutcomeNoTransform: Cache-Control: no-transform, on the request or
	// on the response.
	OutcomeNoTransform
	// OutcomeStatus: a status that is never encoded (101, 204, 304).
	OutcomeStatus
	// OutcomeRange: a 206 or another response with Content-Range.
	OutcomeRange
	// OutcomeSkipped: the handler called Skip.
	OutcomeSkipped
	// OutcomeHijacked: the handler hijacked the connection.
	OutcomeHijacked
)

var outcomeNames = [...]string{
	OutcomeCompressed:     "compressed",
	OutcomeHead:           "head",
	OutcomeNotAccepted:    "not_accepted",
	OutcomeTooSmall:       "too_small",
	OutcomeEmpty:          "empty",
	OutcomeType:           "type",
	OutcomeAlreadyEncoded: "already_encoded",
	OutcomeNoTransform:    "no_transform",
	OutcomeStatus:         "status",
	OutcomeRange:          "range",
	OutcomeSkipped:        "skipped",
	OutcomeHijacked:       "hijacked",
}

// String returns a short, stable label for metrics: "compressed",
// "not_accepted", "too_small", ...
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && outcomeNames[o] != "" {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Stats describes one response, for the function given to Observe.
type Stats struct {
	// Outcome is what the middleware did, or why it did not compress.
	Outcome Outcome
	// Coding is the content coding used: "zstd", "br" or "gzip"; "" when
	// the body was not encoded (OutcomeHead names the coding GET gets).
	Coding string
	// BytesIn is the number of body bytes the handler wrote.
	BytesIn int64
	// BytesOut is the number of body bytes passed on to the client's
	// ResponseWriter: the encoded stream (LengthJitter padding included)
	// when compressed, otherwise what the handler wrote (0 for HEAD and
	// for a hijacked connection's buffered bytes, which are dropped).
	BytesOut int64
}

// Observe sets a function called once per response, after the handler
// returned and the response was completed, with the request and what the
// middleware did: the coding chosen or why none, and the body's bytes in
// and out. Use it for metrics (bytes saved per coding, outcomes by route
// with r.Pattern).
//
// fn is called synchronously on the request's goroutine, before the
// response's resources go back to their pools: it must be fast and must
// not block (increment counters, observe a histogram; hand anything slow to
// another goroutine). It must not keep r or write to the response. It is
// not called for a handler that panicked. Without Observe (the default)
// nothing is counted beyond two integers per response, and nothing is
// allocated (BenchmarkCompressObserve). A nil fn panics.
func Observe(fn func(r *http.Request, s Stats)) Option {
	if fn == nil {
		panic("compress.Observe: nil function")
	}
	return func(c *config) { c.observe = fn }
}

// stats returns what the response's writer recorded.
func (cw *responseWriter) stats() Stats {
	s := Stats{Outcome: cw.outcome, BytesIn: cw.in, BytesOut: cw.out}
	if s.Outcome == OutcomeCompressed || s.Outcome == OutcomeHead {
		s.Coding = cw.coding().String()
	}
	return s
}
