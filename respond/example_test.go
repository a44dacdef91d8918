package respond_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/respond"
)

type module struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// A handler answers with OK for data and Error for failures. The clock is
// pinned so the output is stable; in production, use the package-level
// functions (respond.OK, respond.Error) or New() without WithClock.
func Example() {
	rs := respond.New(respond.WithClock(func() time.Time {
		return time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC)
	}))
	modules := map[string]module{"m1": {ID: "m1", Name: "Perception"}}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/modules/{id}", func(w http.ResponseWriter, r *http.Request) {
		m, ok := modules[r.PathValue("id")]
		if !ok {
			rs.Error(w, r, respond.NewError(respond.CodeModuleNotFound, "Module not found"))
			return
		}
		rs.OK(w, r, m)
	})
	handler := rs.Recover(rs.MuxErrors(mux))

	for _, target := range []string{"/api/modules/m1", "/api/modules/m9", "/api/nothing"} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r = r.WithContext(requestid.NewContext(r.Context(), "req-42"))
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 {"success":true,"data":{"id":"m1","name":"Perception"},"timestamp":"2025-11-13T10:00:00.000Z","requestId":"req-42"}
	// 404 {"success":false,"error":{"code":"MODULE_NOT_FOUND","message":"Module not found"},"timestamp":"2025-11-13T10:00:00.000Z","requestId":"req-42"}
	// 404 {"success":false,"error":{"code":"NOT_FOUND","message":"Resource not found"},"timestamp":"2025-11-13T10:00:00.000Z","requestId":"req-42"}
}

// OKWithMeta adds a pagination block for list endpoints; a nil slice is sent
// as [].
func ExampleResponder_OKWithMeta() {
	rs := respond.New(respond.WithClock(func() time.Time {
		return time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC)
	}))
	var page []module // no results on this page
	w := httptest.NewRecorder()
	rs.OKWithMeta(w, httptest.NewRequest(http.MethodGet, "/api/modules?page=3", nil), page,
		respond.Meta{Page: 3, Limit: 10, Total: 20})
	fmt.Println(w.Body.String())
	// Output:
	// {"success":true,"data":[],"meta":{"page":3,"limit":10,"total":20},"timestamp":"2025-11-13T10:00:00.000Z"}
}

// Errors that are not *APIError are classified; an unknown one becomes a
// generic 500 and its text stays in the log (discarded here).
func ExampleResponder_Error() {
	rs := respond.New(
		respond.WithClock(func() time.Time { return time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC) }),
		respond.WithLogger(slog.New(slog.DiscardHandler)),
	)
	for _, err := range []error{
		&respond.APIError{Status: http.StatusConflict, Code: respond.CodeConflict, Message: "Name already taken"},
		&http.MaxBytesError{Limit: 1 << 20},
		errors.New("dial tcp 10.0.0.5:5432: connection refused"),
	} {
		w := httptest.NewRecorder()
		rs.Error(w, httptest.NewRequest(http.MethodPost, "/api/modules", nil), err)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 409 {"success":false,"error":{"code":"CONFLICT","message":"Name already taken"},"timestamp":"2025-11-13T10:00:00.000Z"}
	// 413 {"success":false,"error":{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large"},"timestamp":"2025-11-13T10:00:00.000Z"}
	// 500 {"success":false,"error":{"code":"INTERNAL_ERROR","message":"An internal error occurred"},"timestamp":"2025-11-13T10:00:00.000Z"}
}

// fieldProblems is a validator's error type: it implements
// respond.ValidationError without importing respond.
type fieldProblems []string

func (f fieldProblems) Error() string          { return "invalid fields: " + strings.Join(f, ", ") }
func (f fieldProblems) ValidationDetails() any { return []string(f) }

// An error with ValidationDetails becomes 400 VALIDATION_ERROR with the
// details, also when wrapped.
func ExampleValidationError() {
	rs := respond.New(respond.WithClock(func() time.Time {
		return time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC)
	}))
	w := httptest.NewRecorder()
	err := fmt.Errorf("create module: %w", fieldProblems{"name", "priority"})
	rs.Error(w, httptest.NewRequest(http.MethodPost, "/api/modules", nil), err)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 400 {"success":false,"error":{"code":"VALIDATION_ERROR","message":"request validation failed","details":["name","priority"]},"timestamp":"2025-11-13T10:00:00.000Z"}
}

// contentTypeError is a decoder's error type: it implements
// respond.StatusCoder without importing respond, and promises that its text
// is safe to show the client.
type contentTypeError struct{}

func (contentTypeError) Error() string   { return "Content-Type must be application/json" }
func (contentTypeError) StatusCode() int { return http.StatusUnsupportedMediaType }

