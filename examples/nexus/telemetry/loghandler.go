package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log attribute keys of NewLogHandler.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// NewLogHandler returns a slog.Handler that adds trace_id and span_id
// (lowercase hex, as tracing systems show them) to every record logged with
// a context that carries a valid span, and passes everything to h. Records
// without a span are passed unchanged, at no cost.
//
// Put it under requestid.NewLogHandler, which opens groups itself, so the
// ids stay top-level beside request_id also under Logger.WithGroup:
//
//	slog.New(requestid.NewLogHandler(telemetry.NewLogHandler(jsonHandler)))
func NewLogHandler(h slog.Handler) slog.Handler {
	if h == nil {
		panic("telemetry: NewLogHandler: nil handler")
	}
	return &logHandler{h}
}

type logHandler struct{ next slog.Handler }

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String(TraceIDKey, sc.TraceID().String()), slog.String(SpanIDKey, sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{h.next.WithAttrs(as)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{h.next.WithGroup(name)}
}
