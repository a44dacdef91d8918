// Package requestid gives every HTTP request a correlation ID and carries it
// everywhere the request goes: the response header, the request context,
// every slog record logged with that context, the access log and outgoing
// HTTP calls. With one ID per request, a user's bug report ("my request
// failed, ID 0192…") leads to every log line of every service it touched.
//
// The shortest real use:
//
//	logger := slog.New(requestid.NewLogHandler(slog.NewJSONHandler(os.Stdout, nil)))
//	handler := requestid.Middleware()(requestid.AccessLog(logger)(mux))
//	http.ListenAndServe(":8080", handler)
//
// and inside a handler:
//
//	logger.InfoContext(r.Context(), "order created") // {"msg":"order created","request_id":"…"}
//	id := requestid.FromContext(r.Context())
//
// # Trusting incoming IDs
//
// An ID sent by the client (header X-Request-ID by default) is kept only if
// it is 1 to 128 bytes of [A-Za-z0-9._:+/=-]: that admits UUIDs, ULIDs,
// base64 and the IDs of common proxies and tracing systems, and rejects
// anything that could forge or break a log line (newlines, quotes, control
// bytes, non-ASCII) or bloat every record. A rejected value is replaced by a
// fresh UUIDv4 and never logged. Any client can still choose a well-formed
// ID, so a server on the open internet should use Edge (always generate),
// and one behind a load balancer that sets the header should use
// TrustedProxies to accept IDs only from it.
//
// IDs placed with NewContext pass the same check: a malformed one is ignored
// (the context is returned unchanged), so every ID that FromContext returns,
// the response header carries and the logs show is well formed, whichever
// way it entered.
//
// # Generating IDs
//
// New IDs are random UUIDv4 by default, or time-ordered UUIDv7 with the
// UUIDv7 option, or anything from a Generator function, or from a
// GeneratorContext function that reads the request context ("" falls back
// to the built-in UUIDs). Each Middleware reads crypto/rand in batches into
// its own buffer, so generating an ID costs about as much as chi's
// counter-based IDs and changes no global state.
//
// # Joining logs and traces
//
// With TraceParent, a request carrying one valid W3C traceparent header gets
// its 32-hex-digit trace-id as request ID, ahead of the ID header, so
// request_id in the logs is the trace id in the tracing system. The header
// is validated as the W3C specification says (lowercase hex, the exact
// lengths, version ff refused, trace-id and parent-id not all zeros, version
// 00 exactly 55 characters); anything else is ignored. It is client input
// like the ID header, so Edge ignores it and TrustedProxies limits it. At the
// edge, or for requests without trace context, GeneratorContext can take the
// trace id of the span a tracing middleware outside Middleware started.
//
// # Logging
//
// NewLogHandler wraps any slog.Handler so that records logged with a request
// context carry request_id, kept top-level even inside Logger.WithGroup.
// AccessLog writes one record per request (method, path, status, bytes,
// duration, request_id, remote address, user agent, and the route pattern
// http.ServeMux matched) at a level that follows the status. SkipPaths and
// SkipFunc leave health probes out; RequestAttrs adds attributes from the
// request. Middleware passes the route pattern back up to the request it
// received, so an AccessLog outside it logs the route too.
//
// The status AccessLog logs is the one the connection took, not a guess from
// the request context. net/http cancels the context when the client closes
// the connection, but over HTTP/1.x also when it only half-closes
// (shutdown(SHUT_WR)) and still reads. For a handler that wrote nothing
// under a cancelled context AccessLog sends the implicit empty 200 itself
// and logs 499 only if the connection refuses it (HTTP/2 stream reset,
// reset connection); otherwise 200, which is also what a client that fully
// closed an HTTP/1.x connection is logged with, since its kernel accepts
// that first write. A handler that answers a cancelled request itself is
// logged with what it wrote (respond.Error writes 499). A panic with
// http.ErrAbortHandler is an abort, not a crash: warn, aborted=true, 499 if
// nothing was sent, then re-panicked.
//
// # Metrics
//
// Observe gives AccessLog a hook that receives, per request, what the record
// holds as numbers (method, route, status, bytes, duration, panic/abort/
// hijack flags): wire it to Prometheus or OpenTelemetry in your program; the
// package itself depends on neither. The hook is synchronous, nil by
// default, and adds no allocation when set (TestAccessLogObserveAllocations,
// BenchmarkAccessLog).
//
// # Propagation
//
// Transport forwards the ID to the services you call, in the header the
// Middleware that stored it uses (Header option), so a fleet on
// X-Correlation-ID keeps X-Correlation-ID end to end; TransportHeader picks
// another name for one client. IDs placed with NewContext go out as
// DefaultHeader.
package requestid
