package respond

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecoverBeforeResponseStarted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantLog string
	}{
		{"panic with a value", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("X-Trace", "kept")
			panic("db password is hunter2")
		}, "db password is hunter2"},
		{"panic with nil", func(w http.ResponseWriter, r *http.Request) {
			panic(nil) // a *runtime.PanicNilError since Go 1.21
		}, "panic called with nil argument"},
		{"panic after 103 Early Hints", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			panic("late")
		}, "late"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, logs := newTestResponder()
			srv := httptest.NewServer(withID("rec-1", rs.Recover(tt.handler)))
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			assert.Equal(t, `{"success":false,"error":{"code":"INTERNAL_ERROR","message":"An internal error occurred"},"timestamp":"`+fixedStamp+`","requestId":"rec-1"}`, string(body))
			assert.Empty(t, resp.Header.Get("Content-Encoding"), "headers for the unsent body are dropped")
			assert.Empty(t, resp.Header.Get("ETag"))
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			if tt.name == "panic with a value" {
				assert.Equal(t, "kept", resp.Header.Get("X-Trace"))
			}

			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(logs.String()), &rec))
			assert.Equal(t, "ERROR", rec["level"])
			assert.Equal(t, "rec-1", rec["request_id"])
			assert.Contains(t, rec["panic"], tt.wantLog)
			assert.Equal(t, false, rec["response_started"])
			assert.Contains(t, rec["stack"], "recover_test.go", "the stack points at the panicking handler")
		})
	}
}

func TestRecoverAfterResponseStartedAbortsConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"after body bytes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "partial ")
			http.NewResponseController(w).Flush()
			panic("mid-stream")
		}},
		{"after WriteHeader only", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			panic("after header")
		}},
		{"after Flush only", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			panic("after flush")
		}},
		{"after ReadFrom", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.(io.ReaderFrom).ReadFrom(strings.NewReader("from reader"))
			panic("after readfrom")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, logs := newTestResponder()
			srv := httptest.NewServer(withID("rec-2", rs.Recover(tt.handler)))
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err == nil {
				body, readErr := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.Error(t, readErr, "the connection is aborted, not completed: got %q", body)
				assert.NotContains(t, string(body), "success", "no envelope appended to a started body")
			}
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(logs.String()), &rec))
			assert.Equal(t, true, rec["response_started"])
			assert.Equal(t, "rec-2", rec["request_id"])
		})
	}
}

func TestRecoverRepanicsErrAbortHandler(t *testing.T) {
	t.Parallel()
	rs, logs := newTestResponder()
	h := rs.Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	rec := httptest.NewRecorder()
	var got any
	func() {
		defer func() { got = recover() }()
		h.ServeHTTP(rec, newRequest(t, http.MethodGet, "/", ""))
	}()
	assert.Same(t, http.ErrAbortHandler, got)
	assert.Empty(t, rec.Body.String())
	assert.Empty(t, logs.String(), "an intentional abort is not an error")
}

func TestRecoverPassesThroughWithoutPanic(t *testing.T) {
	t.Parallel()
	rs, logs := newTestResponder()
	h := rs.Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rs.OK(w, r, "fine") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRequest(t, http.MethodGet, "/", ""))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `"data":"fine"`)
	assert.Empty(t, logs.String())
}

func TestRecoverWriterKeepsInterfaces(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	type result struct {
		unwrapped bool
		deadline  error
		hijackErr error
	}
	results := make(chan result, 1)
	srv := httptest.NewServer(rs.Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var res result
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		res.unwrapped = ok && u.Unwrap() != nil
		rc := http.NewResponseController(w)
		res.deadline = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		conn, brw, err := rc.Hijack()
		res.hijackErr = err
		if err == nil {
			_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			_ = brw.Flush()
			_ = conn.Close()
		}
		results <- res
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "hijacked", string(body))
	res := <-results
	assert.True(t, res.unwrapped)
	assert.NoError(t, res.deadline, "ResponseController reaches the connection through Unwrap")
	assert.NoError(t, res.hijackErr)
}

// plainWriter implements only http.ResponseWriter: no Flush, Hijack or ReadFrom.
type plainWriter struct {
	h    http.Header
	body strings.Builder
	code int
}

func (p *plainWriter) Header() http.Header         { return p.h }
func (p *plainWriter) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *plainWriter) WriteHeader(code int)        { p.code = code }

func TestRecoverWriterStartedTracking(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		do      func(w *recoverWriter) error
		started bool
	}{
		{"nothing", func(*recoverWriter) error { return nil }, false},
		{"informational status", func(w *recoverWriter) error { w.WriteHeader(http.StatusEarlyHints); return nil }, false},
		{"final status", func(w *recoverWriter) error { w.WriteHeader(http.StatusOK); return nil }, true},
		{"switching protocols", func(w *recoverWriter) error { w.WriteHeader(http.StatusSwitchingProtocols); return nil }, true},
		{"write", func(w *recoverWriter) error { _, err := w.Write([]byte("x")); return err }, true},
		{"read from without ReaderFrom", func(w *recoverWriter) error {
			_, err := w.ReadFrom(strings.NewReader("abc"))
			return err
		}, true},
		{"failed hijack", func(w *recoverWriter) error {
			_, _, err := w.Hijack()
			if err == nil {
				return io.ErrUnexpectedEOF
			}
			return nil
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pw := &plainWriter{h: http.Header{}}
			w := &recoverWriter{ResponseWriter: pw}
			require.NoError(t, tt.do(w))
			assert.Equal(t, tt.started, w.started)
			assert.Same(t, pw, w.Unwrap())
		})
	}
	w := &recoverWriter{ResponseWriter: &plainWriter{h: http.Header{}}}
	assert.ErrorIs(t, w.FlushError(), http.ErrNotSupported, "Flush reports an unsupported writer")
}
