package respond

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nexuskit/nexus/internal/testlog"
	"github.com/nexuskit/nexus/requestid"
)

// fixedTime is the clock of every test: 2025-11-13T10:00:00.123456789Z.
var fixedTime = time.Date(2025, 11, 13, 10, 0, 0, 123456789, time.UTC)

const fixedStamp = "2025-11-13T10:00:00.123Z"

func fixedClock() time.Time { return fixedTime }

// logBuffer is the shared goroutine-safe log buffer of the tests.
type logBuffer = testlog.Buffer

// newTestResponder returns a Responder with the fixed clock and a JSON
// logger writing into the returned buffer.
func newTestResponder(opts ...Option) (*Responder, *logBuffer) {
	logs := &logBuffer{}
	base := []Option{WithClock(fixedClock), WithLogger(slog.New(slog.NewJSONHandler(logs, nil)))}
	return New(append(base, opts...)...), logs
}

// newRequest returns a request whose context carries the request ID id
// (none when id is "").
func newRequest(t *testing.T, method, target, id string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if id != "" {
		r = r.WithContext(requestid.NewContext(r.Context(), id))
	}
	return r
}

// withID is middleware that puts a fixed request ID in the context, standing
// in for requestid.Middleware.
func withID(id string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(requestid.NewContext(r.Context(), id)))
	})
}
