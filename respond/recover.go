package respond

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
)

// Recover returns middleware that turns a panic in the next handler into a
// 500 INTERNAL_ERROR envelope and logs the panic value and stack at error
// level with the request ID. The panic value is never sent to the client.
//
// If the response had already started when the panic happened (a status or
// body byte was written, the writer was flushed or hijacked), appending an
// envelope would corrupt it; Recover logs and then aborts the connection by
// panicking with http.ErrAbortHandler, which net/http handles silently.
// A panic with http.ErrAbortHandler itself is re-panicked untouched.
//
// Place Recover outside (before) middleware that buffers or rewrites the
// body, such as compression, and inside requestid.Middleware so the log
// carries the request ID.
func Recover(opts ...Option) func(http.Handler) http.Handler {
	return New(opts...).Recover
}

// Recover is the middleware of the package-level Recover with this
// Responder's configuration: mux.Handle("/", rs.Recover(h)).
func (rs *Responder) Recover(next http.Handler) http.Handler {
	if next == nil {
		panic("respond: Recover: next handler must not be nil")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recoverWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // compared by identity, as net/http does
				panic(v)
			}
			rs.log().LogAttrs(r.Context(), slog.LevelError, "respond: panic recovered",
				slog.String("request_id", requestID(r)),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)),
				slog.Bool("response_started", rw.started),
				slog.String("stack", string(debug.Stack())))
			if rw.started {
				panic(http.ErrAbortHandler)
			}
			// Headers the handler set for the body it never sent would
			// describe the wrong representation.
			h := w.Header()
			for _, k := range representationHeaders {
				delete(h, k)
			}
			rs.internal(w, r)
		}()
		next.ServeHTTP(rw, r)
	})
}

// representationHeaders are removed before a recovered panic's envelope is
// written.
var representationHeaders = []string{
	"Content-Encoding", "Content-Range", "Content-Disposition", "Content-Language",
	"Content-Location", "Etag", "Last-Modified", "Trailer",
}

// recoverWriter records whether the response has started.
type recoverWriter struct {
	http.ResponseWriter
	started bool
}

var (
	_ http.ResponseWriter             = (*recoverWriter)(nil)
	_ http.Flusher                    = (*recoverWriter)(nil)
	_ http.Hijacker                   = (*recoverWriter)(nil)
	_ io.ReaderFrom                   = (*recoverWriter)(nil)
	_ interface{ FlushError() error } = (*recoverWriter)(nil)
)

// WriteHeader forwards the status; a final status (or 101) starts the
// response, an informational one (103 Early Hints) does not.
func (w *recoverWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.started = true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write forwards p; the response has started.
func (w *recoverWriter) Write(p []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(p)
}

// ReadFrom forwards to the underlying writer's ReadFrom (sendfile) when it
// has one.
func (w *recoverWriter) ReadFrom(src io.Reader) (int64, error) {
	w.started = true
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Flush sends the buffered response; it has started.
func (w *recoverWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush with the error of the underlying writer, for
// http.ResponseController.
func (w *recoverWriter) FlushError() error {
	w.started = true
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack takes over the connection; after a successful hijack no envelope
// can be written.
func (w *recoverWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.started = true
	}
	return c, rw, err
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *recoverWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
