package requestid

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitRecord waits for the access record of path: the server may answer the
// client before the deferred access log is written.
func waitRecord(t *testing.T, logs *logBuffer, path string) map[string]any {
	t.Helper()
	var found []map[string]any
	require.Eventually(t, func() bool {
		found = found[:0]
		for _, r := range logs.Records(t) {
			if r["msg"] == "http request" && r["path"] == path {
				found = append(found, r)
			}
		}
		return len(found) > 0
	}, 5*time.Second, 5*time.Millisecond, "no access record for %s", path)
	time.Sleep(10 * time.Millisecond)
	require.Len(t, found, 1, "exactly one record per request")
	return found[0]
}

func TestAccessLogRecords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  int // on the wire and in the record
		bytes   int
		level   string
	}{
		{"body", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello") }, 200, 5, "INFO"},
		{"implicit 200, no body", func(http.ResponseWriter, *http.Request) {}, 200, 0, "INFO"},
		{"created", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201); fmt.Fprint(w, "{}") }, 201, 2, "INFO"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/x", http.StatusFound) }, 302, 0, "INFO"},
		{"not found", http.NotFound, 404, 19, "WARN"},
		{"too many", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(429) }, 429, 0, "WARN"},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) }, 500, 5, "ERROR"},
		{"unavailable", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }, 503, 0, "ERROR"},
		{"second WriteHeader ignored", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(202)
			w.WriteHeader(500)
		}, 202, 0, "INFO"},
		{"status after body ignored", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "ok")
			w.WriteHeader(500)
		}, 200, 2, "INFO"},
		{"1xx before final", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Link", "</app.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusBadRequest)
		}, 400, 0, "WARN"},
		{"io.Copy counts bytes", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.Copy(w, strings.NewReader(strings.Repeat("z", 10000)))
		}, 200, 10000, "INFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newJSONLogger()
			srv := httptest.NewServer(Middleware()(AccessLog(logger)(tt.handler)))
			t.Cleanup(srv.Close)
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/p/"+tt.name+"?token=secret", strings.NewReader("in"))
			require.NoError(t, err)
			req.Header.Set("User-Agent", "tester/1.0")
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := client.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.NoError(t, res.Body.Close())
			assert.Equal(t, tt.status, res.StatusCode)

			rec := waitRecord(t, logs, "/p/"+tt.name)
			assert.Equal(t, tt.level, rec["level"])
			assert.Equal(t, "POST", rec["method"])
			assert.EqualValues(t, tt.status, rec["status"])
			assert.EqualValues(t, tt.bytes, rec["bytes"])
			assert.EqualValues(t, len(body), rec["bytes"], "bytes equals the body the client got")
			assert.Equal(t, res.Header.Get(DefaultHeader), rec["request_id"])
			assert.Regexp(t, uuidV4, rec["request_id"])
			assert.Equal(t, "tester/1.0", rec["user_agent"])
			assert.Contains(t, rec["remote_addr"], "127.0.0.1:")
			assert.Greater(t, rec["duration"], 0.0)
			assert.NotContains(t, logs.String(), "secret", "the query is not logged")
			assert.NotContains(t, rec, "panic")
			assert.NotContains(t, rec, "hijacked")
		})
	}
}

func TestAccessLogOutsideMiddleware(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	// AccessLog outside; a wrapper with Unwrap sits between them, as another
	// middleware (compression, say) would.
	between := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(unwrapper{w}, r)
		})
	}
	srv := httptest.NewServer(AccessLog(logger)(between(Middleware()(echoID(t, DefaultHeader)))))
	t.Cleanup(srv.Close)
	hdr, seen := get(t, srv.URL+"/outside", DefaultHeader, "outer-id-1")
	assert.Equal(t, []string{"outer-id-1"}, hdr)
	rec := waitRecord(t, logs, "/outside")
	assert.Equal(t, seen, rec["request_id"])
}

type unwrapper struct{ http.ResponseWriter }

func (u unwrapper) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func TestAccessLogWithLogHandlerHasOneRequestID(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(logs, nil)))
	srv := httptest.NewServer(Middleware()(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
	}))))
	t.Cleanup(srv.Close)
	_, _ = get(t, srv.URL+"/one", DefaultHeader, "abc-9")
	waitRecord(t, logs, "/one")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2)
	for _, line := range lines {
		assert.Equal(t, 1, strings.Count(line, `"request_id":"abc-9"`), line)
	}
}

