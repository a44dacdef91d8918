//go:build !race

// The race detector changes allocation counts (sync.Pool drops items at
// random), so the allocation checks run in normal test builds only.

package requestid

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLogHandlerAllocations(t *testing.T) {
	base := slog.NewJSONHandler(io.Discard, nil)
	ctx := NewContext(context.Background(), "0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e")
	allocs := func(l *slog.Logger) float64 {
		return testing.AllocsPerRun(200, func() {
			l.LogAttrs(ctx, slog.LevelInfo, "m", slog.Int("a", 1), slog.String("b", "x"), slog.Bool("c", true))
		})
	}
	plain := allocs(slog.New(base))
	wrapped := allocs(slog.New(NewLogHandler(base)))
	assert.Equal(t, plain, wrapped, "no allocation beyond slog's own")
	withAttrs := allocs(slog.New(NewLogHandler(base)).With("svc", "api"))
	assert.Equal(t, plain, withAttrs, "no allocation with pre-formatted attributes either")
	grouped := allocs(slog.New(NewLogHandler(base)).WithGroup("g"))
	plainGrouped := allocs(slog.New(base).WithGroup("g"))
	assert.LessOrEqual(t, grouped, plainGrouped+1, "one allocation for the group's list")
}

func TestMiddlewareAllocations(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	incoming := req.Clone(req.Context())
	incoming.Header.Set(DefaultHeader, "0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e")
	h := Middleware()(next)
	generating := testing.AllocsPerRun(500, func() { h.ServeHTTP(w, req) })
	accepting := testing.AllocsPerRun(500, func() { h.ServeHTTP(w, incoming) })
	// context + header slice (one allocation), the ID string, the request copy.
	assert.LessOrEqual(t, generating, 3.0)
	assert.LessOrEqual(t, accepting, 2.0)
}

// TestAccessLogObserveAllocations: the Observe hook costs no allocation
// when set, and nothing at all when unset.
func TestAccessLogObserveAllocations(t *testing.T) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	calls := 0
	plain := AccessLog(logger)(next)
	observed := AccessLog(logger, Observe(func(_ *http.Request, o Observation) { calls += o.Status }))(next)
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/modules", nil)
	without := testing.AllocsPerRun(500, func() { plain.ServeHTTP(w, req) })
	with := testing.AllocsPerRun(500, func() { observed.ServeHTTP(w, req) })
	assert.Equal(t, without, with, "the hook adds no allocation")
	assert.Positive(t, calls)
}
