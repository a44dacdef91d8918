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
// # Client address
//
// One rule names the client for the rate limiter, wsauth's failure
// throttle, the access log and requestid: nexuskit's internal/clientaddr.
// The client is the connection's peer, unless the peer is in
// Options.TrustedProxies; then the rightmost address of X-Forwarded-For (ip
// or ip:port entries) or RFC 7239 Forwarded that is not itself a trusted
// proxy (when both headers name different clients, neither is believed). An
// entry that names no address ("unknown", an obfuscated identifier,
// garbage) stops the walk at the last trusted hop. The server applies the
// rule once, near the top of the stack, by rewriting RemoteAddr (port 0 when
// a proxy named the client), so every layer below agrees; requestid, above
// it, checks the real peer for its own TrustedProxies option.
//
// # WebSocket protocol
//
// GET /ws upgrades after the origin check (CORS_ORIGIN plus the server's own
// origin, checked by the server so that a single wsauth Middleware, with a
// single throttle, serves every origin) and wsauth's authentication. One
// JSON text message per event: {"id", "type", "data", "timestamp"}.
//
//   - hello comes first: {"subject", "expiresAt", "lastEventId"}.
//   - module.created, module.updated, module.deleted and safety.updated
//     follow, each with an id. IDs are opaque strings ordered by the event
//     source (today a per-process counter, "<epoch>-<seq>"; a distributed
//     bus would use its own ordered positions, such as Redis stream IDs).
//   - /ws?since=<id> resumes: the events after id, from a bounded history
//     (Options.EventHistory, default 1024), follow hello. When they cannot
//     (the ID is from another process, malformed, or older than the
//     history) a reset message follows hello instead: the client reloads its
//     state over HTTP; live events keep coming on the same socket.
//   - Every module and the safety status carry a version that the database
//     increments at each change (a deletion is one more than the last
//     version). A client keeps the copy with the higher version, so the
//     order in which events and page loads arrive does not matter.
//   - The server pings every Options.PingInterval (default 25 s, under the
//     60 s idle timeout common to proxies) and closes a peer that does not
//     answer within one interval. It closes with 1008 when the token
//     expires, 1001 when the server shuts down, 1013 when the client reads
//     too slowly to keep up.
//
// The handler of a socket returns when its client leaves: it waits on the
// connection's own context, which ends with the socket, not only on the
// request context, which a hijacked connection never ends.
//
// # Logging
//
// Everything logs through Options.Logger with the request ID: the access
// log, respond's record of a 5xx cause or panic, wsauth's audit records,
// requestid's. The 503 answers of /readyz while the server starts or shuts
// down are normal operation and logged at INFO; a 503 because the database
// is unreachable stays an ERROR.
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
