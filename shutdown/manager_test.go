package shutdown_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/shutdown"
)

func TestRunServesAndStopsCleanly(t *testing.T) {
	t.Parallel()
	deploy := errors.New("deploy v2")
	tests := []struct {
		name      string
		trigger   func(e *env, cancel context.CancelCauseFunc)
		wantCause string
	}{
		{"SIGTERM", func(e *env, _ context.CancelCauseFunc) { e.signals.send(e.t, syscall.SIGTERM) }, "received signal terminated"},
		{"SIGINT", func(e *env, _ context.CancelCauseFunc) { e.signals.send(e.t, os.Interrupt) }, "received signal interrupt"},
		{"context end", func(_ *env, cancel context.CancelCauseFunc) { cancel(deploy) }, "deploy v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			_, url := e.serve(http.HandlerFunc(ok))
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			done := e.run(ctx)

			status, body, err := get(url)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, status)
			assert.Equal(t, "ok", body)

			tt.trigger(e, cancel)
			require.NoError(t, waitErr(t, done))
			assert.True(t, refused(strings.TrimPrefix(url, "http://")), "listener still open after Run returned")
			rec, found := e.logs.find("shutdown started")
			require.True(t, found)
			assert.Equal(t, tt.wantCause, rec.Attrs["cause"])
			_, found = e.logs.find("shutdown complete")
			assert.True(t, found)
		})
	}
}

func TestRunListensOnServerAddr(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addr := freeAddr(t)
	srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(ok), ReadHeaderTimeout: time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := e.run(ctx, srv)
	status, _, err := get("http://" + addr + "/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	cancel()
	require.NoError(t, waitErr(t, done))
	assert.True(t, refused(addr))
}

func TestRunServesTLSWhenTLSConfigIsSet(t *testing.T) {
	t.Parallel()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	ts.StartTLS()
	cert := ts.TLS.Certificates
	client := ts.Client()
	ts.Close()

	tests := []struct {
		name     string
		listener bool
	}{{"Addr", false}, {"ServeListener", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var gotTLS atomic.Bool
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotTLS.Store(r.TLS != nil) })
			srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: cert}, ReadHeaderTimeout: time.Second}
			var servers []*http.Server
			var addr string
			if tt.listener {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				addr = ln.Addr().String()
				e.m.ServeListener(srv, ln)
			} else {
				addr = freeAddr(t)
				srv.Addr = addr
				servers = append(servers, srv)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := e.run(ctx, servers...)
			resp, err := client.Get("https://" + addr + "/")
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.True(t, gotTLS.Load(), "request was not served over TLS")
			client.CloseIdleConnections()
			cancel()
			require.NoError(t, waitErr(t, done))
		})
	}
}

func TestRunStartFailures(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = busy.Close() })

	same := &http.Server{ReadHeaderTimeout: time.Second}
	tests := []struct {
		name    string
		servers []*http.Server
		wantErr string
		asServe bool
	}{
		{"address in use", []*http.Server{{Addr: busy.Addr().String(), ReadHeaderTimeout: time.Second}}, "address already in use", true},
		{"TLS without certificate", []*http.Server{{Addr: "127.0.0.1:0", TLSConfig: &tls.Config{}, ReadHeaderTimeout: time.Second}}, "TLSConfig has no certificate", true},
		{"nil server", []*http.Server{nil}, "server 0 is nil", false},
		{"same server twice", []*http.Server{same, same}, "given twice", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			_, extraURL := e.serve(http.HandlerFunc(ok))
			var hookRan atomic.Bool
			e.m.OnShutdown("db", func(context.Context) error { hookRan.Store(true); return nil })
			var workerRan atomic.Bool
			e.m.Go("worker", func(context.Context) error { workerRan.Store(true); return nil })

			err := e.m.Run(context.Background(), tt.servers...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			var se *shutdown.ServerError
			assert.Equal(t, tt.asServe, errors.As(err, &se))
			assert.True(t, refused(strings.TrimPrefix(extraURL, "http://")), "the other listener was left open")
			assert.True(t, hookRan.Load(), "hooks must still release what was opened before Run")
			assert.False(t, workerRan.Load(), "workers must not start when a server cannot")
			assert.Equal(t, http.StatusServiceUnavailable, probe(e.m.ReadinessHandler()))
		})
	}
}

// failingListener accepts nothing and fails permanently when told to.
type failingListener struct {
	net.Listener
	fail   chan struct{}
	closed chan struct{}
	once   sync.Once
}

func (l *failingListener) Accept() (net.Conn, error) {
	select {
	case <-l.fail:
		return nil, errors.New("accept broke")
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *failingListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

func TestServerFailureShutsDownTheOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	bad := &failingListener{Listener: inner, fail: make(chan struct{}), closed: make(chan struct{})}
	e.m.ServeListener(&http.Server{Handler: http.HandlerFunc(ok), ReadHeaderTimeout: time.Second}, bad)
	_, goodURL := e.serve(http.HandlerFunc(ok))
	done := e.run(context.Background())

	close(bad.fail)
	err = waitErr(t, done)
	var se *shutdown.ServerError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, inner.Addr().String(), se.Addr)
	assert.ErrorContains(t, err, "accept broke")
	assert.True(t, refused(strings.TrimPrefix(goodURL, "http://")), "the healthy server was not shut down")
	rec, found := e.logs.find("shutdown started")
	require.True(t, found)
	assert.Contains(t, rec.Attrs["cause"], "accept broke")
}

