package respond

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/nexuskit/nexus/requestid"
)

// Responder writes envelopes with a given configuration (logger, clock,
// problem details). Its methods mirror the package-level functions, which
// use a Responder with the default configuration. A Responder is immutable
// after New and safe for concurrent use; the zero value and a nil *Responder
// behave like New().
type Responder struct {
	logger    *slog.Logger
	now       func() time.Time
	noProblem bool
}

// New returns a Responder configured by opts. With no options it logs to
// slog.Default(), uses time.Now and honours problem-details requests.
func New(opts ...Option) *Responder {
	rs := &Responder{}
	for _, opt := range opts {
		if opt == nil {
			panic("respond: New: nil Option")
		}
		opt(rs)
	}
	return rs
}

// defaultResponder serves the package-level functions. It is never modified.
var defaultResponder = &Responder{}

func (rs *Responder) clock() time.Time {
	if rs == nil || rs.now == nil {
		return time.Now()
	}
	return rs.now()
}

func (rs *Responder) log() *slog.Logger {
	if rs == nil || rs.logger == nil {
		return slog.Default()
	}
	return rs.logger
}

// Header values written on every response. The keys are in canonical form so
// they can be assigned to the header map directly.
const (
	hdrContentType   = "Content-Type"
	hdrContentLength = "Content-Length"
	hdrNosniff       = "X-Content-Type-Options"
	hdrCacheControl  = "Cache-Control"

	contentTypeJSON    = "application/json; charset=utf-8"
	contentTypeProblem = "application/problem+json"
)

// JSON writes data in a success envelope with the given status. Use Error for
// failures: JSON always sends "success":true. Status 204, 205 and 304 send no
// content (RFC 9110 forbids it; data is not encoded);
// a HEAD request gets the headers (with the Content-Length of the body it
// would have had) and no body. A status outside 200–599 is a programming
// error: it is logged and the client gets a 500 envelope.
//
// The body is encoded completely before anything is written: if data cannot
// be encoded, the failure is logged and the client gets a 500 error envelope,
// never half a body.
func (rs *Responder) JSON(w http.ResponseWriter, r *http.Request, status int, data any) {
	rs.success(w, r, status, data, nil)
}

// OK writes data in a 200 success envelope.
func (rs *Responder) OK(w http.ResponseWriter, r *http.Request, data any) {
	rs.success(w, r, http.StatusOK, data, nil)
}

// OKWithMeta writes data in a 200 success envelope with a "meta" pagination
// block, for list endpoints.
func (rs *Responder) OKWithMeta(w http.ResponseWriter, r *http.Request, data any, meta Meta) {
	rs.success(w, r, http.StatusOK, data, &meta)
}

func (rs *Responder) success(w http.ResponseWriter, r *http.Request, status int, data any, meta *Meta) {
	if status < 200 || status > 599 {
		rs.log().LogAttrs(ctxOf(r), slog.LevelError, "respond: invalid status for a success envelope",
			slog.Int("status", status), slog.String("request_id", requestID(r)))
		rs.internal(w, r)
		return
	}
	if !bodyAllowed(status) {
		w.Header()[hdrNosniff] = []string{"nosniff"}
		if status == http.StatusResetContent {
			// RFC 9110 15.3.6: a 205 has no content and says so, unlike
			// 204 and 304, which must not carry Content-Length: 0 framing.
			w.Header()[hdrContentLength] = []string{"0"}
		}
		w.WriteHeader(status)
		return
	}
	e := getEncoder()
	defer putEncoder(e)
	if err := e.success(data, meta, rs.clock(), requestID(r)); err != nil {
		rs.log().LogAttrs(ctxOf(r), slog.LevelError, "respond: encoding response data failed",
			slog.String("request_id", requestID(r)), slog.Any("error", err))
		rs.internal(w, r)
		return
	}
	send(w, r, status, e.buf.Bytes(), contentTypeJSON, false)
}

// internal writes the fixed 500 error envelope, which cannot fail to encode.
func (rs *Responder) internal(w http.ResponseWriter, r *http.Request) {
	rs.writeError(w, r, http.StatusInternalServerError, CodeInternalError, CodeInternalError.Message(), nil)
}

// send writes a complete body with its headers. Errors get Cache-Control:
// no-store so no cache keeps a transient failure.
func send(w http.ResponseWriter, r *http.Request, status int, body []byte, contentType string, isError bool) {
	h := w.Header()
	// One allocation for every header value; each header gets a full-capacity
	// sub-slice so an append by later code copies instead of overwriting.
	vals := make([]string, 4)
	vals[0], vals[1], vals[2] = contentType, strconv.Itoa(len(body)), "nosniff"
	h[hdrContentType] = vals[0:1:1]
	h[hdrContentLength] = vals[1:2:2]
	h[hdrNosniff] = vals[2:3:3]
	if isError {
		vals[3] = "no-store"
		h[hdrCacheControl] = vals[3:4:4]
	}
	w.WriteHeader(status)
	if r != nil && r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body) // a write error means the client is gone; nothing to tell it.
}

// bodyAllowed reports whether a response with this status may carry
// content: RFC 9110 forbids it for 204 No Content, 205 Reset Content and
// 304 Not Modified (net/http itself only enforces 204 and 304).
func bodyAllowed(status int) bool {
	switch status {
	case http.StatusNoContent, http.StatusResetContent, http.StatusNotModified:
		return false
	}
	return status >= 200
}

func requestID(r *http.Request) string {
	if r == nil {
		return ""
	}
	return requestid.FromContext(r.Context())
}
