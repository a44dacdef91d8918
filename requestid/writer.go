package requestid

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
)

// recorder is AccessLog's ResponseWriter wrapper: it remembers the status
// and counts body bytes while staying transparent to http.ResponseController
// (Flush, Hijack, deadlines, full duplex) through Unwrap.
type recorder struct {
	http.ResponseWriter
	status   int   // final status; 0 until one is sent
	bytes    int64 // body bytes written through the wrapper
	hijacked bool  // the handler took over the connection
	// undelivered: the handler wrote nothing under a cancelled context and
	// the implicit response could not be flushed (see sendImplicit).
	undelivered bool
	id          string // set by a Middleware inside AccessLog (see tellRecorder)
	pattern     string // route pattern passed up by a Middleware inside AccessLog (see passPattern)
}

var (
	_ http.ResponseWriter = (*recorder)(nil)
	_ http.Flusher        = (*recorder)(nil)
	_ http.Hijacker       = (*recorder)(nil)
	_ io.ReaderFrom       = (*recorder)(nil)
	_ interface {
		Unwrap() http.ResponseWriter
	} = (*recorder)(nil)
	_ interface{ FlushError() error } = (*recorder)(nil)
)

// WriteHeader records the first final status and passes every call on, so
// net/http keeps its own behaviour: informational 1xx responses (except 101,
// which is final) may precede the final one, and later calls are ignored by
// the server with its "superfluous WriteHeader" warning.
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write sends the implicit 200 first, as net/http does, and counts bytes.
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the sendfile/splice fast path of the underlying writer
// (io.Copy into a ResponseWriter uses it) while counting bytes.
func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.ResponseWriter}, src)
	}
	w.bytes += n
	return n, err
}

// writerOnly hides ReadFrom so io.Copy does not recurse into it.
type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client; a flush sends the header with an
// implicit 200 if none was written.
func (w *recorder) Flush() { _ = w.FlushError() }

// FlushError is Flush for http.ResponseController, reporting
// http.ErrNotSupported when the underlying writer cannot flush.
func (w *recorder) FlushError() error {
	err := http.NewResponseController(w.ResponseWriter).Flush()
	if err == nil && w.status == 0 {
		w.status = http.StatusOK
	}
	return err
}

// Hijack hands the connection to the handler (WebSocket upgrades). A
// hijacked request is logged with hijacked=true and, if the handler wrote no
// status through the ResponseWriter, status 101: after a hijack the status
// goes over the raw connection, where the wrapper cannot see it, and
// switching protocols is what connections are hijacked for.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
		if w.status == 0 {
			w.status = http.StatusSwitchingProtocols
		}
	}
	return conn, rw, err
}

// sendImplicit sends the response net/http would send for a handler that
// wrote nothing (200, and Content-Length: 0 unless head or the handler set
// one) and flushes it, so the connection's answer decides whether the client
// is gone. It is called only after the handler returned without writing
// under a cancelled request context.
func (w *recorder) sendImplicit(head bool) {
	h := w.ResponseWriter.Header()
	if !head && len(h["Content-Length"]) == 0 {
		h["Content-Length"] = []string{"0"}
	}
	w.status = http.StatusOK
	w.ResponseWriter.WriteHeader(http.StatusOK)
	err := http.NewResponseController(w.ResponseWriter).Flush()
	// A writer that cannot flush was handed the 200; nothing says it failed.
	w.undelivered = err != nil && !errors.Is(err, http.ErrNotSupported)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
