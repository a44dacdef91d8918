package shutdown

import (
	"context"
	"time"
)

// Clock is the time source of a Manager: the drain delay, the hard timeout
// and the hook deadlines are all measured with it. The default is the wall
// clock; tests pass a fake one through WithClock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has elapsed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// deadlineContext is a context cancelled by the Manager's Clock (not by the
// runtime's timers, so a fake clock drives it) that still reports its
// deadline, so a hook can hand it to a database driver that reads Deadline.
type deadlineContext struct {
	context.Context
	deadline time.Time
}

func (c deadlineContext) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// withClockDeadline returns a context that ends with cause when clock
// reaches now+d, or when parent ends, or when cancel is called. The helper
// goroutine ends with the context.
func withClockDeadline(parent context.Context, clock Clock, d time.Duration, cause error) (context.Context, context.CancelCauseFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	deadline := clock.Now().Add(d)
	if d <= 0 {
		cancel(cause)
		return deadlineContext{ctx, deadline}, cancel
	}
	fire := clock.After(d)
	go func() {
		select {
		case <-fire:
			cancel(cause)
		case <-ctx.Done():
		}
	}()
	return deadlineContext{ctx, deadline}, cancel
}