func TestReadinessLivenessAndDrainDelay(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	e := newEnv(t, shutdown.DrainDelay(3*time.Second), shutdown.WithClock(clk))
	mux := http.NewServeMux()
	mux.HandleFunc("/", ok)
	mux.Handle("/readyz", e.m.ReadinessHandler())
	mux.Handle("/livez", e.m.LivenessHandler())
	_, url := e.serve(mux)

	assert.Equal(t, http.StatusServiceUnavailable, probe(e.m.ReadinessHandler()), "ready before Run")
	assert.Equal(t, http.StatusOK, probe(e.m.LivenessHandler()))
	done := e.run(context.Background())
	for path, want := range map[string]int{"/readyz": 200, "/livez": 200, "/": 200} {
		status, _, err := get(url + path)
		require.NoError(t, err)
		assert.Equal(t, want, status, "serving: %s", path)
	}

	e.signals.send(t, syscall.SIGTERM)
	waitUntil(t, "readiness 503", func() bool { return probe(e.m.ReadinessHandler()) == http.StatusServiceUnavailable })
	waitUntil(t, "drain-delay timer", func() bool { return clk.Pending() == 3 }) // budget, drain end, drain delay
	// During the drain delay: readiness fails, everything else is served
	// normally, on new connections too.
	for path, want := range map[string]int{"/readyz": 503, "/livez": 200, "/": 200} {
		status, _, err := get(url + path)
		require.NoError(t, err)
		assert.Equal(t, want, status, "draining: %s", path)
	}
	assert.False(t, isClosed(e.m.Draining()), "Draining closed before the drain delay ended")
	notYet(t, done, "the drain delay")

	clk.Advance(3 * time.Second)
	require.NoError(t, waitErr(t, done))
	assert.True(t, isClosed(e.m.Draining()))
	assert.Equal(t, http.StatusServiceUnavailable, probe(e.m.ReadinessHandler()))
	assert.Equal(t, http.StatusOK, probe(e.m.LivenessHandler()))
}

// TestDefaultsFitKubernetesGracePeriod: with the defaults, a stuck request
// is cut 20 s after the signal (25 s timeout minus the 5 s hook budget), the
// hooks then run, and the shutdown is over by 25 s, 5 s before Kubernetes'
// default grace period ends.
func TestDefaultsFitKubernetesGracePeriod(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	logs := &logRecorder{}
	sig := newFakeSignals()
	m := shutdown.New(shutdown.WithClock(clk), sig.option(), shutdown.Logger(slogNew(logs)))
	e := &env{t: t, m: m, logs: logs, signals: sig}
	h, started := stuckHandler(t)
	_, url := e.serve(h)
	var hookAt atomic.Int64
	t0 := clk.Now()
	m.OnShutdown("db", func(ctx context.Context) error {
		hookAt.Store(int64(clk.Now().Sub(t0)))
		<-ctx.Done() // a hook that takes all it is given
		return nil
	})
	done := e.run(context.Background())
	go func() { _, _, _ = get(url) }()
	<-started

	sig.send(t, syscall.SIGTERM)
	waitUntil(t, "drain-delay timer", func() bool { return clk.Pending() == 3 }) // budget, drain end, drain delay
	clk.Advance(5*time.Second - time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	assert.False(t, isClosed(m.Draining()), "default drain delay shorter than 5s")
	clk.Advance(time.Millisecond)
	waitUntil(t, "Draining after 5s", func() bool { return isClosed(m.Draining()) })

	clk.Advance(15*time.Second - time.Millisecond) // 20s - 1ms after the signal
	time.Sleep(20 * time.Millisecond)
	assert.Zero(t, hookAt.Load(), "the hook ran while the stuck request was still draining")
	clk.Advance(time.Millisecond)
	waitUntil(t, "the hook, once draining is cut at 20s", func() bool { return hookAt.Load() != 0 })
	assert.Equal(t, 20*time.Second, time.Duration(hookAt.Load()))
	waitUntil(t, "the hook's timer", func() bool { return clk.Pending() == 2 }) // budget, hook deadline
	clk.Advance(5*time.Second - time.Millisecond)
	notYet(t, done, "the default 25s timeout")
	clk.Advance(time.Millisecond)
	err := waitErr(t, done)
	var fe *shutdown.ForcedError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, shutdown.ErrTimeout)
	assert.Equal(t, []string{"server " + strings.TrimPrefix(url, "http://")}, fe.Running)
	assert.Equal(t, 25*time.Second, fe.After)
	assert.Less(t, fe.After, shutdown.DefaultGracePeriod-2*time.Second)
}

func TestHardTimeoutIsCountedFromTheSignal(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	e := newEnv(t, shutdown.WithClock(clk), shutdown.DrainDelay(4*time.Second), shutdown.Timeout(10*time.Second), shutdown.HookBudget(0))
	h, started := stuckHandler(t)
	_, url := e.serve(h)
	done := e.run(context.Background())
	clientErr := make(chan error, 1)
	go func() { _, _, err := get(url); clientErr <- err }()
	<-started

	e.signals.send(t, syscall.SIGTERM)
	waitUntil(t, "timers", func() bool { return clk.Pending() == 2 })
	clk.Advance(4 * time.Second)
	waitUntil(t, "Draining", func() bool { return isClosed(e.m.Draining()) })
	clk.Advance(6*time.Second - time.Millisecond)
	notYet(t, done, "the 10s timeout")
	clk.Advance(time.Millisecond) // 10s after the signal, not 10s after the drain delay

	err := waitErr(t, done)
	var fe *shutdown.ForcedError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, shutdown.ErrTimeout)
	assert.Equal(t, 10*time.Second, fe.After)
	assert.Equal(t, []string{"server " + strings.TrimPrefix(url, "http://")}, fe.Running)
	require.Error(t, <-clientErr, "Server.Close did not cut the stuck request")
}

