// Package telemetry is the NEXUS server's observability: Prometheus
// metrics, OpenTelemetry traces, and log records that name their trace.
// It lives in the examples module so that the nexuskit library itself
// depends on neither client_golang nor OpenTelemetry: the library exposes
// plain observation hooks (requestid.Observe, ...) and this package wires
// them to the two systems.
//
// # Metrics
//
// NewMetrics builds a registry (Handler serves it in the Prometheus text
// format; the server puts it on its own listener, METRICS_ADDR) with:
//
//	nexus_http_requests_total{method,route,status}              counter
//	nexus_http_request_duration_seconds{method,route,status}    histogram
//	nexus_http_response_bytes_total{route}                      counter
//	nexus_websocket_connections                                 gauge
//	nexus_websocket_refusals_total{reason}                      counter
//	nexus_ratelimit_rejections_total                            counter
//	nexus_compress_responses_total{outcome,coding}              counter
//	nexus_compress_bytes_in_total{coding}                       counter
//	nexus_compress_bytes_out_total{coding}                      counter
//	nexus_store_operation_duration_seconds{operation,outcome}   histogram
//	nexus_shutdown_phase_duration_seconds{phase}                gauge
//	nexus_shutdown_hooks_total{hook,outcome}                    counter
//
// plus the Go runtime (go_*) and process (process_*) collectors.
//
// Every label has a bounded set of values, whatever clients send: route
// is the ServeMux pattern ("GET /api/modules/{id}", never the raw path),
// "unmatched" for requests answered before routing (CORS preflights, rate
// limit 429s); method is one of the nine standard methods or OTHER; status
// is the three-digit code. Nothing is labelled with an ID, a user or an
// address.
//
// The request metrics come from requestid.AccessLog's Observe hook
// (Metrics.ObserveRequest has its signature), so they count exactly the
// requests the access log records, with the same status decisions (499 for
// a client gone before the answer). ObserveCompress fits compress.Observe:
// the bytes saved per coding are bytes_in_total - bytes_out_total.
// ObserveWebSocketAuth fits wsauth.Observe and counts refused upgrades by
// the reason of wsauth's audit record (origin_not_allowed, no_credentials,
// bad_signature, expired, too_many_failures, ...). Store wraps a store.Store to time every
// operation; ObserveShutdown fits shutdown.Observer and records the phase
// durations and hook outcomes; Metrics' other methods are called by the
// server where the events happen (a socket opens or closes, the rate
// limiter refuses).
//
// The shutdown gauges are set as each phase ends. The server keeps its
// metrics listener out of the shutdown manager, so it answers until the
// process exits: a scrape during the drain or the hooks sees the phases
// already done; the whole shutdown's duration is set just before exit,
// and is in the shutdown's log records as well.
//
// All methods are safe for concurrent use, do not block, and do nothing on
// a nil *Metrics, so a server built without metrics calls them for free.
//
// # Distributed mode
//
// With ENABLE_DISTRIBUTED_SYSTEM the server adds:
//
//	nexus_bus_lag_seconds{_bucket,_sum,_count} histogram: append to the Redis stream (Redis's clock) to delivery by this replica
//	nexus_redis_up                        gauge: 1 when the last Redis call succeeded, 0 on the local fallbacks
//	nexus_redis_fallbacks_total{component} counter: switches to a local fallback (wsauth_throttle)
//
// The lag is measured against the stream id's millisecond time, which is
// Redis's clock: with replicas and Redis on different hosts it includes
// their clock difference.
//
// # Tracing
//
// NewTracing builds a tracer provider with the given span processor (in
// the server a batch processor over OTLPExporter, which honours
// OTEL_EXPORTER_OTLP_ENDPOINT); Handler wraps the server in otelhttp, so
// each request gets a server span, child of the caller's span when it sends
// a W3C traceparent header, named after its route pattern. The health
// probes are not traced, and the store's spans exist only inside a trace.
// No global (otel.SetTracerProvider) is touched.
//
// # One id for header, log and trace
//
// NewLogHandler adds trace_id and span_id to every record logged with a
// traced context. With requestid.TraceParent on the request ID middleware,
// a request that carries a traceparent gets its trace-id as request ID: the
// X-Request-ID response header, request_id in every log record, trace_id
// in those records and the trace in the tracing system are the same 32
// hex digits. Requests without one get a generated request ID, which
// AnnotateSpan puts on the span as the request_id attribute.
package telemetry
