package respond

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nexuskit/nexus/requestid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fieldErrors stands in for validate.Errors: it implements ValidationError
// without importing this package.
type fieldErrors []map[string]string

func (fieldErrors) Error() string { return "name: required (internal detail)" }

func (f fieldErrors) ValidationDetails() any { return []map[string]string(f) }

// The stand-ins satisfy the exported interfaces: renaming a method on either
// side of the contract breaks the build, not just a test.
var (
	_ ValidationError = fieldErrors(nil)
	_ StatusCoder     = statusErr{}
)

// statusErr stands in for validate's decoding errors.
type statusErr struct {
	status int
	msg    string
}

func (e statusErr) Error() string   { return e.msg }
func (e statusErr) StatusCode() int { return e.status }

var errSecret = errors.New("pq: password authentication failed for user admin")

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	deadlineCtx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-deadlineCtx.Done()

	tooLarge := func() error {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("a", 100)))
		_, err := io.ReadAll(http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10))
		return fmt.Errorf("decode body: %w", err)
	}()

	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantError   string // the exact "error" member
		wantLogged  bool
		notInOutput string
	}{
		{"APIError as given", &APIError{Status: 404, Code: CodeModuleNotFound, Message: "Module not found", Details: map[string]string{"id": "m1"}},
			404, `{"code":"MODULE_NOT_FOUND","message":"Module not found","details":{"id":"m1"}}`, false, ""},
		{"APIError wrapped, cause never sent", fmt.Errorf("handler: %w", &APIError{Status: 409, Code: CodeConflict, Message: "Name taken", Cause: errSecret}),
			409, `{"code":"CONFLICT","message":"Name taken"}`, false, "password"},
		{"APIError defaults from code", &APIError{Code: CodeRateLimitExceeded},
			429, `{"code":"RATE_LIMIT_EXCEEDED","message":"Too many requests, try again later"}`, false, ""},
		{"APIError defaults from status", &APIError{Status: 503},
			503, `{"code":"SERVICE_UNAVAILABLE","message":"The service is unavailable, try again later"}`, true, ""},
		{"APIError 5xx logged with cause", &APIError{Code: CodeAIServiceError, Message: "The AI service failed", Cause: errSecret},
			502, `{"code":"AI_SERVICE_ERROR","message":"The AI service failed"}`, true, "password"},
		{"validation error wrapped", fmt.Errorf("create: %w", fieldErrors{{"field": "name", "rule": "required"}}),
			400, `{"code":"VALIDATION_ERROR","message":"request validation failed","details":[{"field":"name","rule":"required"}]}`, false, "internal detail"},
		{"MaxBytesError", tooLarge,
			413, `{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large"}`, false, "decode body"},
		{"4xx StatusCoder keeps its own text, not the wrapper's", fmt.Errorf("x: %w", statusErr{415, "Content-Type must be application/json"}),
			415, `{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"}`, false, "x: "},
		{"4xx StatusCoder unlisted status", statusErr{418, "no coffee"},
			418, `{"code":"BAD_REQUEST","message":"no coffee"}`, false, ""},
		{"5xx StatusCoder gets a generic message", statusErr{503, "redis down at 10.0.0.3"},
			503, `{"code":"SERVICE_UNAVAILABLE","message":"The service is unavailable, try again later"}`, true, "10.0.0.3"},
		{"StatusCoder with nonsense status is unknown", statusErr{200, "weird"},
			500, `{"code":"INTERNAL_ERROR","message":"An internal error occurred"}`, true, "weird"},
		{"deadline exceeded", fmt.Errorf("query: %w", deadlineCtx.Err()),
			504, `{"code":"TIMEOUT","message":"The request timed out"}`, true, "query"},
		{"unknown error", fmt.Errorf("load module: %w", errSecret),
			500, `{"code":"INTERNAL_ERROR","message":"An internal error occurred"}`, true, "password"},
		{"nil error", nil,
			500, `{"code":"INTERNAL_ERROR","message":"An internal error occurred"}`, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, logs := newTestResponder()
			rec := httptest.NewRecorder()
			rs.Error(rec, newRequest(t, http.MethodGet, "/", "trace-7"), tt.err)
			assert.Equal(t, tt.wantStatus, rec.Code)
			want := `{"success":false,"error":` + tt.wantError + `,"timestamp":"` + fixedStamp + `","requestId":"trace-7"}`
			assert.Equal(t, want, rec.Body.String())
			assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			if tt.notInOutput != "" {
				assert.NotContains(t, rec.Body.String(), tt.notInOutput)
			}
			if tt.wantLogged {
				require.NotEmpty(t, logs.String())
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(strings.SplitN(logs.String(), "\n", 2)[0]), &rec))
				assert.Equal(t, "ERROR", rec["level"])
				assert.Equal(t, "trace-7", rec["request_id"])
				assert.EqualValues(t, tt.wantStatus, rec["status"])
				if tt.err != nil {
					assert.Equal(t, tt.err.Error(), rec["error"], "the real error is in the log")
				}
			} else {
				assert.Empty(t, logs.String(), "client errors are not logged")
			}
		})
	}
}

