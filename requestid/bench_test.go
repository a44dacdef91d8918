package requestid

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkLogHandler compares a JSON handler alone with the same handler
// behind NewLogHandler, with and without an open group.
func BenchmarkLogHandler(b *testing.B) {
	ctx := NewContext(context.Background(), "0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e")
	base := slog.NewJSONHandler(io.Discard, nil)
	cases := []struct {
		name   string
		logger *slog.Logger
	}{
		{"json", slog.New(base)},
		{"json+requestid", slog.New(NewLogHandler(base))},
		{"json/group", slog.New(base).WithGroup("g")},
		{"json+requestid/group", slog.New(NewLogHandler(base)).WithGroup("g")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.logger.LogAttrs(ctx, slog.LevelInfo, "order created", slog.Int("order", 42), slog.String("user", "u-7"))
			}
		})
	}
}

// BenchmarkAccessLog measures the per-request cost of AccessLog with a JSON
// handler writing to io.Discard, without and with an Observe hook (which
// must add no allocation), and with the hook while the logger is disabled
// for info records (metrics only).
func BenchmarkAccessLog(b *testing.B) {
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	var total int64
	hook := Observe(func(_ *http.Request, o Observation) { total += o.Bytes })
	cases := []struct {
		name string
		h    http.Handler
	}{
		{"log", AccessLog(logger)(next)},
		{"log+observe", AccessLog(logger, hook)(next)},
		{"disabled", AccessLog(quiet)(next)},
		{"disabled+observe", AccessLog(quiet, hook)(next)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/modules", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, req)
			}
		})
	}
}