// TestHardTimeoutNamesEverythingLeft: what never stops is closed and
// named. With the default hook budget the hook still runs after draining
// was cut; with no budget the stuck handlers take all the time and the hook
// is skipped.
func TestHardTimeoutNamesEverythingLeft(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		opts    []shutdown.Option
		hookRan bool
	}{
		{"default hook budget", nil, true},
		{"no hook budget", []shutdown.Option{shutdown.HookBudget(0)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, append([]shutdown.Option{shutdown.Timeout(300 * time.Millisecond)}, tt.opts...)...)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			h, started := stuckHandler(t)
			_, url := e.serve(h)
			done := e.m.Track() // a long-lived activity that never ends
			t.Cleanup(done)
			e.m.Go("stuck", func(context.Context) error { <-release; return nil })
			var hookRan atomic.Bool
			e.m.OnShutdown("late", func(context.Context) error { hookRan.Store(true); return nil })
			runDone := e.run(context.Background())
			go func() { _, _, _ = get(url) }()
			<-started

			e.signals.send(t, syscall.SIGTERM)
			err := waitErr(t, runDone)
			var fe *shutdown.ForcedError
			require.ErrorAs(t, err, &fe)
			assert.ErrorIs(t, err, shutdown.ErrTimeout)
			want := []string{
				"server " + strings.TrimPrefix(url, "http://"),
				"1 long-lived handler(s)",
				`worker "stuck"`,
			}
			if !tt.hookRan {
				want = append(want, `hook "late" (not run)`)
			}
			assert.Equal(t, want, fe.Running)
			assert.Equal(t, tt.hookRan, hookRan.Load())
			assert.Contains(t, err.Error(), "hard timeout reached")
			_, found := e.logs.find("shutdown forced")
			assert.True(t, found)
		})
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	clk := newFakeClock() // time never advances: only the second signal can end this
	e := newEnv(t, shutdown.WithClock(clk), shutdown.DrainDelay(5*time.Second))
	var hookRan atomic.Bool
	e.m.OnShutdown("db", func(context.Context) error { hookRan.Store(true); return nil })
	done := e.run(context.Background())

	e.signals.send(t, syscall.SIGTERM)
	waitUntil(t, "drain delay", func() bool { return clk.Pending() == 3 })
	notYet(t, done, "the second signal")
	e.signals.send(t, os.Interrupt)
	select {
	case code := <-e.exits:
		assert.Equal(t, 1, code)
	case <-time.After(5 * time.Second):
		t.Fatal("exit was not called on the second signal")
	}
	err := waitErr(t, done)
	assert.ErrorIs(t, err, shutdown.ErrSecondSignal)
	assert.False(t, hookRan.Load(), "hooks ran after the operator forced the exit")
}

func TestFirstSignalAfterContextEndDoesNotForce(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	e := newEnv(t, shutdown.WithClock(clk), shutdown.DrainDelay(5*time.Second))
	ctx, cancel := context.WithCancel(context.Background())
	done := e.run(ctx)
	cancel() // as signal.NotifyContext does on the same SIGTERM
	waitUntil(t, "drain delay", func() bool { return clk.Pending() == 3 })
	e.signals.send(t, syscall.SIGTERM)
	select {
	case code := <-e.exits:
		t.Fatalf("exit(%d) on the signal that ended ctx", code)
	case <-time.After(50 * time.Millisecond):
	}
	notYet(t, done, "the drain delay")
	e.signals.send(t, os.Interrupt) // a real second signal
	select {
	case code := <-e.exits:
		assert.Equal(t, 1, code)
	case <-time.After(5 * time.Second):
		t.Fatal("exit was not called on the second signal")
	}
	assert.ErrorIs(t, waitErr(t, done), shutdown.ErrSecondSignal)
}

func TestSignalsOption(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []shutdown.Option
		want   []os.Signal
		listen bool
	}{
		{"default", nil, []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}, true},
		{"custom", []shutdown.Option{shutdown.Signals(syscall.SIGHUP, syscall.SIGUSR1)}, []os.Signal{syscall.SIGHUP, syscall.SIGUSR1}, true},
		{"none", []shutdown.Option{shutdown.Signals()}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &logRecorder{}
			sig := newFakeSignals()
			opts := append([]shutdown.Option{sig.option(), shutdown.Logger(slogNew(logs)), shutdown.DrainDelay(0)}, tt.opts...)
			m := shutdown.New(opts...)
			e := &env{t: t, m: m, logs: logs, signals: sig}
			ctx, cancel := context.WithCancel(context.Background())
			done := e.run(ctx)
			sig.mu.Lock()
			assert.Equal(t, tt.listen, sig.notified)
			assert.Equal(t, tt.want, sig.subscribed)
			sig.mu.Unlock()
			cancel()
			require.NoError(t, waitErr(t, done))
			sig.mu.Lock()
			assert.Equal(t, tt.listen, sig.stopped, "signal delivery must stop when Run returns")
			sig.mu.Unlock()
		})
	}
}