func TestAPIErrorIsAnError(t *testing.T) {
	t.Parallel()
	e := &APIError{Status: 502, Code: CodeAIServiceError, Message: "AI down", Cause: errSecret}
	assert.Equal(t, "AI_SERVICE_ERROR: AI down: "+errSecret.Error(), e.Error())
	assert.ErrorIs(t, fmt.Errorf("wrap: %w", e), errSecret, "Unwrap exposes the cause")
	var got *APIError
	require.ErrorAs(t, fmt.Errorf("wrap: %w", e), &got)
	assert.Same(t, e, got)
	assert.Equal(t, "NOT_FOUND: Resource not found", NewError(CodeNotFound, "").Error())
	assert.Nil(t, NewError(CodeNotFound, "").Unwrap())
	n := NewError(CodeModuleNotFound, "Module m1 not found")
	assert.Equal(t, 404, n.Status)
	assert.Equal(t, "Module m1 not found", n.Message)
}

func TestCatalog(t *testing.T) {
	t.Parallel()
	codes := Codes()
	require.GreaterOrEqual(t, len(codes), 20)
	assert.Len(t, catalog, len(codes), "Codes lists every catalog entry")
	seen := map[Code]bool{}
	for _, c := range codes {
		assert.False(t, seen[c], "duplicate %s", c)
		seen[c] = true
		assert.Regexp(t, `^[A-Z][A-Z_]*[A-Z]$`, string(c))
		assert.NotEmpty(t, c.Message(), "%s has a default message", c)
		assert.GreaterOrEqual(t, c.Status(), 400)
		assert.LessOrEqual(t, c.Status(), 599)
	}
	codes[0] = "MUTATED"
	assert.Equal(t, CodeBadRequest, Codes()[0], "Codes returns a copy")

	tests := []struct {
		code   Code
		status int
	}{
		{CodeBadRequest, 400}, {CodeValidationError, 400}, {CodeUnauthorized, 401}, {CodeInvalidToken, 401},
		{CodeTokenExpired, 401}, {CodeForbidden, 403}, {CodeNotFound, 404}, {CodeModuleNotFound, 404},
		{CodeMethodNotAllowed, 405}, {CodeNotAcceptable, 406}, {CodeRequestTimeout, 408}, {CodeConflict, 409},
		{CodeGone, 410}, {CodePreconditionFailed, 412}, {CodePayloadTooLarge, 413}, {CodeUnsupportedMediaType, 415},
		{CodeUnprocessableEntity, 422}, {CodeRateLimitExceeded, 429}, {CodeClientClosedRequest, 499}, {CodeInternalError, 500},
		{CodeDatabaseError, 500}, {CodeNotImplemented, 501}, {CodeBadGateway, 502}, {CodeAIServiceError, 502},
		{CodeServiceUnavailable, 503}, {CodeTimeout, 504}, {Code("CUSTOM"), 500},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.status, tt.code.Status(), "%s", tt.code)
	}
	assert.Equal(t, Code("MODULE_NOT_FOUND"), CodeModuleNotFound)
	assert.Equal(t, Code("AI_SERVICE_ERROR"), CodeAIServiceError)
	assert.Empty(t, Code("CUSTOM").Message())
}

