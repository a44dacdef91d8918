package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// Store wraps st so that every operation is timed into
// nexus_store_operation_duration_seconds (by operation and outcome) and,
// when tp is not nil, traced as a child span of the request's span (only
// inside a trace: a call without a span in its context starts none). Kind
// and Close pass through untimed. m may be nil (no metrics) and tp may be
// nil (no spans).
func Store(st store.Store, m *Metrics, tp trace.TracerProvider) store.Store {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return &instrumentedStore{Store: st, m: m, tracer: tp.Tracer(instrumentation), kind: st.Kind()}
}

var noopSpan = trace.SpanFromContext(context.Background())

type instrumentedStore struct {
	store.Store
	m      *Metrics
	tracer trace.Tracer
	kind   string
}

// op starts the measurement of one operation; the returned func ends it
// with the operation's error.
func (s *instrumentedStore) op(ctx context.Context, name string) (context.Context, func(error)) {
	start := time.Now()
	// Spans only inside a trace: the store calls of untraced requests (the
	// /readyz ping every few seconds) would each start a trace of their own.
	span := trace.SpanFromContext(ctx)
	if span.SpanContext().IsValid() {
		ctx, span = s.tracer.Start(ctx, "store."+name, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system.name", s.kind)))
	} else {
		span = noopSpan
	}
	return ctx, func(err error) {
		oc := "ok"
		switch {
		case errors.Is(err, store.ErrNotFound):
			oc = "not_found"
		case err != nil:
			oc = "error"
			span.RecordError(err)
			span.SetStatus(codes.Error, "store error")
		}
		span.End()
		if s.m != nil {
			s.m.storeDuration.WithLabelValues(name, oc).Observe(time.Since(start).Seconds())
		}
	}
}

func (s *instrumentedStore) Ping(ctx context.Context) (err error) {
	ctx, done := s.op(ctx, "ping")
	defer func() { done(err) }()
	return s.Store.Ping(ctx)
}

func (s *instrumentedStore) ListModules(ctx context.Context, offset, limit int) (_ []store.Module, _ int, err error) {
	ctx, done := s.op(ctx, "list_modules")
	defer func() { done(err) }()
	return s.Store.ListModules(ctx, offset, limit)
}

func (s *instrumentedStore) CreateModule(ctx context.Context, mod store.Module) (_ store.Module, err error) {
	ctx, done := s.op(ctx, "create_module")
	defer func() { done(err) }()
	return s.Store.CreateModule(ctx, mod)
}

func (s *instrumentedStore) GetModule(ctx context.Context, id uuid.UUID) (_ store.Module, err error) {
	ctx, done := s.op(ctx, "get_module")
	defer func() { done(err) }()
	return s.Store.GetModule(ctx, id)
}

func (s *instrumentedStore) UpdateModule(ctx context.Context, id uuid.UUID, update func(*store.Module) error) (_ store.Module, err error) {
	ctx, done := s.op(ctx, "update_module")
	defer func() { done(err) }()
	return s.Store.UpdateModule(ctx, id, update)
}

func (s *instrumentedStore) DeleteModule(ctx context.Context, id uuid.UUID) (_ int64, err error) {
	ctx, done := s.op(ctx, "delete_module")
	defer func() { done(err) }()
	return s.Store.DeleteModule(ctx, id)
}

func (s *instrumentedStore) SafetyStatus(ctx context.Context) (_ store.SafetyStatus, err error) {
	ctx, done := s.op(ctx, "safety_status")
	defer func() { done(err) }()
	return s.Store.SafetyStatus(ctx)
}

func (s *instrumentedStore) UpdateSafetyStatus(ctx context.Context, update func(*store.SafetyStatus) error) (_ store.SafetyStatus, err error) {
	ctx, done := s.op(ctx, "update_safety_status")
	defer func() { done(err) }()
	return s.Store.UpdateSafetyStatus(ctx, update)
}

var _ store.Store = (*instrumentedStore)(nil)