// TestAccessLogPanic: an ordinary panic is logged at error level with
// panic=true and continues to net/http with its value.
func TestAccessLogPanic(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	h := Middleware()(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/late" {
			w.WriteHeader(http.StatusAccepted)
		}
		panicHere()
	})))
	for _, tc := range []struct {
		path   string
		status float64
	}{{"/early", 500}, {"/late", 202}} {
		func() {
			defer func() {
				assert.Equal(t, "boom", recover(), "the panic continues with its value")
				assert.Contains(t, string(debug.Stack()), "requestid.panicHere", "an outer recovery still sees where it panicked")
			}()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tc.path, nil))
		}()
		rec := waitRecord(t, logs, tc.path)
		assert.Equal(t, "ERROR", rec["level"])
		assert.Equal(t, true, rec["panic"])
		assert.NotContains(t, rec, "aborted")
		assert.Equal(t, tc.status, rec["status"])
	}
}

//go:noinline
func panicHere() { panic("boom") }

// TestAccessLogAbortHandler: http.ErrAbortHandler (ReverseProxy's "client
// went away") is an abort, not a crash: logged at warn as aborted, status 499
// when nothing was sent, no panic flag, and the abort continues to net/http.
func TestAccessLogAbortHandler(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	srv := httptest.NewServer(Middleware()(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/late" {
			w.WriteHeader(http.StatusAccepted)
		}
		panic(http.ErrAbortHandler) // net/http aborts the connection quietly
	}))))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		path   string
		status float64
	}{{"/early", 499}, {"/late", 202}} {
		_, err := http.Get(srv.URL + tc.path)
		assert.Error(t, err, "the connection is aborted, not answered")
		rec := waitRecord(t, logs, tc.path)
		assert.Equal(t, "WARN", rec["level"])
		assert.Equal(t, true, rec["aborted"])
		assert.NotContains(t, rec, "panic")
		assert.Equal(t, tc.status, rec["status"])
	}

	// The value reaches the caller unchanged (net/http compares it with ==).
	h := AccessLog(logger)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() { assert.Same(t, http.ErrAbortHandler, recover()) }()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/direct", nil))
}

func TestAccessLogFlush(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	release := make(chan struct{})
	srv := httptest.NewServer(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := w.(http.Flusher)
		assert.True(t, ok, "the wrapper is an http.Flusher")
		// Only reachable through Unwrap: the wrapper has no deadline methods.
		assert.NoError(t, http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)), "Unwrap reaches the connection")
		fmt.Fprint(w, "first\n")
		assert.NoError(t, http.NewResponseController(w).Flush(), "ResponseController reaches Flush")
		<-release
		fmt.Fprint(w, "second\n")
		w.(http.Flusher).Flush()
	})))
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/stream")
	require.NoError(t, err)
	defer res.Body.Close()
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "first\n", line, "the first chunk arrives before the handler ends")
	close(release)
	rec := waitRecord(t, logs, "/stream")
	assert.EqualValues(t, 200, rec["status"])
	assert.EqualValues(t, 13, rec["bytes"])
}

func TestAccessLogFlushNotSupported(t *testing.T) {
	t.Parallel()
	rec := &recorder{ResponseWriter: plainWriter{httptest.NewRecorder()}}
	assert.ErrorIs(t, rec.FlushError(), http.ErrNotSupported)
	assert.Zero(t, rec.status, "a failed flush sends no status")
	_, _, err := rec.Hijack()
	assert.ErrorIs(t, err, http.ErrNotSupported)
	assert.False(t, rec.hijacked)
	n, err := rec.ReadFrom(strings.NewReader("abc"))
	assert.NoError(t, err)
	assert.EqualValues(t, 3, n)
	assert.EqualValues(t, 3, rec.bytes)
}

// plainWriter is a ResponseWriter with nothing but the three methods.
type plainWriter struct{ w http.ResponseWriter }

func (p plainWriter) Header() http.Header         { return p.w.Header() }
func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p plainWriter) WriteHeader(code int)        { p.w.WriteHeader(code) }

func TestAccessLogHijack(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	srv := httptest.NewServer(Middleware()(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if !assert.NoError(t, err) {
			return
		}
		defer conn.Close()
		fmt.Fprint(brw, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		assert.NoError(t, brw.Flush())
	}))))
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/hijack")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	assert.Equal(t, "raw", string(body))
	rec := waitRecord(t, logs, "/hijack")
	assert.Equal(t, true, rec["hijacked"])
	assert.EqualValues(t, http.StatusSwitchingProtocols, rec["status"])
}