// An error with a 4xx StatusCode is sent with that status, the catalog code
// for it and its own text (not the text of wrappers around it).
func ExampleStatusCoder() {
	rs := respond.New(respond.WithClock(func() time.Time {
		return time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC)
	}))
	w := httptest.NewRecorder()
	err := fmt.Errorf("decode body of POST /api/modules: %w", contentTypeError{})
	rs.Error(w, httptest.NewRequest(http.MethodPost, "/api/modules", nil), err)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 415 {"success":false,"error":{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"},"timestamp":"2025-11-13T10:00:00.000Z"}
}

// pinned returns a Responder whose timestamps are stable and whose logs go
// to a discarding logger, for the examples below.
func pinned(opts ...respond.Option) *respond.Responder {
	return respond.New(append([]respond.Option{
		respond.WithClock(func() time.Time { return time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC) }),
		respond.WithLogger(slog.New(slog.DiscardHandler)),
	}, opts...)...)
}

// Recover turns a panic into a 500 envelope; the panic value and stack go to
// the log with the request ID, never to the client.
func ExampleRecover() {
	rs := pinned()
	handler := requestid.Middleware()(rs.Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("inventory index out of sync") // a bug in a handler
	})))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-Request-ID", "req-7")
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Cache-Control"), w.Body.String())
	// Output:
	// 500 no-store {"success":false,"error":{"code":"INTERNAL_ERROR","message":"An internal error occurred"},"timestamp":"2025-11-13T10:00:00.000Z","requestId":"req-7"}
}

// MuxErrors turns http.ServeMux's plain-text 404 and 405 into envelopes and
// keeps the Allow header of the 405.
func ExampleMuxErrors() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/modules", func(w http.ResponseWriter, r *http.Request) {})
	handler := pinned().MuxErrors(mux)

	w := httptest.NewRecorder()
	handler.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/api/modules", nil))
	fmt.Println(w.Code, "Allow:", w.Header().Get("Allow"))
	fmt.Println(w.Body.String())
	// Output:
	// 405 Allow: GET, HEAD
	// {"success":false,"error":{"code":"METHOD_NOT_ALLOWED","message":"Method not allowed","details":{"allow":["GET","HEAD"]}},"timestamp":"2025-11-13T10:00:00.000Z"}
}

// A client that asks for application/problem+json gets RFC 9457 problem
// details instead of the envelope; WithProblemDetails(false) turns that off.
func ExampleWithProblemDetails() {
	err := respond.NewError(respond.CodeModuleNotFound, "")
	for _, rs := range []*respond.Responder{pinned(), pinned(respond.WithProblemDetails(false))} {
		r := httptest.NewRequest(http.MethodGet, "/api/modules/m9", nil)
		r.Header.Set("Accept", "application/problem+json")
		w := httptest.NewRecorder()
		rs.Error(w, r, err)
		fmt.Println(w.Header().Get("Content-Type"))
		fmt.Println(w.Body.String())
	}
	// Output:
	// application/problem+json
	// {"type":"about:blank","title":"Not Found","status":404,"detail":"Module not found","code":"MODULE_NOT_FOUND","timestamp":"2025-11-13T10:00:00.000Z"}
	// application/json; charset=utf-8
	// {"success":false,"error":{"code":"MODULE_NOT_FOUND","message":"Module not found"},"timestamp":"2025-11-13T10:00:00.000Z"}
}

// Each catalog code carries its HTTP status; AI_SERVICE_ERROR is a 502
// because the failure is upstream.
func ExampleCode_Status() {
	for _, c := range []respond.Code{respond.CodeValidationError, respond.CodeModuleNotFound,
		respond.CodeRateLimitExceeded, respond.CodeClientClosedRequest, respond.CodeAIServiceError} {
		fmt.Println(c, c.Status())
	}
	fmt.Println(len(respond.Codes()), "codes;", respond.CodeForStatus(http.StatusConflict))
	// Output:
	// VALIDATION_ERROR 400
	// MODULE_NOT_FOUND 404
	// RATE_LIMIT_EXCEEDED 429
	// CLIENT_CLOSED_REQUEST 499
	// AI_SERVICE_ERROR 502
	// 26 codes; CONFLICT
}

// HEAD gets the headers of the body GET would get (Content-Length included)
// and no body; JSON with 204 No Content sends the status alone.
func ExampleJSON() {
	for _, c := range []struct {
		method string
		status int
	}{{http.MethodGet, http.StatusOK}, {http.MethodHead, http.StatusOK}, {http.MethodPost, http.StatusNoContent}} {
		w := httptest.NewRecorder()
		respond.JSON(w, httptest.NewRequest(c.method, "/api/modules/m1", nil), c.status, module{ID: "m1"})
		fmt.Printf("%s %d Content-Length=%q body bytes=%d\n", c.method, w.Code, w.Header().Get("Content-Length"), w.Body.Len())
	}
	// Output:
	// GET 200 Content-Length="84" body bytes=84
	// HEAD 200 Content-Length="84" body bytes=0
	// POST 204 Content-Length="" body bytes=0
}