func TestFreshContextLetsInFlightRequestsFinish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	started := make(chan struct{})
	_, url := e.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(200 * time.Millisecond)
		fmt.Fprint(w, "finished")
	}))
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "kept"))
	var hookValue any
	e.m.OnShutdown("check", func(ctx context.Context) error {
		hookValue = ctx.Value(ctxKey{})
		return ctx.Err()
	})
	done := e.run(ctx)
	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() { s, b, err := get(url); res <- result{s, b, err} }()
	<-started
	cancel() // the signal context is gone; Shutdown must not use it
	r := <-res
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "finished", r.body)
	require.NoError(t, waitErr(t, done))
	assert.Equal(t, "kept", hookValue, "shutdown contexts must keep Run's context values")
}

type ctxKey struct{}

func TestLongLivedWebSocketIsToldToCloseAndAwaited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, shutdown.DrainDelay(100*time.Millisecond))
	closed := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/ws", e.m.LongLived(wsHandler(e.m, closed)))
	_, url := e.serve(mux)
	var closedBeforeHook atomic.Bool
	e.m.OnShutdown("db", func(context.Context) error {
		closedBeforeHook.Store(isClosed(closed))
		return nil
	})
	done := e.run(context.Background())
	ws, err := wsDial(strings.TrimPrefix(url, "http://"))
	require.NoError(t, err)

	e.signals.send(t, syscall.SIGTERM)
	var code int
	var closeErr error
	closeDone := make(chan struct{})
	go func() {
		defer close(closeDone)
		time.Sleep(150 * time.Millisecond) // answer late: the manager must wait
		code, closeErr = ws.awaitClose(5 * time.Second)
	}()
	require.NoError(t, waitErr(t, done))
	<-closeDone
	require.NoError(t, closeErr)
	assert.Equal(t, 1001, code, "close status must be 1001 Going Away")
	assert.True(t, closedBeforeHook.Load(), "hooks ran before the long-lived handler finished")
}

func TestTrackIsAwaited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	done := e.m.Track()
	runDone := e.run(context.Background())
	e.signals.send(t, syscall.SIGTERM)
	waitUntil(t, "Draining", func() bool { return isClosed(e.m.Draining()) })
	notYet(t, runDone, "the tracked activity ended")
	done()
	done() // harmless
	require.NoError(t, waitErr(t, runDone))
}

func TestSSEStreamEndsOnDraining(t *testing.T) {
	t.Parallel()
	e := newEnv(t, shutdown.Timeout(3*time.Second))
	_, url := e.serve(e.m.LongLived(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: hello\n\n")
		_ = http.NewResponseController(w).Flush()
		<-e.m.Draining()
		fmt.Fprint(w, "event: close\ndata: going away\n\n")
	})))
	done := e.run(context.Background())
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "data: hello\n", line)

	e.signals.send(t, syscall.SIGTERM)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Contains(t, string(rest), "event: close")
	require.NoError(t, waitErr(t, done), "a stream that ends on Draining must not hold the shutdown to its timeout")
}

func TestHooksRunInReverseOrderAndIsolateFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var mu sync.Mutex
	var order []string
	add := func(name string, fn func() error) {
		e.m.OnShutdown(name, func(context.Context) error {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return fn()
		})
	}
	add("db", func() error { return nil })
	add("cache", func() error { return errors.New("flush failed") })
	add("queue", func() error { panic("queue exploded") })
	add("tracer", func() error { return nil })
	done := e.run(context.Background())
	e.signals.send(t, syscall.SIGTERM)
	err := waitErr(t, done)

	assert.Equal(t, []string{"tracer", "queue", "cache", "db"}, order)
	require.Error(t, err)
	var he *shutdown.HookError
	require.ErrorAs(t, err, &he)
	assert.ErrorContains(t, err, `hook "cache": flush failed`)
	assert.ErrorContains(t, err, `hook "queue": panic: queue exploded`)
	var pe *shutdown.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "queue exploded", pe.Value)
	rec, found := e.logs.find("shutdown hook failed")
	require.True(t, found)
	for _, r := range e.logs.records() {
		if r.Attrs["hook"] == "queue" && strings.Contains(r.Msg, "failed") {
			rec = r
		}
	}
	assert.Contains(t, rec.Attrs["stack"], "manager_test.go", "panic logged without its stack")
	assert.NotContains(t, err.Error(), "goroutine ", "the stack belongs in the log, not the error")
}

func TestEachHookHasItsOwnDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, shutdown.HookTimeout(100*time.Millisecond), shutdown.Timeout(5*time.Second))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var firstLeft atomic.Int64
	var firstHasDeadline atomic.Bool
	e.m.OnShutdown("first", func(ctx context.Context) error {
		d, ok := ctx.Deadline()
		firstHasDeadline.Store(ok)
		firstLeft.Store(int64(time.Until(d)))
		return nil
	})
	e.m.OnShutdown("ignores-ctx", func(context.Context) error { <-release; return nil })
	var cause, ctxErr, derivedErr atomic.Value
	e.m.OnShutdown("respects-ctx", func(ctx context.Context) error {
		derived, cancel := context.WithCancel(ctx) // as a driver call would
		defer cancel()
		<-ctx.Done()
		<-derived.Done()
		cause.Store(context.Cause(ctx))
		ctxErr.Store(ctx.Err())
		derivedErr.Store(derived.Err())
		return ctx.Err()
	})
	done := e.run(context.Background())
	e.signals.send(t, syscall.SIGTERM)
	err := waitErr(t, done)

	c, _ := cause.Load().(error)
	assert.ErrorIs(t, c, context.DeadlineExceeded)
	assert.ErrorContains(t, c, "hook deadline of 100ms passed")
	// A passed deadline is DeadlineExceeded, as with context.WithDeadline,
	// for the hook's context and for what derives from it.
	assert.Equal(t, context.DeadlineExceeded, ctxErr.Load())
	assert.Equal(t, context.DeadlineExceeded, derivedErr.Load())
	assert.ErrorContains(t, err, `hook "respects-ctx": context deadline exceeded`)
	assert.ErrorContains(t, err, `hook "ignores-ctx": did not return by its deadline`)
	require.True(t, firstHasDeadline.Load(), "the last hook never ran or had no deadline")
	// Two hooks before it used up their 100 ms each: a shared deadline
	// would have passed (or, with the 5 s budget, be far away).
	assert.Positive(t, time.Duration(firstLeft.Load()), "the last hook did not get a fresh deadline of its own")
	assert.LessOrEqual(t, time.Duration(firstLeft.Load()), 100*time.Millisecond)
	assert.NotErrorIs(t, err, shutdown.ErrTimeout)
}

func TestWorkers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fn         func(ctx context.Context) error
		signal     bool // the test sends SIGTERM; otherwise the worker must start the shutdown
		wantErr    string
		wantPanic  bool
		wantCancel bool
	}{
		{name: "cancelled at shutdown, clean", signal: true, wantCancel: true, fn: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}},
		{name: "returns the cause, clean", signal: true, wantCancel: true, fn: func(ctx context.Context) error {
			<-ctx.Done()
			return fmt.Errorf("consumer: %w", context.Cause(ctx))
		}},
		{name: "finishes early, clean", signal: true, fn: func(context.Context) error { return nil }},
		{name: "error starts shutdown", wantErr: `worker "job": queue broke`, fn: func(context.Context) error {
			return errors.New("queue broke")
		}},
		{name: "panic starts shutdown", wantErr: `worker "job": panic: nil map`, wantPanic: true, fn: func(context.Context) error {
			panic("nil map")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var cancelled, finished atomic.Bool
			var cause atomic.Value
			e.m.Go("job", func(ctx context.Context) error {
				defer finished.Store(true)
				err := tt.fn(ctx)
				if ctx.Err() != nil {
					cancelled.Store(true)
					cause.Store(context.Cause(ctx))
				}
				return err
			})
			var finishedBeforeHook atomic.Bool
			e.m.OnShutdown("hook", func(context.Context) error { finishedBeforeHook.Store(finished.Load()); return nil })
			done := make(chan error, 1)
			go func() { done <- e.m.Run(context.Background()) }()
			if tt.signal {
				waitUntil(t, "ready", func() bool { return probe(e.m.ReadinessHandler()) == 200 })
				e.signals.send(t, syscall.SIGTERM)
			}
			err := waitErr(t, done)
			assert.True(t, finishedBeforeHook.Load(), "hooks ran before the worker returned")
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				var we *shutdown.WorkerError
				require.ErrorAs(t, err, &we)
				assert.Equal(t, "job", we.Name)
				assert.ErrorContains(t, err, tt.wantErr)
				var pe *shutdown.PanicError
				assert.Equal(t, tt.wantPanic, errors.As(err, &pe))
				rec, found := e.logs.find("shutdown started")
				require.True(t, found)
				assert.Contains(t, rec.Attrs["cause"], strings.TrimPrefix(tt.wantErr, `worker "job": `))
				if tt.wantPanic {
					failed, found := e.logs.find("worker failed")
					require.True(t, found)
					assert.Contains(t, failed.Attrs["stack"], "manager_test.go")
				}
			}
			assert.Equal(t, tt.wantCancel, cancelled.Load())
			if tt.wantCancel {
				var se *shutdown.SignalError
				c, _ := cause.Load().(error)
				require.ErrorAs(t, c, &se, "the worker's context cause must be the shutdown's cause")
				assert.Equal(t, syscall.SIGTERM, se.Signal)
			}
		})
	}
}

func TestGoDuringRunAndAfterShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	done := e.run(context.Background())
	ran := make(chan struct{})
	e.m.Go("late-but-running", func(ctx context.Context) error { close(ran); <-ctx.Done(); return nil })
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("a worker registered during Run did not start")
	}
	var tooLate atomic.Bool
	e.m.OnShutdown("registers-a-worker", func(context.Context) error {
		e.m.Go("too-late", func(context.Context) error { tooLate.Store(true); return nil })
		return nil
	})
	e.signals.send(t, syscall.SIGTERM)
	require.NoError(t, waitErr(t, done))
	assert.False(t, tooLate.Load(), "a worker registered after the workers stopped was started")
	_, found := e.logs.find("not started")
	assert.True(t, found)
}

func TestStartupWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []shutdown.Option
		want []string
	}{
		{"defaults fit Kubernetes' default grace period", nil, nil},
		// The drain delay runs inside Timeout: 10 s + 25 s is a 25 s shutdown.
		{"drain delay not added to the timeout", []shutdown.Option{shutdown.DrainDelay(10 * time.Second), shutdown.Timeout(25 * time.Second)}, nil},
		{"timeout beyond grace period", []shutdown.Option{shutdown.Timeout(45 * time.Second)}, []string{"leaves less than 2s of the grace period"}},
		// The seed's 30 s: the kubelet's SIGKILL and the forced close at once.
		{"timeout equal to grace period", []shutdown.Option{shutdown.Timeout(30 * time.Second)}, []string{"leaves less than 2s of the grace period"}},
		{"timeout 1s under grace period", []shutdown.Option{shutdown.Timeout(29 * time.Second)}, []string{"leaves less than 2s of the grace period"}},
		{"timeout 2s under grace period", []shutdown.Option{shutdown.Timeout(28 * time.Second)}, nil},
		{"grace period raised", []shutdown.Option{shutdown.Timeout(45 * time.Second), shutdown.GracePeriod(60 * time.Second)}, nil},
		{"custom grace period", []shutdown.Option{shutdown.GracePeriod(10 * time.Second)}, []string{"leaves less than 2s of the grace period"}},
		{"drain delay eats the timeout", []shutdown.Option{shutdown.DrainDelay(20 * time.Second), shutdown.Timeout(20 * time.Second)}, []string{"drain delay is not shorter"}},
		{"drain delay eats the time before the hook budget", []shutdown.Option{shutdown.DrainDelay(20 * time.Second), shutdown.Timeout(25 * time.Second)}, []string{"drain delay is not shorter"}},
		{"no hook budget", []shutdown.Option{shutdown.DrainDelay(20 * time.Second), shutdown.Timeout(25 * time.Second), shutdown.HookBudget(0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			logs := &logRecorder{}
			m := shutdown.New(append([]shutdown.Option{shutdown.WithClock(clk), shutdown.Signals(), shutdown.Logger(slogNew(logs))}, tt.opts...)...)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx) }()
			for range 1000 {
				select {
				case <-done:
				default:
					clk.Advance(time.Minute)
					time.Sleep(time.Millisecond)
					continue
				}
				break
			}
			var warns []string
			for _, r := range logs.records() {
				if r.Level == slogLevelWarn {
					warns = append(warns, r.Msg)
				}
			}
			require.Len(t, warns, len(tt.want), "warnings: %q", warns)
			for i, w := range tt.want {
				assert.Contains(t, warns[i], w)
			}
		})
	}
}

func TestStepsAreLoggedInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, shutdown.DrainDelay(10*time.Millisecond))
	e.m.OnShutdown("db", func(context.Context) error { return nil })
	e.m.Go("w", func(ctx context.Context) error { <-ctx.Done(); return nil })
	done := e.run(context.Background())
	e.signals.send(t, syscall.SIGTERM)
	require.NoError(t, waitErr(t, done))
	want := []string{"serving", "shutdown started", "drain delay", "stopping servers", "servers stopped",
		"long-lived handlers finished", "workers stopped", "running shutdown hook", "shutdown complete"}
	var got []string
	for _, r := range e.logs.records() {
		for _, w := range want {
			if strings.HasPrefix(r.Msg, w) && (len(got) == 0 || got[len(got)-1] != w) {
				got = append(got, w)
			}
		}
	}
	assert.Equal(t, want, got)
	rec, _ := e.logs.find("shutdown complete")
	assert.Equal(t, "received signal terminated", rec.Attrs["cause"])
}

func TestRunOnlyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, e.m.Run(ctx))
	require.ErrorIs(t, e.m.Run(ctx), shutdown.ErrAlreadyRun)
	assert.PanicsWithValue(t, "shutdown.ServeListener: called after Run started; register listeners before calling Run", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		e.m.ServeListener(&http.Server{ReadHeaderTimeout: time.Second}, ln)
	})
}

func TestInvalidArgumentsPanicNamingTheOption(t *testing.T) {
	t.Parallel()
	m := shutdown.New()
	fn := func(context.Context) error { return nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"DrainDelay negative", func() { shutdown.DrainDelay(-time.Second) }, "shutdown.DrainDelay"},
		{"Timeout zero", func() { shutdown.Timeout(0) }, "shutdown.Timeout"},
		{"GracePeriod negative", func() { shutdown.GracePeriod(-1) }, "shutdown.GracePeriod"},
		{"HookTimeout zero", func() { shutdown.HookTimeout(0) }, "shutdown.HookTimeout"},
		{"HookBudget negative", func() { shutdown.HookBudget(-time.Second) }, "shutdown.HookBudget"},
		{"HookBudget not shorter than Timeout", func() { shutdown.New(shutdown.Timeout(time.Second), shutdown.HookBudget(time.Second)) }, "shutdown.HookBudget"},
		{"Signals nil", func() { shutdown.Signals(syscall.SIGTERM, nil) }, "shutdown.Signals"},
		{"Logger nil", func() { shutdown.Logger(nil) }, "shutdown.Logger"},
		{"SignalFuncs nil", func() { shutdown.SignalFuncs(nil, nil) }, "shutdown.SignalFuncs"},
		{"ExitFunc nil", func() { shutdown.ExitFunc(nil) }, "shutdown.ExitFunc"},
		{"WithClock nil", func() { shutdown.WithClock(nil) }, "shutdown.WithClock"},
		{"ProbeResponder nil", func() { shutdown.ProbeResponder(nil) }, "shutdown.ProbeResponder"},
		{"New nil option", func() { shutdown.New(nil) }, "shutdown.New"},
		{"Go empty name", func() { m.Go("", fn) }, "shutdown.Go"},
		{"Go nil fn", func() { m.Go("x", nil) }, "shutdown.Go"},
		{"OnShutdown empty name", func() { m.OnShutdown("", fn) }, "shutdown.OnShutdown"},
		{"OnShutdown nil fn", func() { m.OnShutdown("x", nil) }, "shutdown.OnShutdown"},
		{"ServeListener nil", func() { m.ServeListener(nil, nil) }, "shutdown.ServeListener"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				v := recover()
				require.NotNil(t, v, "no panic")
				assert.Contains(t, fmt.Sprint(v), tt.want)
			}()
			tt.call()
		})
	}
}