func TestAccessLogDisabledLevel(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/good", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/bad", nil))
	recs := logs.Records(t)
	require.Len(t, recs, 1, "info is below the logger's level")
	assert.Equal(t, "/bad", recs[0]["path"])
}

// TestAccessLogNilLogger changes slog's default logger, so it does not run
// in parallel.
func TestAccessLogNilLogger(t *testing.T) {
	logs := &logBuffer{}
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	h := AccessLog(nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, nil))) // after construction: looked up per request
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/default", nil))
	recs := logs.Records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "/default", recs[0]["path"])
}

// TestAccessLogClientGone cancels a real HTTP/2 request while the handler
// waits on its context and returns without writing: the stream is reset, the
// implicit 200 cannot be delivered, so the record says 499 at warn level.
func TestAccessLogClientGone(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	started := make(chan struct{})
	srv := httptest.NewUnstartedServer(Middleware()(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", nil)
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() {
		res, err := srv.Client().Do(req)
		if err == nil {
			assert.Equal(t, 2, res.ProtoMajor)
			res.Body.Close()
		}
		errc <- err
	}()
	<-started
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	rec := waitRecord(t, logs, "/slow")
	assert.EqualValues(t, 499, rec["status"])
	assert.Equal(t, "WARN", rec["level"])
	assert.EqualValues(t, 0, rec["bytes"])
}

// TestAccessLogHalfClose: a client that closes its sending side
// (shutdown(SHUT_WR)) after the request still reads the answer. net/http
// cancels the request context all the same; the handler returns without
// writing, the client receives the implicit 200, and the record says 200.
func TestAccessLogHalfClose(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	srv := httptest.NewServer(Middleware()(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
			t.Error("the half-close did not cancel the request context; the test proves nothing")
		}
	}))))
	t.Cleanup(srv.Close)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		_, err = fmt.Fprintf(conn, "%s /half-%s HTTP/1.1\r\nHost: example\r\n\r\n", method, method)
		require.NoError(t, err)
		require.NoError(t, conn.(*net.TCPConn).CloseWrite())
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
		require.NoError(t, err, "the client reads an answer")
		assert.Equal(t, http.StatusOK, res.StatusCode)
		require.NoError(t, conn.Close())

		rec := waitRecord(t, logs, "/half-"+method)
		assert.EqualValues(t, 200, rec["status"], "the client received the 200")
		assert.Equal(t, "INFO", rec["level"])
	}
}

type copyKey struct{}

// TestAccessLogRoute: the route pattern the mux matched is logged wherever
// AccessLog sits: inside Middleware, outside it, behind a middleware that
// copies the request, and when the handler panics.
func TestAccessLogRoute(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "panic" {
			panic("boom")
		}
	})
	copying := func(next http.Handler) http.Handler { // replaces the request, as many middlewares do
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(unwrapper{w}, r.WithContext(context.WithValue(r.Context(), copyKey{}, 1)))
		})
	}
	tests := []struct {
		name  string
		chain func(al func(http.Handler) http.Handler) http.Handler
	}{
		{"inside Middleware", func(al func(http.Handler) http.Handler) http.Handler { return Middleware()(al(mux)) }},
		{"outside Middleware", func(al func(http.Handler) http.Handler) http.Handler { return al(Middleware()(mux)) }},
		{"outside a copying middleware and Middleware", func(al func(http.Handler) http.Handler) http.Handler {
			return al(copying(Middleware()(mux)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newJSONLogger()
			h := tt.chain(AccessLog(logger))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/orders/42", nil))
			func() {
				defer func() { assert.Equal(t, "boom", recover()) }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/orders/panic", nil))
			}()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/nowhere", nil))
			recs := logs.Records(t)
			require.Len(t, recs, 3)
			assert.Equal(t, "GET /orders/{id}", recs[0]["route"])
			assert.Equal(t, "GET /orders/{id}", recs[1]["route"], "also when the handler panicked")
			assert.Equal(t, true, recs[1]["panic"])
			assert.NotContains(t, recs[2], "route", "no route matched: no attribute")
			assert.EqualValues(t, 404, recs[2]["status"])
		})
	}
}

func TestAccessLogSkip(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	ran := 0
	h := AccessLog(logger,
		SkipPaths("/healthz", "/readyz"),
		SkipFunc(func(r *http.Request) bool { return strings.HasPrefix(r.UserAgent(), "kube-probe/") }),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran++ }))
	for _, tc := range []struct{ path, ua string }{
		{"/healthz", ""}, {"/readyz", ""}, {"/healthz/deep", ""}, {"/api", "kube-probe/1.30"}, {"/api", "curl/8"},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.Header.Set("User-Agent", tc.ua)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	assert.Equal(t, 5, ran, "skipped requests are still served")
	recs := logs.Records(t)
	require.Len(t, recs, 2)
	assert.Equal(t, "/healthz/deep", recs[0]["path"], "exact paths only")
	assert.Equal(t, "curl/8", recs[1]["user_agent"])
}

