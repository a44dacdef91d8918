package shutdown

import (
	"fmt"
	"time"
)

// Phase names a part of the shutdown, for an Observer. The values are
// short lowercase words, usable as metric labels as they are.
type Phase string

// The phases, in the order they run. PhaseShutdown spans the other three.
const (
	// PhaseShutdown is the whole shutdown, from the signal (or the end of
	// Run's context, a failure, a server that cannot start) to Run's
	// return.
	PhaseShutdown Phase = "shutdown"
	// PhaseDrainDelay is step 2: readiness fails, everything is still
	// served, each response ends its connection.
	PhaseDrainDelay Phase = "drain_delay"
	// PhaseDrain is step 3: Server.Shutdown, long-lived handlers and
	// workers, until they have all finished or draining was cut.
	PhaseDrain Phase = "drain"
	// PhaseHooks is step 4: the OnShutdown hooks.
	PhaseHooks Phase = "hooks"
)

// EventKind says what an Event reports.
type EventKind string

// The kinds of Event.
const (
	// EventStart: Phase has started. For PhaseShutdown, Err is the cause
	// (a *SignalError, context.Cause of Run's context, the failure).
	EventStart EventKind = "start"
	// EventEnd: Phase has ended after Duration. Err is nil when it ended
	// on its own; for PhaseDrainDelay and PhaseDrain it is ErrTimeout or
	// ErrSecondSignal when the phase was cut short (for PhaseDrain: with
	// servers closed or handlers or workers abandoned); for PhaseShutdown
	// it is the error Run returns.
	EventEnd EventKind = "end"
	// EventHook: the hook named Hook has returned (or was abandoned, or
	// skipped) after Duration. Err is nil on success, else what Run
	// reports for it: the hook's error, a *PanicError, the deadline it
	// missed; a hook skipped because the hard timeout passed or a second
	// signal arrived has Duration 0 and Err ErrTimeout or ErrSecondSignal.
	EventHook EventKind = "hook"
)

// Event is one observation of a shutdown, passed to an Observer.
type Event struct {
	Kind     EventKind
	Phase    Phase
	Hook     string        // the hook's name, for EventHook
	Duration time.Duration // for EventEnd and EventHook, measured with the Manager's Clock
	Err      error
}

// String describes the event in one line, for logs and tests.
func (e Event) String() string {
	s := string(e.Kind) + " " + string(e.Phase)
	if e.Kind == EventHook {
		s += " " + e.Hook
	}
	if e.Kind != EventStart {
		s += " after " + e.Duration.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Observer sets a function that receives an Event at every phase
// transition of the shutdown (with the phase's duration) and for every
// OnShutdown hook (with its outcome and duration), so the shutdown can be
// measured (phase durations as metrics, hook failures as counters, a
// trace span per phase) without parsing logs.
//
// fn is called synchronously on the goroutine running the shutdown, one
// event at a time, in order: it must be fast and must not block, or it
// delays the shutdown it observes (and a blocked fn is not cut by the
// hard timeout); it must not panic. Hand slow work to another goroutine.
// Default nil: no events, and no cost (no allocation; see
// BenchmarkObserver). A nil fn panics.
func Observer(fn func(Event)) Option {
	if fn == nil {
		panic("shutdown.Observer: nil function")
	}
	return func(c *config) { c.observe = fn }
}

// observe passes ev to the Observer, if there is one. Callers build ev on
// the stack; with no Observer nothing escapes and nothing is allocated.
func (m *Manager) observe(ev Event) {
	if fn := m.cfg.observe; fn != nil {
		fn(ev)
	}
}

var _ fmt.Stringer = Event{}
