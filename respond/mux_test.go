package respond

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newMux builds a Go 1.22+ ServeMux with method patterns and a few handlers
// that write their own 404s.
func newMux(t *testing.T, rs *Responder) *http.ServeMux {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /modules/{id}", func(w http.ResponseWriter, r *http.Request) {
		rs.OK(w, r, map[string]string{"id": r.PathValue("id")})
	})
	mux.HandleFunc("POST /modules", func(w http.ResponseWriter, r *http.Request) {
		rs.JSON(w, r, http.StatusCreated, "made")
	})
	mux.HandleFunc("GET /own-text-404", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "nothing here, try /modules\n")
	})
	mux.HandleFunc("GET /empty-404", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
	})
	mux.HandleFunc("GET /html-404", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "404 page not found\n")
	})
	mux.HandleFunc("GET /module-missing", func(w http.ResponseWriter, r *http.Request) {
		rs.Error(w, r, NewError(CodeModuleNotFound, ""))
	})
	mux.HandleFunc("GET /calls-notfound", http.NotFound)
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad thing", http.StatusBadRequest)
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.Dir(t.TempDir()))))
	return mux
}

func TestMuxErrors(t *testing.T) {
	t.Parallel()
	envelope := func(code, message, details string) string {
		if details != "" {
			details = `,"details":` + details
		}
		return `{"success":false,"error":{"code":"` + code + `","message":"` + message + `"` + details + `},"timestamp":"` + fixedStamp + `","requestId":"mux-1"}`
	}
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantBody   string
		wantAllow  string
		wantCT     string
	}{
		{"unknown path", "GET", "/nope", 404, envelope("NOT_FOUND", "Resource not found", ""), "", "application/json; charset=utf-8"},
		{"wrong method on a method pattern", "DELETE", "/modules/7", 405,
			envelope("METHOD_NOT_ALLOWED", "Method not allowed", `{"allow":["GET","HEAD"]}`), "GET, HEAD", "application/json; charset=utf-8"},
		{"wrong method, single allowed", "PUT", "/modules", 405,
			envelope("METHOD_NOT_ALLOWED", "Method not allowed", `{"allow":["POST"]}`), "POST", "application/json; charset=utf-8"},
		{"matched route untouched", "GET", "/modules/7", 200,
			`{"success":true,"data":{"id":"7"},"timestamp":"` + fixedStamp + `","requestId":"mux-1"}`, "", "application/json; charset=utf-8"},
		{"http.NotFound in a handler", "GET", "/calls-notfound", 404, envelope("NOT_FOUND", "Resource not found", ""), "", "application/json; charset=utf-8"},
		{"FileServer's 404", "GET", "/static/missing.txt", 404, envelope("NOT_FOUND", "Resource not found", ""), "", "application/json; charset=utf-8"},
		{"own text 404 passes through", "GET", "/own-text-404", 404, "nothing here, try /modules\n", "", "text/plain; charset=utf-8"},
		{"empty text 404 passes through", "GET", "/empty-404", 404, "", "", "text/plain; charset=utf-8"},
		{"html 404 passes through", "GET", "/html-404", 404, "404 page not found\n", "", "text/html"},
		{"envelope 404 passes through", "GET", "/module-missing", 404, envelope("MODULE_NOT_FOUND", "Module not found", ""), "", "application/json; charset=utf-8"},
		{"other plain errors pass through", "GET", "/bad", 400, "bad thing\n", "", "text/plain; charset=utf-8"},
		{"HEAD of an unknown path", "HEAD", "/nope", 404, "", "", "application/json; charset=utf-8"},
	}
	rs, _ := newTestResponder()
	srv := httptest.NewServer(withID("mux-1", rs.MuxErrors(newMux(t, rs))))
	t.Cleanup(srv.Close) // the parallel subtests run after this function returns
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantBody, string(body))
			assert.Equal(t, tt.wantAllow, resp.Header.Get("Allow"))
			assert.Equal(t, tt.wantCT, resp.Header.Get("Content-Type"))
			if tt.wantCT == "application/json; charset=utf-8" && tt.method != "HEAD" {
				assert.Equal(t, strconv.Itoa(len(body)), resp.Header.Get("Content-Length"))
			}
		})
	}
}

