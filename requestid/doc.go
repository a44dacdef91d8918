// Package requestid gives every HTTP request a correlation ID: it reads a
// well-formed X-Request-ID from the client (or generates a UUID), keeps it in
// the request context, echoes it in the response, adds it to every slog
// record logged with that context, and forwards it on outgoing requests.
package requestid