func TestAccessLogRequestAttrs(t *testing.T) {
	t.Parallel()
	logger, logs := newJSONLogger()
	h := AccessLog(logger, RequestAttrs(func(r *http.Request) []slog.Attr {
		return []slog.Attr{slog.String("tenant", r.Header.Get("X-Tenant")), slog.String("proto", r.Proto)}
	}))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest(http.MethodGet, "/t", nil)
	req.Header.Set("X-Tenant", "acme")
	h.ServeHTTP(httptest.NewRecorder(), req)
	recs := logs.Records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "acme", recs[0]["tenant"])
	assert.Equal(t, "HTTP/1.1", recs[0]["proto"])
	assert.Equal(t, "/t", recs[0]["path"], "the standard attributes stay")
}

func TestAccessLogObserve(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []Observation
	)
	logs := &logBuffer{}
	// Warn level: the info records are not written, the hook still runs.
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "hello")
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("GET /abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	h := Middleware()(AccessLog(logger, SkipPaths("/healthz"), Observe(func(r *http.Request, o Observation) {
		assert.NotEmpty(t, FromContext(r.Context()), "the hook gets the request with its context")
		assert.NotContains(t, logs.String(), `"path":"`+r.URL.Path+`"`, "the hook runs before the record is written")
		mu.Lock()
		seen = append(seen, o)
		mu.Unlock()
	}))(mux))
	serve := func(method, path string) {
		defer func() { _ = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
	}
	serve(http.MethodPost, "/orders/7")
	serve(http.MethodGet, "/panic")
	serve(http.MethodGet, "/abort")
	serve(http.MethodGet, "/healthz")
	serve(http.MethodGet, "/missing")

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 4, "one observation per request, none for skipped ones")
	created := seen[0]
	assert.GreaterOrEqual(t, created.Duration, 2*time.Millisecond)
	created.Duration = 0
	assert.Equal(t, Observation{Method: "POST", Route: "POST /orders/{id}", Status: 201, Bytes: 5}, created)
	assert.Equal(t, Observation{Method: "GET", Route: "GET /panic", Status: 500, Panicked: true}, withoutDuration(seen[1]))
	assert.Equal(t, Observation{Method: "GET", Route: "GET /abort", Status: 499, Aborted: true}, withoutDuration(seen[2]))
	assert.Equal(t, Observation{Method: "GET", Status: 404, Bytes: 19}, withoutDuration(seen[3]))
	assert.Len(t, logs.Records(t), 3, "records follow the logger's level, observations do not")
}

func withoutDuration(o Observation) Observation {
	o.Duration = 0
	return o
}

// failingFlusher is a connection that refuses writes, as a reset one does.
type failingFlusher struct{ http.ResponseWriter }

func (f failingFlusher) FlushError() error { return errors.New("connection reset by peer") }

func TestRecorderSendImplicit(t *testing.T) {
	t.Parallel()
	ok := httptest.NewRecorder()
	rec := &recorder{ResponseWriter: ok}
	rec.sendImplicit(false)
	assert.False(t, rec.undelivered)
	assert.Equal(t, http.StatusOK, ok.Code)
	assert.Equal(t, "0", ok.Header().Get("Content-Length"), "the bytes net/http sends for an empty 200")

	head := httptest.NewRecorder()
	rec = &recorder{ResponseWriter: head}
	rec.sendImplicit(true)
	assert.Empty(t, head.Header().Get("Content-Length"), "HEAD: no length, as net/http")

	rec = &recorder{ResponseWriter: plainWriter{httptest.NewRecorder()}}
	rec.sendImplicit(false)
	assert.False(t, rec.undelivered, "a writer that cannot flush was handed the 200")

	rec = &recorder{ResponseWriter: failingFlusher{httptest.NewRecorder()}}
	rec.sendImplicit(false)
	assert.True(t, rec.undelivered, "a refused flush means the client is gone")
}
