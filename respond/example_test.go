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
