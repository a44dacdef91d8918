package shutdown_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/shutdown"
)

// fakeClock is a manual Clock: timers fire only when Advance reaches them.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock and fires every timer that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.ch <- c.now
			continue
		}
		kept = append(kept, t)
	}
	c.timers = kept
}

// Pending reports how many timers wait to fire.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// fakeSignals stands in for signal.Notify/Stop: tests deliver signals by
// hand, no real signal is raised.
type fakeSignals struct {
	mu         sync.Mutex
	ch         chan<- os.Signal
	subscribed []os.Signal
	notified   bool
	stopped    bool
	ready      chan struct{}
}

func newFakeSignals() *fakeSignals { return &fakeSignals{ready: make(chan struct{})} }

func (f *fakeSignals) option() shutdown.Option {
	return shutdown.SignalFuncs(func(c chan<- os.Signal, sig ...os.Signal) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.ch, f.subscribed, f.notified = c, sig, true
		close(f.ready)
	}, func(c chan<- os.Signal) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if c == f.ch {
			f.stopped = true
		}
	})
}

func (f *fakeSignals) send(t *testing.T, s os.Signal) {
	t.Helper()
	select {
	case <-f.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the manager never subscribed to signals")
	}
	f.mu.Lock()
	ch := f.ch
	f.mu.Unlock()
	ch <- s
}

// logRecorder is a slog.Handler that keeps every record.
type logRecorder struct {
	mu   sync.Mutex
	recs []logRec
}

type logRec struct {
	Level slog.Level
	Msg   string
	Attrs map[string]string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, logRec{Level: r.Level, Msg: r.Message, Attrs: attrs})
	return nil
}

func (h *logRecorder) records() []logRec {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.recs)
}

// find returns the first record whose message contains sub.
func (h *logRecorder) find(sub string) (logRec, bool) {
	for _, r := range h.records() {
		if strings.Contains(r.Msg, sub) {
			return r, true
		}
	}
	return logRec{}, false
}

// env is what most tests need: a manager wired to fakes, plus helpers.
type env struct {
	t       *testing.T
	m       *shutdown.Manager
	logs    *logRecorder
	signals *fakeSignals
	exits   chan int
}

func newEnv(t *testing.T, opts ...shutdown.Option) *env {
	e := &env{t: t, logs: &logRecorder{}, signals: newFakeSignals(), exits: make(chan int, 4)}
	base := []shutdown.Option{
		shutdown.Logger(slog.New(e.logs)),
		e.signals.option(),
		shutdown.ExitFunc(func(code int) { e.exits <- code }),
		shutdown.DrainDelay(0),
		shutdown.Timeout(5 * time.Second),
	}
	e.m = shutdown.New(append(base, opts...)...)
	return e
}

// serve registers a loopback server for h and returns its base URL.
func (e *env) serve(h http.Handler) (*http.Server, string) {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(e.t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	e.m.ServeListener(srv, ln)
	return srv, "http://" + ln.Addr().String()
}

// stuckHandler returns a handler that ignores the shutdown, as a stuck
// handler does: it returns only when its connection is closed or the test
// ends. started is closed when the first request arrives.
func stuckHandler(t *testing.T) (h http.Handler, started <-chan struct{}) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	start := make(chan struct{})
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(start) })
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), start
}

// run starts Run in a goroutine and waits until the manager serves.
func (e *env) run(ctx context.Context, servers ...*http.Server) <-chan error {
	e.t.Helper()
	done := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		done <- e.m.Run(ctx, servers...)
	}()
	e.t.Cleanup(func() {
		select {
		case <-finished:
		case <-time.After(10 * time.Second):
			e.t.Error("Run did not return by the end of the test")
		}
	})
	waitUntil(e.t, "readiness 200", func() bool { return probe(e.m.ReadinessHandler()) == http.StatusOK })
	return done
}

// waitErr waits for Run's result.
func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// notYet asserts Run has not returned within a short while.
func notYet(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) before %s", err, what)
	case <-time.After(50 * time.Millisecond):
	}
}

// wantExit asserts the manager called exit(1) (the second signal's forced
// exit) within five seconds; what names the case in the failure.
func (e *env) wantExit(what string) {
	e.t.Helper()
	select {
	case code := <-e.exits:
		if code != 1 {
			e.t.Errorf("exit(%d) %s, want exit(1)", code, what)
		}
	case <-time.After(5 * time.Second):
		e.t.Fatalf("exit was not called %s", what)
	}
}

// noExit asserts the manager did not call exit within a short while.
func (e *env) noExit(what string) {
	e.t.Helper()
	select {
	case code := <-e.exits:
		e.t.Fatalf("exit(%d) %s", code, what)
	case <-time.After(50 * time.Millisecond):
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 2500 {
		if cond() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// probe calls an in-process handler and returns the status.
func probe(h http.Handler) int {
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, &http.Request{Method: http.MethodGet, Header: http.Header{}})
	return rec.status
}

type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(s int)           { r.status = s }

// get makes a request on a fresh connection and returns status and body.
func get(url string) (int, string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	_ = c.Close()
	return false
}

func ok(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }

func slogNew(h slog.Handler) *slog.Logger { return slog.New(h) }

const slogLevelWarn = slog.LevelWarn
