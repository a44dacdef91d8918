package ai_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/examples/nexus/ai"
)

// probeStub is a Provider whose Probe is scripted.
type probeStub struct {
	name  string
	calls atomic.Int32
	probe func(ctx context.Context) error
}

func (p *probeStub) Name() string  { return p.name }
func (p *probeStub) Model() string { return "m" }
func (p *probeStub) Stream(context.Context, ai.Request, func(string) error) (*ai.Answer, error) {
	return nil, nil
}
func (p *probeStub) Probe(ctx context.Context) error { p.calls.Add(1); return p.probe(ctx) }

// TestMonitorNeverBlocks: a probe that hangs does not delay Statuses; its
// result appears once it completes, is cached for the TTL, and a target
// neither configured nor active is never probed.
func TestMonitorNeverBlocks(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := &probeStub{name: "ollama", probe: func(ctx context.Context) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	down := &probeStub{name: "openai", probe: func(context.Context) error {
		return &ai.Error{Provider: "openai", Kind: ai.KindStatus, StatusCode: 401}
	}}
	idle := &probeStub{name: "idle", probe: func(context.Context) error { return nil }}
	m := ai.NewMonitor(time.Hour, 10*time.Second,
		ai.Target{Provider: slow, Variable: "OLLAMA_HOST", Active: true},
		ai.Target{Provider: down, Variable: "OPENAI_API_KEY", Configured: true},
		ai.Target{Provider: idle, Variable: "IDLE"},
	)
	t0 := time.Now()
	st := m.Statuses()
	assert.Less(t, time.Since(t0), 100*time.Millisecond, "Statuses waited for a probe")
	require.Len(t, st, 3)
	assert.Nil(t, st[0].Reachable, "not probed yet")
	assert.True(t, st[0].Active)
	assert.False(t, st[0].Configured)

	require.Eventually(t, func() bool { s := m.Statuses(); return s[1].Reachable != nil }, 5*time.Second, 5*time.Millisecond)
	st = m.Statuses()
	assert.False(t, *st[1].Reachable)
	assert.Equal(t, "status 401", st[1].Problem)
	assert.Nil(t, st[0].Reachable, "the hanging probe is still running")
	close(release)
	require.Eventually(t, func() bool { s := m.Statuses(); return s[0].Reachable != nil }, 5*time.Second, 5*time.Millisecond)
	assert.True(t, *m.Statuses()[0].Reachable)
	for range 20 {
		m.Statuses()
	}
	assert.EqualValues(t, 1, slow.calls.Load(), "cached for the TTL")
	assert.EqualValues(t, 1, down.calls.Load(), "cached for the TTL")
	assert.Zero(t, idle.calls.Load(), "neither configured nor active: never probed")
	assert.Nil(t, m.Statuses()[2].Reachable)
}

func TestMonitorRefreshesAfterTTL(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	p := &probeStub{name: "ollama", probe: func(context.Context) error {
		if fail.Load() {
			return &ai.Error{Provider: "ollama", Kind: ai.KindUnreachable}
		}
		return nil
	}}
	m := ai.NewMonitor(50*time.Millisecond, time.Second, ai.Target{Provider: p, Configured: true})
	m.Refresh(context.Background())
	assert.True(t, *m.Statuses()[0].Reachable)
	fail.Store(true)
	require.Eventually(t, func() bool {
		s := m.Statuses()[0]
		return !*s.Reachable && s.Problem == "unreachable"
	}, 5*time.Second, 10*time.Millisecond)
}

func TestMonitorPanics(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "ai: NewMonitor: ttl 0s is not positive", func() { ai.NewMonitor(0, time.Second) })
	assert.PanicsWithValue(t, "ai: NewMonitor: timeout 0s is not positive", func() { ai.NewMonitor(time.Second, 0) })
	assert.PanicsWithValue(t, "ai: NewMonitor: a Target has no Provider", func() { ai.NewMonitor(time.Second, time.Second, ai.Target{}) })
}