func TestCodeForStatus(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]Code{
		400: CodeBadRequest, 401: CodeUnauthorized, 403: CodeForbidden, 404: CodeNotFound, 405: CodeMethodNotAllowed,
		406: CodeNotAcceptable, 408: CodeRequestTimeout, 409: CodeConflict, 410: CodeGone, 412: CodePreconditionFailed,
		413: CodePayloadTooLarge, 415: CodeUnsupportedMediaType, 422: CodeUnprocessableEntity, 429: CodeRateLimitExceeded,
		499: CodeClientClosedRequest, 418: CodeBadRequest, 451: CodeBadRequest,
		500: CodeInternalError, 501: CodeNotImplemented, 502: CodeBadGateway, 503: CodeServiceUnavailable, 504: CodeTimeout,
		507: CodeInternalError, 200: CodeInternalError, 0: CodeInternalError,
	} {
		assert.Equal(t, want, CodeForStatus(status), "status %d", status)
	}
	for _, c := range Codes() {
		if got := CodeForStatus(c.Status()); got != c {
			assert.Equal(t, c.Status(), got.Status(), "CodeForStatus(%d) stays within the status", c.Status())
		}
	}
}

func TestErrorOverTheWire(t *testing.T) {
	t.Parallel()
	rs, logs := newTestResponder()
	srv := httptest.NewServer(withID("wire-1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.Error(w, r, fmt.Errorf("db: %w", errSecret))
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.Equal(t, int64(len(body)), resp.ContentLength)
	assert.False(t, bytes.Contains(body, []byte("password")), "internal text never reaches the client")
	var env Envelope[json.RawMessage]
	require.NoError(t, json.Unmarshal(body, &env))
	assert.False(t, env.Success)
	assert.Equal(t, CodeInternalError, env.Error.Code)
	assert.Equal(t, "wire-1", env.RequestID)
	assert.Contains(t, logs.String(), "password authentication failed", "the real error is logged")
	assert.Contains(t, logs.String(), `"request_id":"wire-1"`)
}

func TestNilAPIErrorPointer(t *testing.T) {
	t.Parallel()
	rs, logs := newTestResponder()
	var e *APIError
	rec := httptest.NewRecorder()
	rs.Error(rec, newRequest(t, http.MethodGet, "/", ""), e)
	assert.Equal(t, http.StatusInternalServerError, rec.Code, "a typed nil is a programming error, not a client error")
	assert.Contains(t, logs.String(), "nil *APIError")
	assert.NoError(t, e.Unwrap())
}

// TestDefaultLoggerIsSlogDefault swaps the process-wide slog default, so it
// does not call t.Parallel: sequential tests finish before parallel ones run.
func TestDefaultLoggerIsSlogDefault(t *testing.T) {
	logs := &logBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	rec := httptest.NewRecorder()
	Error(rec, newRequest(t, http.MethodGet, "/", "dflt-1"), errSecret)
	assert.Contains(t, logs.String(), `"request_id":"dflt-1"`, "the default logger is looked up at call time")
	assert.Contains(t, logs.String(), "password authentication failed")
}

// cancelledRequest returns a request whose context is already cancelled, as
// net/http does when the client closes the connection.
func cancelledRequest(t *testing.T, id string) *http.Request {
	t.Helper()
	r := newRequest(t, http.MethodGet, "/", id)
	ctx, cancel := context.WithCancel(r.Context())
	cancel()
	return r.WithContext(ctx)
}

func TestErrorClientClosedRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		req        func(t *testing.T) *http.Request
		err        error
		accept     string
		wantStatus int
		wantBody   string // substring of the body
		wantLevel  string // level of the one log record
	}{
		{"client gone: 499 logged at info", func(t *testing.T) *http.Request { return cancelledRequest(t, "gone-1") },
			fmt.Errorf("query modules: %w", context.Canceled), "",
			499, `"error":{"code":"CLIENT_CLOSED_REQUEST","message":"The client closed the request"}`, "INFO"},
		{"client gone, problem details title", func(t *testing.T) *http.Request { return cancelledRequest(t, "gone-1") },
			context.Canceled, "application/problem+json",
			499, `{"type":"about:blank","title":"Client Closed Request","status":499,`, "INFO"},
		{"server's own cancellation under a live request is a 500", func(t *testing.T) *http.Request { return newRequest(t, http.MethodGet, "/", "gone-1") },
			fmt.Errorf("worker pool: %w", context.Canceled), "",
			500, `"code":"INTERNAL_ERROR"`, "ERROR"},
		{"Canceled under an expired (not cancelled) request is a 500", func(t *testing.T) *http.Request {
			r := newRequest(t, http.MethodGet, "/", "gone-1")
			ctx, cancel := context.WithTimeout(r.Context(), 0)
			t.Cleanup(cancel)
			<-ctx.Done()
			return r.WithContext(ctx)
		}, fmt.Errorf("worker pool: %w", context.Canceled), "",
			500, `"code":"INTERNAL_ERROR"`, "ERROR"},
		{"deadline stays 504 even when the request is cancelled", func(t *testing.T) *http.Request { return cancelledRequest(t, "gone-1") },
			context.DeadlineExceeded, "",
			504, `"code":"TIMEOUT"`, "ERROR"},
		{"APIError wins over a Canceled cause", func(t *testing.T) *http.Request { return cancelledRequest(t, "gone-1") },
			&APIError{Code: CodeConflict, Cause: context.Canceled}, "",
			409, `"code":"CONFLICT"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, logs := newTestResponder()
			r := tt.req(t)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			rs.Error(rec, r, tt.err)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Contains(t, rec.Body.String(), tt.wantBody)
			assert.NotContains(t, rec.Body.String(), "query modules", "internal text never reaches the client")
			if tt.wantLevel == "" {
				assert.Empty(t, logs.String())
				return
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			require.Len(t, lines, 1)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
			assert.Equal(t, tt.wantLevel, got["level"])
			assert.Equal(t, "gone-1", got["request_id"])
			assert.EqualValues(t, tt.wantStatus, got["status"])
			assert.Equal(t, tt.err.Error(), got["error"])
		})
	}
}

// TestErrorClientGoneOverTheWire cancels a real client request while the
// handler waits on its context: the handler's Error call must produce a 499
// that the access log records as a client event (warn) and that respond logs
// at info, with no error-level record anywhere.
func TestErrorClientGoneOverTheWire(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	logger := slog.New(requestid.NewLogHandler(slog.NewJSONHandler(logs, nil)))
	rs := New(WithClock(fixedClock), WithLogger(logger))
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // a slow query, interrupted by the client leaving
		rs.Error(w, r, fmt.Errorf("load modules: %w", r.Context().Err()))
	})
	srv := httptest.NewServer(requestid.Middleware()(requestid.AccessLog(logger)(h)))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("X-Request-ID", "left-early")
	errc := make(chan error, 1)
	go func() {
		res, err := srv.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		errc <- err
	}()
	<-started
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "\n") == 2 }, 10*time.Second, 5*time.Millisecond)

	var records []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		assert.Equal(t, "left-early", rec["request_id"])
		assert.NotEqual(t, "ERROR", rec["level"], "a client leaving is not a server error: %s", line)
		records = append(records, rec)
	}
	assert.Equal(t, "respond: client closed the request", records[0]["msg"])
	assert.Equal(t, "INFO", records[0]["level"])
	assert.Equal(t, "http request", records[1]["msg"])
	assert.EqualValues(t, 499, records[1]["status"])
	assert.Equal(t, "WARN", records[1]["level"])
}
