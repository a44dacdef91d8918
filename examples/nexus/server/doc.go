// Package server is the HTTP side of the NEXUS reference server: the API
// routes, the WebSocket event stream and the embedded dashboard, wrapped in
// the nexuskit middleware stack.
//
// It is a package (rather than part of package main) so that the benchmarks
// in examples/benchmarks can measure exactly the handler the server runs.
//
//	srv := server.New(server.Options{Store: st, Signer: wsauth.NewSigner(key)})
//	http.ListenAndServe(":5000", srv.Handler())
//
// # AI insights
//
// POST /api/modules/{id}/insights (bearer token; optional body
// {"prompt": "..."}, validated by validate, at most 2000 characters) asks
// Options.AI about the module. It answers Server-Sent Events unless the
// Accept header ranks application/json above text/event-stream, in which
// case the whole answer comes in one envelope:
//
//	event: chunk   data: {"text": "..."}               one per piece the model sends
//	event: done    data: {"moduleId", "provider", "model", "text", "usage", "finishReason", "durationMs"}
//	event: error   data: {"code", "message", "details"}  the envelope's error object
//
// The headers go out with the first event, so a failure before it is an
// envelope with its status: 502 AI_SERVICE_ERROR when the AI service is
// unreachable, answers a non-2xx status, or sends a malformed, cut-short or
// oversized answer; 504 TIMEOUT when it does not finish in time. After the
// first event the failure is the final error event. Each event is flushed
// (through compress: a gzip, br or zstd client decodes it at once). The
// upstream request is made with the request's context, so a client that
// leaves cancels it at once; Options.Draining closing ends it too, and the
// stream then ends with an error event 503 SERVICE_UNAVAILABLE, details
// {"reason": "restarting"}. The handler is wrapped in Options.LongLived,
// so the shutdown waits for that last event.
package server
