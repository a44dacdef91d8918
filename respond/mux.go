package respond

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
)

// MuxErrors returns middleware that replaces the plain-text 404 and 405
// answers of http.ServeMux (and of http.NotFound, http.StripPrefix and
// http.FileServer's not-found) with error envelopes, keeping the Allow header
// of a 405. Wrap the mux: http.ListenAndServe(addr, respond.MuxErrors()(mux)).
//
// It recognises those answers exactly: status 404 or 405, Content-Type
// text/plain; charset=utf-8 set by http.Error, and the body net/http writes
// ("404 page not found\n" or "Method Not Allowed\n"). Every other response,
// including a handler's own 404, passes through untouched; nothing is
// buffered except the status line of a candidate answer until its first
// body write.
func MuxErrors(opts ...Option) func(http.Handler) http.Handler {
	return New(opts...).MuxErrors
}

// MuxErrors is the middleware of the package-level MuxErrors with this
// Responder's configuration.
func (rs *Responder) MuxErrors(next http.Handler) http.Handler {
	if next == nil {
		panic("respond: MuxErrors: next handler must not be nil")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mw := &muxWriter{ResponseWriter: w, rs: rs, r: r}
		next.ServeHTTP(mw, r)
		mw.release()
	})
}

// NotFound writes a 404 NOT_FOUND envelope. It is an http.HandlerFunc, for
// routers that take a not-found handler (chi: r.NotFound(respond.NotFound)).
func NotFound(w http.ResponseWriter, r *http.Request) { defaultResponder.NotFound(w, r) }

// MethodNotAllowed writes a 405 METHOD_NOT_ALLOWED envelope; the Allow header
// the router set is kept and its methods are listed in details.allow. It is
// an http.HandlerFunc (chi: r.MethodNotAllowed(respond.MethodNotAllowed)).
func MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	defaultResponder.MethodNotAllowed(w, r)
}

// NotFound writes a 404 NOT_FOUND envelope with this Responder's configuration.
func (rs *Responder) NotFound(w http.ResponseWriter, r *http.Request) {
	rs.writeError(w, r, http.StatusNotFound, CodeNotFound, CodeNotFound.Message(), nil)
}

// MethodNotAllowed writes a 405 METHOD_NOT_ALLOWED envelope with this
// Responder's configuration.
func (rs *Responder) MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	var details any
	if allow := allowedMethods(w.Header().Values("Allow")); allow != nil {
		details = methodDetails{Allow: allow}
	}
	rs.writeError(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed, CodeMethodNotAllowed.Message(), details)
}

// methodDetails is the details member of a 405 envelope.
type methodDetails struct {
	Allow []string `json:"allow"`
}

// allowedMethods splits Allow header values into method names.
func allowedMethods(values []string) []string {
	var out []string
	for _, v := range values {
		for _, m := range strings.Split(v, ",") {
			if m = strings.TrimSpace(m); m != "" {
				out = append(out, m)
			}
		}
	}
	return out
}

// The bodies net/http writes for its own 404 and 405 answers (http.Error
// adds the newline).
var (
	plainNotFound         = []byte("404 page not found\n")
	plainMethodNotAllowed = []byte(http.StatusText(http.StatusMethodNotAllowed) + "\n")
)

// muxWriter holds back a 404 or 405 with http.Error's headers until the first
// body write shows whether it is net/http's plain answer.
type muxWriter struct {
	http.ResponseWriter
	rs *Responder
	r  *http.Request
	// held is the status of a candidate answer not yet forwarded, or 0.
	held int
	// headerDone is set once a final status has been decided.
	headerDone bool
	// replaced is set once the envelope has been written in place of the
	// plain answer; later writes are discarded.
	replaced bool
}

var (
	_ http.ResponseWriter             = (*muxWriter)(nil)
	_ http.Flusher                    = (*muxWriter)(nil)
	_ http.Hijacker                   = (*muxWriter)(nil)
	_ io.ReaderFrom                   = (*muxWriter)(nil)
	_ interface{ FlushError() error } = (*muxWriter)(nil)
)

// WriteHeader holds a candidate 404/405 and forwards everything else.
func (w *muxWriter) WriteHeader(code int) {
	if w.replaced || w.held != 0 {
		return // superfluous: the status is already decided
	}
	if !w.headerDone && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) &&
		isPlainError(w.Header()) {
		w.held, w.headerDone = code, true
		return
	}
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.headerDone = true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write replaces net/http's plain 404/405 body with an envelope and forwards
// every other body.
func (w *muxWriter) Write(p []byte) (int, error) {
	if w.replaced {
		return len(p), nil
	}
	if w.held != 0 {
		plain := plainNotFound
		if w.held == http.StatusMethodNotAllowed {
			plain = plainMethodNotAllowed
		}
		if bytes.Equal(p, plain) && isPlainError(w.Header()) {
			w.replace()
			return len(p), nil
		}
		w.release()
	}
	w.headerDone = true
	return w.ResponseWriter.Write(p)
}

// replace writes the envelope for the held status.
func (w *muxWriter) replace() {
	status := w.held
	w.held, w.replaced = 0, true
	if status == http.StatusMethodNotAllowed {
		w.rs.MethodNotAllowed(w.ResponseWriter, w.r)
		return
	}
	w.rs.NotFound(w.ResponseWriter, w.r)
}

// release forwards a held status unchanged.
func (w *muxWriter) release() {
	if w.held != 0 {
		status := w.held
		w.held = 0
		w.ResponseWriter.WriteHeader(status)
	}
}

// isPlainError reports whether h carries the headers http.Error sets.
func isPlainError(h http.Header) bool {
	ct := h[hdrContentType]
	return len(ct) == 1 && ct[0] == "text/plain; charset=utf-8"
}

// ReadFrom forwards to the underlying writer's ReadFrom when it has one.
func (w *muxWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.replaced {
		return io.Copy(io.Discard, src)
	}
	w.release()
	w.headerDone = true
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Flush forwards a held status and flushes.
func (w *muxWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush with the underlying writer's error, for
// http.ResponseController.
func (w *muxWriter) FlushError() error {
	w.release()
	w.headerDone = true
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hijacks the underlying connection.
func (w *muxWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *muxWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