func TestMuxErrorsProblemDetails(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	srv := httptest.NewServer(rs.MuxErrors(newMux(t, rs)))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodPatch, srv.URL+"/modules/1", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/problem+json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
	assert.Equal(t, `{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"Method not allowed","code":"METHOD_NOT_ALLOWED","details":{"allow":["GET","HEAD"]},"timestamp":"`+fixedStamp+`"}`, string(body))
}

func TestMuxErrorsStreamingAndInterfaces(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	flushed := make(chan error, 1)
	proceed := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		flushed <- http.NewResponseController(w).Flush()
		<-proceed
		_, _ = io.WriteString(w, "second\n")
	})
	mux.HandleFunc("GET /readfrom", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.(io.ReaderFrom).ReadFrom(strings.NewReader("copied"))
	})
	mux.HandleFunc("GET /hijack", func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = brw.Flush()
	})
	srv := httptest.NewServer(rs.MuxErrors(mux))
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/stream")
	require.NoError(t, err)
	require.NoError(t, <-flushed)
	line := make([]byte, len("first\n"))
	_, err = io.ReadFull(resp.Body, line)
	require.NoError(t, err)
	assert.Equal(t, "first\n", string(line), "flushed before the handler finished")
	close(proceed)
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "second\n", string(rest))

	for path, want := range map[string]string{"/readfrom": "copied", "/hijack": "hijacked"} {
		resp, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, want, string(body), path)
	}
}

func TestMuxWriterHeldStatus(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	newHeld := func() (*muxWriter, *httptest.ResponseRecorder) {
		rec := httptest.NewRecorder()
		w := &muxWriter{ResponseWriter: rec, rs: rs, r: newRequest(t, http.MethodGet, "/", "")}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		return w, rec
	}
	// A second WriteHeader while held is superfluous and dropped.
	w, rec := newHeld()
	w.WriteHeader(http.StatusTeapot)
	_, err := w.Write(plainNotFound)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Contains(t, rec.Body.String(), `"NOT_FOUND"`)
	// Flush releases a held status unchanged.
	w, rec = newHeld()
	w.Flush()
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.True(t, rec.Flushed)
	// ReadFrom releases it too and copies the body.
	var n int64
	w, rec = newHeld()
	n, err = w.ReadFrom(strings.NewReader("abc"))
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
	assert.Equal(t, "abc", rec.Body.String())
	assert.Equal(t, http.StatusNotFound, rec.Code)
	// After a replacement, further writes are discarded.
	w, rec = newHeld()
	_, err = w.Write(plainNotFound)
	require.NoError(t, err)
	_, err = w.Write([]byte("more"))
	require.NoError(t, err)
	w.WriteHeader(http.StatusTeapot)
	_, err = w.ReadFrom(strings.NewReader("x"))
	require.NoError(t, err)
	var env Envelope[any]
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
	assert.Equal(t, CodeNotFound, env.Error.Code)
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Same(t, rec, w.Unwrap())
}

func TestNotFoundAndMethodNotAllowedHandlers(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	NotFound(rec, newRequest(t, http.MethodGet, "/x", "h-1"))
	assert.Equal(t, http.StatusNotFound, rec.Code)
	var env Envelope[any]
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
	assert.Equal(t, CodeNotFound, env.Error.Code)
	assert.Equal(t, "h-1", env.RequestID)

	rec = httptest.NewRecorder()
	rec.Header().Add("Allow", "GET, POST")
	rec.Header().Add("Allow", "OPTIONS")
	MethodNotAllowed(rec, newRequest(t, http.MethodDelete, "/x", ""))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, []string{"GET, POST", "OPTIONS"}, rec.Header().Values("Allow"), "Allow is kept")
	assert.Contains(t, rec.Body.String(), `"details":{"allow":["GET","POST","OPTIONS"]}`)

	rec = httptest.NewRecorder()
	MethodNotAllowed(rec, newRequest(t, http.MethodDelete, "/x", ""))
	assert.NotContains(t, rec.Body.String(), "details", "no Allow header, no details")
}
