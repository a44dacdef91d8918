package shutdown

import (
	"context"
	"net/http"
	"sync"
)

// Draining returns a channel that is closed at the moment the Manager calls
// Server.Shutdown (after the drain delay). Handlers of long-lived
// connections select on it to end them politely: a WebSocket handler sends
// a close frame with status 1001 (Going Away), an SSE or long-poll handler
// returns. Server.Shutdown neither tells nor waits for hijacked connections
// (golang/go#17721), and waits for streaming handlers until its deadline, so
// without this they would be cut when draining runs out of time.
func (m *Manager) Draining() <-chan struct{} { return m.draining }

// LongLived wraps a handler whose requests may outlive a normal request (a
// WebSocket that hijacks the connection, an SSE stream): the shutdown waits,
// until Timeout minus HookBudget, for every such request still running
// after Draining is closed, before it runs the OnShutdown hooks. h must
// return soon after Draining is closed.
func (m *Manager) LongLived(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.longLived.add()
		defer m.longLived.done()
		h.ServeHTTP(w, r)
	})
}

// Track counts one long-lived activity until the returned function is
// called (calling it again is harmless). Use it when the work outlives the
// handler, for example the reader and writer goroutines a WebSocket library
// starts for a hijacked connection; LongLived covers the common case of a
// handler that runs until the connection ends.
func (m *Manager) Track() (done func()) {
	m.longLived.add()
	var once sync.Once
	return func() { once.Do(m.longLived.done) }
}

// tracker counts long-lived activities and lets the shutdown wait until
// none is left. A wait channel is made only when someone waits, so counting
// costs no allocation per request.
type tracker struct {
	mu      sync.Mutex
	n       int
	waiters []chan struct{} // closed when n drops to zero
}

func newTracker() *tracker { return &tracker{} }

func (t *tracker) add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 {
		for _, w := range t.waiters {
			close(w)
		}
		t.waiters = nil
	}
}

func (t *tracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// wait reports whether the count reached zero before ctx ended.
func (t *tracker) wait(ctx context.Context) bool {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return true
	}
	w := make(chan struct{})
	t.waiters = append(t.waiters, w)
	t.mu.Unlock()
	return untilDone(ctx, w)
}
