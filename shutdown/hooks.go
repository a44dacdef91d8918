package shutdown

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// hookGrace is how long a hook whose deadline has passed may still take to
// return before it is abandoned: enough for a hook that honours its context
// to notice and return its error.
const hookGrace = 50 * time.Millisecond

type hook struct {
	name string
	fn   func(context.Context) error
}

// OnShutdown registers fn to run in step 4 of the shutdown, after the
// servers, long-lived handlers and workers have stopped. Hooks run one at a
// time in reverse order of registration (what was opened last is closed
// first), each with its own context whose deadline is HookTimeout (default
// 5 s) or the hard timeout, whichever comes first; context.Cause tells which.
// A hook that returns an error, panics, or has not returned by its deadline
// is logged and reported in Run's error, and the remaining hooks still run.
// Hooks not started before the hard timeout are skipped and named in the
// *ForcedError. Hooks registered once the hooks have started running are
// ignored (and logged). An empty name or a nil fn panics.
func (m *Manager) OnShutdown(name string, fn func(context.Context) error) {
	if name == "" {
		panic("shutdown.OnShutdown: empty hook name (it names the hook in logs and errors)")
	}
	if fn == nil {
		panic("shutdown.OnShutdown: nil function for hook " + name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hooksStarted {
		m.log().Error("shutdown hook registered after the hooks started running; ignored", "hook", name)
		return
	}
	m.hooks = append(m.hooks, hook{name: name, fn: fn})
}

// runHooks runs the hooks in reverse order within budget. It returns the
// hooks' errors and, when the budget ran out, the hooks abandoned or not
// run.
func (m *Manager) runHooks(budget context.Context, log *slog.Logger) (errs []error, left []string) {
	m.mu.Lock()
	m.hooksStarted = true
	hooks := m.hooks
	m.mu.Unlock()
	if len(hooks) > 0 {
		log.Info("running shutdown hooks in reverse order of registration", "hooks", len(hooks))
	}
	clock := m.cfg.clock
	phaseStart := clock.Now()
	m.observe(Event{Kind: EventStart, Phase: PhaseHooks})
	for i := len(hooks) - 1; i >= 0; i-- {
		h := hooks[i]
		if budget.Err() != nil {
			left = append(left, fmt.Sprintf("hook %q (not run)", h.name))
			m.observe(Event{Kind: EventHook, Phase: PhaseHooks, Hook: h.name, Err: context.Cause(budget)})
			continue
		}
		hookStart := clock.Now()
		log.Info("running shutdown hook", "hook", h.name)
		deadlineErr := fmt.Errorf("hook deadline of %v passed: %w", m.cfg.hookTimeout, context.DeadlineExceeded)
		hctx, cancel := withClockDeadline(budget, m.cfg.clock, m.cfg.hookTimeout, deadlineErr)
		result := make(chan error, 1)
		go func() { result <- safeCall(func() error { return h.fn(hctx) }) }()
		var err error
		select {
		case err = <-result:
		case <-hctx.Done():
			// A hook that honours its context returns right after it
			// ends; give it a moment to do so before abandoning it.
			grace := time.NewTimer(hookGrace)
			select {
			case err = <-result:
				grace.Stop()
			case <-grace.C:
				err = fmt.Errorf("did not return by its deadline (%w); abandoned", context.Cause(hctx))
				if budget.Err() != nil {
					left = append(left, fmt.Sprintf("hook %q", h.name))
				}
			}
		}
		cancel(context.Canceled)
		m.observe(Event{Kind: EventHook, Phase: PhaseHooks, Hook: h.name, Duration: clock.Now().Sub(hookStart), Err: err})
		if err != nil {
			logFailure(log, "shutdown hook failed; running the others", "hook", h.name, err)
			errs = append(errs, &HookError{Name: h.name, Err: err})
		} else {
			log.Info("shutdown hook done", "hook", h.name)
		}
	}
	m.observe(Event{Kind: EventEnd, Phase: PhaseHooks, Duration: clock.Now().Sub(phaseStart), Err: cutShort(budget)})
	return errs, left
}
