package shutdown

import (
	"errors"
	"testing"
	"time"
)

// TestObserveUnsetAllocatesNothing: with no Observer, reporting an event
// (every kind, with an error and a hook name) allocates nothing.
func TestObserveUnsetAllocatesNothing(t *testing.T) {
	m := New()
	err := errors.New("flush failed")
	name := "db"
	var d time.Duration
	allocs := testing.AllocsPerRun(1000, func() {
		d++
		m.observe(Event{Kind: EventStart, Phase: PhaseShutdown, Err: err})
		m.observe(Event{Kind: EventEnd, Phase: PhaseDrain, Duration: d, Err: err})
		m.observe(Event{Kind: EventHook, Phase: PhaseHooks, Hook: name, Duration: d, Err: err})
	})
	if allocs != 0 {
		t.Fatalf("observe without an Observer: %v allocations per run; want 0", allocs)
	}
	var got int
	m.cfg.observe = func(Event) { got++ }
	allocs = testing.AllocsPerRun(1000, func() {
		m.observe(Event{Kind: EventHook, Phase: PhaseHooks, Hook: name, Duration: d, Err: err})
	})
	if allocs != 0 || got == 0 {
		t.Fatalf("observe with a no-op Observer: %v allocations per run, %d calls; want 0 allocations", allocs, got)
	}
}
