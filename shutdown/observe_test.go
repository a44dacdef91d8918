package shutdown_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/shutdown"
)

// eventLog records what an Observer receives.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) observe(ev shutdown.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev.String())
}

func (l *eventLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

func TestObserverSeesPhasesAndHooks(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	var events eventLog
	e := newEnv(t, shutdown.WithClock(clk), shutdown.DrainDelay(2*time.Second), shutdown.Timeout(20*time.Second), shutdown.Observer(events.observe))
	e.m.OnShutdown("db", func(context.Context) error { clk.Advance(time.Second); return nil })
	e.m.OnShutdown("cache", func(context.Context) error { return errors.New("flush failed") })
	done := e.run(context.Background())
	assert.Empty(t, events.get(), "events before the shutdown")

	e.signals.send(t, syscall.SIGTERM)
	waitUntil(t, "drain-delay timer", func() bool { return clk.Pending() == 3 })
	clk.Advance(2 * time.Second)
	err := waitErr(t, done)
	require.Error(t, err)
	assert.Equal(t, []string{
		"start shutdown: received signal terminated",
		"start drain_delay",
		"end drain_delay after 2s",
		"start drain",
		"end drain after 0s",
		"start hooks",
		`hook hooks cache after 0s: flush failed`,
		"hook hooks db after 1s",
		"end hooks after 1s",
		`end shutdown after 3s: shutdown: hook "cache": flush failed`,
	}, events.get())
}

func TestObserverSeesDrainingCutAndHooksSkipped(t *testing.T) {
	t.Parallel()
	var events eventLog
	e := newEnv(t, shutdown.Timeout(300*time.Millisecond), shutdown.HookBudget(0), shutdown.Observer(events.observe))
	h, started := stuckHandler(t)
	_, url := e.serve(h)
	e.m.OnShutdown("db", func(context.Context) error { return nil })
	done := e.run(context.Background())
	go func() { _, _, _ = get(url) }()
	<-started
	e.signals.send(t, syscall.SIGTERM)
	err := waitErr(t, done)
	require.ErrorIs(t, err, shutdown.ErrTimeout)

	got := events.get()
	var drainEnd, hook string
	for _, ev := range got {
		switch {
		case strings.HasPrefix(ev, "end drain "):
			drainEnd = ev
		case strings.HasPrefix(ev, "hook "):
			hook = ev
		}
	}
	assert.Contains(t, drainEnd, ": shutdown: hard timeout reached", "events: %q", got)
	assert.Equal(t, "hook hooks db after 0s: shutdown: hard timeout reached", hook, "events: %q", got)
	assert.True(t, strings.HasPrefix(got[len(got)-1], "end shutdown after "), "events: %q", got)
	assert.Contains(t, got[len(got)-1], "hard timeout reached")
}

func TestObserverSeesAFailedStart(t *testing.T) {
	t.Parallel()
	var events eventLog
	e := newEnv(t, shutdown.WithClock(newFakeClock()), shutdown.Observer(events.observe))
	e.m.OnShutdown("db", func(context.Context) error { return nil })
	err := e.m.Run(context.Background(), &http.Server{Addr: "127.0.0.1:-1", ReadHeaderTimeout: time.Second})
	require.Error(t, err)
	got := events.get()
	require.Len(t, got, 5, "events: %q", got)
	assert.True(t, strings.HasPrefix(got[0], "start shutdown: shutdown: server 127.0.0.1:-1:"), got[0])
	assert.Equal(t, []string{"start hooks", "hook hooks db after 0s", "end hooks after 0s"}, got[1:4])
	assert.True(t, strings.HasPrefix(got[4], "end shutdown after 0s: shutdown: server 127.0.0.1:-1:"), got[4])
}

// BenchmarkObserver runs whole shutdowns (three hooks, no servers, no
// drain delay) without an Observer and with one that does nothing: the
// allocations per shutdown must be the same, since the events are built on
// the stack and passed by value.
func BenchmarkObserver(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []shutdown.Option
	}{
		{"unset", nil},
		{"no-op", []shutdown.Option{shutdown.Observer(func(shutdown.Event) {})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			nop := func(context.Context) error { return nil }
			opts := append([]shutdown.Option{shutdown.Signals(), shutdown.DrainDelay(0), shutdown.Logger(slogNew(slog.DiscardHandler))}, bc.opts...)
			b.ReportAllocs()
			for b.Loop() {
				m := shutdown.New(opts...)
				m.OnShutdown("a", nop)
				m.OnShutdown("b", nop)
				m.OnShutdown("c", nop)
				if err := m.Run(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
