// Package respond writes every JSON response of an API in one envelope, so
// clients handle success and failure the same way everywhere:
//
//	{"success":true,"data":{...},"meta":{"page":1,"limit":10,"total":100},"timestamp":"2025-11-13T10:00:00.000Z","requestId":"..."}
//	{"success":false,"error":{"code":"MODULE_NOT_FOUND","message":"Module not found","details":...},"timestamp":"...","requestId":"..."}
//
// Handlers return data with OK, JSON or OKWithMeta and failures with Error:
//
//	func getModule(w http.ResponseWriter, r *http.Request) {
//		m, err := store.Module(r.Context(), r.PathValue("id"))
//		if err != nil {
//			respond.Error(w, r, err) // 500, logged with the request ID, never leaked
//			return
//		}
//		if m == nil {
//			respond.Error(w, r, respond.NewError(respond.CodeModuleNotFound, ""))
//			return
//		}
//		respond.OK(w, r, m)
//	}
//
// Why a package for this: hand-written json.NewEncoder(w).Encode calls drift
// apart (some send a timestamp, some leak err.Error() to the client, some
// write half a body and then fail). Here every body is encoded into a pooled
// buffer first and sent with Content-Length, Content-Type and
// X-Content-Type-Options: nosniff; an encoding failure becomes a clean 500
// envelope. The timestamp is UTC with milliseconds (JavaScript's
// toISOString), and requestId comes from requestid.FromContext.
//
// # Errors
//
// Error classifies any error, in this order (each with errors.As):
//
//  1. *APIError is rendered as given (Status, Code, Message, Details; its
//     Cause is never sent).
//  2. An error implementing ValidationError (validate.Errors does) becomes 400
//     VALIDATION_ERROR, message "request validation failed", details =
//     ValidationDetails().
//  3. *http.MaxBytesError becomes 413 PAYLOAD_TOO_LARGE.
//  4. An error implementing StatusCoder with a 4xx status becomes that status,
//     the code for it (CodeForStatus) and its own Error() text as the
//     message (without the prefixes of wrappers around it).
//  5. context.Canceled, when the request's own context is cancelled too,
//     means the client went away (closed the connection, reset the stream):
//     it becomes 499 CLIENT_CLOSED_REQUEST, logged at info level, so access
//     logs and metrics count it as a client event, not a server error. A
//     Canceled error while the request is still live comes from the server's
//     own code and is handled as in 7. Over HTTP/1.x net/http also cancels
//     the context when the client only closed its sending side
//     (shutdown(SHUT_WR)) and still reads; the status has to be chosen
//     before the first byte is written, and nothing before that tells the
//     two cases apart, so such a client receives this 499 envelope, and an
//     access log (requestid.AccessLog) records the 499 it was sent: the log
//     and the wire agree. The work was abandoned because of the client's
//     close; 499 says so, where a 5xx would page someone for a client event.
//  6. context.DeadlineExceeded becomes 504 TIMEOUT.
//  7. Anything else becomes 500 INTERNAL_ERROR with a generic message; the
//     real error is logged with the request ID.
//
// ValidationError and StatusCoder are the contract with validators: a
// package such as validate implements ValidationDetails() or StatusCode()
// on its errors and never imports respond. Every 5xx is logged at error
// level.
//
// Error responses also carry Cache-Control: no-store. A client that asks for
// application/problem+json in Accept gets RFC 9457 problem details instead
// of the envelope (WithProblemDetails turns this off).
//
// # Middleware
//
// Recover turns a panic into a 500 envelope and logs the stack with the
// request ID. MuxErrors turns http.ServeMux's plain-text 404 and 405 answers
// into envelopes (keeping the Allow header). NotFound and MethodNotAllowed are
// handlers for routers that take them (chi's NotFound and MethodNotAllowed).
//
// # Configuration
//
// The package-level functions use the default configuration: slog.Default()
// for logs, time.Now for timestamps. New(opts...) returns a Responder whose
// methods mirror them with a chosen logger (WithLogger) and clock (WithClock).
//
// Every record respond writes (the cause of each 5xx, a 499 at info, a
// recovered panic with its stack, an encoding failure) carries request_id.
// A server with its own logger should hand it over, so these records land
// in its log and not as text lines on stderr (slog.Default()'s output until
// slog.SetDefault is called): build one Responder with WithLogger(logger)
// and use its methods and its middleware (rs.Error, rs.OK, rs.MuxErrors,
// Recover(WithLogger(logger)), MuxErrors(WithLogger(logger))), or call
// slog.SetDefault(logger) at start-up if handlers use the package-level
// functions.
package respond