func TestProbeResponses(t *testing.T) {
	t.Parallel()
	m := shutdown.New()
	for name, h := range map[string]http.Handler{"readiness": m.ReadinessHandler(), "liveness": m.LivenessHandler()} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), name)
		assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"), name)
	}
	rec := httptest.NewRecorder()
	m.ReadinessHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, "starting\n", rec.Body.String())
}

// TestProbeResponder: a ProbeResponder renders every probe answer, with the
// status and state the Manager decides, through starting, serving and the
// shutdown.
func TestProbeResponder(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	json := func(w http.ResponseWriter, _ *http.Request, status int, state string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%q}`, state)
	}
	e := newEnv(t, shutdown.ProbeResponder(json), shutdown.DrainDelay(time.Second), shutdown.WithClock(clk))
	answer := func(h http.Handler) (int, string, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
	}
	type want struct {
		status      int
		ctype, body string
	}
	check := func(phase string, ready, live want) {
		t.Helper()
		code, ctype, body := answer(e.m.ReadinessHandler())
		assert.Equal(t, ready, want{code, ctype, body}, "readiness %s", phase)
		code, ctype, body = answer(e.m.LivenessHandler())
		assert.Equal(t, live, want{code, ctype, body}, "liveness %s", phase)
	}
	ok := want{200, "application/json", `{"status":"ok"}`}
	check("before Run", want{503, "application/json", `{"status":"starting"}`}, ok)
	done := e.run(context.Background())
	check("serving", ok, ok)
	e.signals.send(t, syscall.SIGTERM)
	waitUntil(t, "readiness 503", func() bool { return probe(e.m.ReadinessHandler()) == http.StatusServiceUnavailable })
	check("draining", want{503, "application/json", `{"status":"shutting down"}`}, ok)
	waitUntil(t, "drain-delay timer", func() bool { return clk.Pending() == 3 })
	clk.Advance(time.Second)
	require.NoError(t, waitErr(t, done))
	check("after Run", want{503, "application/json", `{"status":"shutting down"}`}, ok)
}

// TestBudgetContextsReportDeadlineExceeded: when the hard timeout passes,
// the contexts the Manager hands out (a hook's, the one Server.Shutdown
// gets, so a handler's view of it) report context.DeadlineExceeded with
// ErrTimeout as the cause; a second signal is a cancellation.
func TestBudgetContextsReportDeadlineExceeded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		end       func(e *env, clk *fakeClock)
		wantErr   error
		wantCause error
	}{
		{"hard timeout", func(_ *env, clk *fakeClock) { clk.Advance(10 * time.Second) }, context.DeadlineExceeded, shutdown.ErrTimeout},
		{"second signal", func(e *env, _ *fakeClock) { e.signals.send(e.t, os.Interrupt) }, context.Canceled, shutdown.ErrSecondSignal},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			e := newEnv(t, shutdown.WithClock(clk), shutdown.Timeout(10*time.Second), shutdown.HookTimeout(time.Hour))
			var hookErr, derivedErr, hookCause atomic.Value
			inHook := make(chan struct{})
			e.m.OnShutdown("slow", func(ctx context.Context) error {
				derived, cancel := context.WithTimeout(ctx, time.Hour)
				defer cancel()
				close(inHook)
				<-derived.Done()
				hookErr.Store(ctx.Err())
				derivedErr.Store(derived.Err())
				hookCause.Store(context.Cause(ctx))
				return nil
			})
			done := e.run(context.Background())
			e.signals.send(t, syscall.SIGTERM)
			<-inHook
			tt.end(e, clk)
			err := waitErr(t, done)
			if tt.wantCause == shutdown.ErrSecondSignal {
				assert.ErrorIs(t, err, tt.wantCause)
			} else {
				assert.NoError(t, err, "the hook returned when its context ended: nothing was left running")
			}
			assert.Equal(t, tt.wantErr, hookErr.Load())
			assert.Equal(t, tt.wantErr, derivedErr.Load())
			assert.Equal(t, tt.wantCause, hookCause.Load())
		})
	}
}

// TestSecondSignalExitsWhileHooksRunAfterAFailedStart: a server that cannot
// bind still runs the hooks, and the operator can still cut them short:
// the first signal is taken as the one that may also have ended Run's
// context, the second exits at once.
func TestSecondSignalExitsWhileHooksRunAfterAFailedStart(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = busy.Close() })
	clk := newFakeClock() // time never advances: only a signal can end the hook
	e := newEnv(t, shutdown.WithClock(clk), shutdown.Timeout(30*time.Second), shutdown.HookTimeout(30*time.Second))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	inHook := make(chan struct{})
	e.m.OnShutdown("stuck", func(context.Context) error { close(inHook); <-release; return nil })

	done := make(chan error, 1)
	go func() {
		done <- e.m.Run(context.Background(), &http.Server{Addr: busy.Addr().String(), ReadHeaderTimeout: time.Second})
	}()
	select {
	case <-inHook:
	case <-time.After(5 * time.Second):
		t.Fatal("the hook did not run after the failed start")
	}
	e.signals.send(t, syscall.SIGTERM)
	select {
	case code := <-e.exits:
		t.Fatalf("exit(%d) on the first signal", code)
	case <-time.After(50 * time.Millisecond):
	}
	e.signals.send(t, os.Interrupt)
	select {
	case code := <-e.exits:
		assert.Equal(t, 1, code)
	case <-time.After(5 * time.Second):
		t.Fatal("exit was not called on the second signal while the hooks ran")
	}
	err = waitErr(t, done)
	assert.ErrorContains(t, err, "address already in use")
	assert.ErrorIs(t, err, shutdown.ErrSecondSignal)
}

// TestShuttingDownIsClosedAtTheSignal: ShuttingDown is closed when the
// signal arrives, a whole drain delay before Draining; it is closed too
// when a server cannot start.
func TestShuttingDownIsClosedAtTheSignal(t *testing.T) {
	t.Parallel()
	t.Run("signal", func(t *testing.T) {
		t.Parallel()
		clk := newFakeClock()
		e := newEnv(t, shutdown.WithClock(clk), shutdown.DrainDelay(5*time.Second))
		assert.False(t, isClosed(e.m.ShuttingDown()), "closed before Run")
		done := e.run(context.Background())
		assert.False(t, isClosed(e.m.ShuttingDown()), "closed while serving")

		e.signals.send(t, syscall.SIGTERM)
		select {
		case <-e.m.ShuttingDown():
		case <-time.After(5 * time.Second):
			t.Fatal("ShuttingDown not closed at the signal")
		}
		assert.Equal(t, http.StatusServiceUnavailable, probe(e.m.ReadinessHandler()))
		assert.False(t, isClosed(e.m.Draining()), "Draining closed before the drain delay ended")
		waitUntil(t, "drain-delay timer", func() bool { return clk.Pending() == 3 })
		clk.Advance(5 * time.Second)
		require.NoError(t, waitErr(t, done))
		assert.True(t, isClosed(e.m.Draining()))
	})
	t.Run("server cannot start", func(t *testing.T) {
		t.Parallel()
		busy, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { _ = busy.Close() })
		e := newEnv(t)
		require.Error(t, e.m.Run(context.Background(), &http.Server{Addr: busy.Addr().String(), ReadHeaderTimeout: time.Second}))
		assert.True(t, isClosed(e.m.ShuttingDown()))
	})
}

// TestHookBudgetCutsDrainingInTime: draining is cut HookBudget before the
// hard timeout; without HookBudget the reserve is 5 s, or a fifth of a
// Timeout under 25 s.
func TestHookBudgetCutsDrainingInTime(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		opts  []shutdown.Option
		cutAt time.Duration
	}{
		{"default with a 10s timeout", []shutdown.Option{shutdown.Timeout(10 * time.Second)}, 8 * time.Second},
		{"default with a 60s timeout", []shutdown.Option{shutdown.Timeout(60 * time.Second)}, 55 * time.Second},
		{"explicit", []shutdown.Option{shutdown.Timeout(10 * time.Second), shutdown.HookBudget(3 * time.Second)}, 7 * time.Second},
		{"none", []shutdown.Option{shutdown.Timeout(10 * time.Second), shutdown.HookBudget(0)}, 10 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			e := newEnv(t, append([]shutdown.Option{shutdown.WithClock(clk), shutdown.DrainDelay(0)}, tt.opts...)...)
			h, started := stuckHandler(t)
			_, url := e.serve(h)
			hookRan := make(chan time.Duration, 1)
			t0 := clk.Now()
			e.m.OnShutdown("db", func(context.Context) error { hookRan <- clk.Now().Sub(t0); return nil })
			done := e.run(context.Background())
			go func() { _, _, _ = get(url) }()
			<-started
			e.signals.send(t, syscall.SIGTERM)
			waitUntil(t, "Draining", func() bool { return isClosed(e.m.Draining()) })
			clk.Advance(tt.cutAt - time.Millisecond)
			select {
			case at := <-hookRan:
				t.Fatalf("the hook ran at %v, while the stuck request was still draining", at)
			case <-time.After(30 * time.Millisecond):
			}
			clk.Advance(time.Millisecond)
			err := waitErr(t, done)
			assert.ErrorIs(t, err, shutdown.ErrTimeout)
			select {
			case at := <-hookRan:
				assert.Equal(t, tt.cutAt, at)
			default:
				// Only without a reserve does the hard timeout come first
				// and the hook get skipped.
				assert.Equal(t, 10*time.Second, tt.cutAt, "the hook did not run once draining was cut")
				assert.ErrorContains(t, err, `hook "db" (not run)`)
			}
		})
	}
}
