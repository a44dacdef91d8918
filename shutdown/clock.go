package shutdown

import (
	"context"
	"sync"
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

// clockContext is a context that ends when the Manager's Clock reaches
// its deadline (not the runtime's timers, so a fake clock drives it), when
// its parent ends, or when it is cancelled. Like a context from
// context.WithDeadlineCause, Err reports context.DeadlineExceeded when the
// deadline passed, context.Canceled when it was cancelled, and
// context.Cause the cause given. It reports its deadline, so a hook can
// hand it to a database driver that reads Deadline.
//
// It embeds a context.WithCancelCause context, which carries the values and
// the cause, but has a Done channel of its own: the context package then
// sees it as a custom context and propagates Err (not the embedded
// context's Canceled) to the contexts derived from it.
type clockContext struct {
	context.Context
	deadline time.Time
	done     chan struct{}
	mu       sync.Mutex
	err      error
}

func (c *clockContext) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

func (c *clockContext) Done() <-chan struct{} { return c.done }

func (c *clockContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// end records err and closes Done, once.
func (c *clockContext) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}

// withClockDeadline returns a context that ends when clock reaches now+d
// (Err context.DeadlineExceeded, Cause cause), when parent ends (its Err and
// Cause), or when cancel is called (Err context.Canceled, Cause the cause
// passed to cancel). The helper goroutine ends with the context.
func withClockDeadline(parent context.Context, clock Clock, d time.Duration, cause error) (context.Context, context.CancelCauseFunc) {
	inner, cancelInner := context.WithCancelCause(parent)
	c := &clockContext{Context: inner, deadline: clock.Now().Add(d), done: make(chan struct{})}
	cancel := func(why error) {
		cancelInner(why)
		c.end(inner.Err())
	}
	if d <= 0 {
		cancelInner(cause)
		c.end(context.DeadlineExceeded)
		return c, cancel
	}
	fire := clock.After(d)
	go func() {
		select {
		case <-fire:
			cancelInner(cause)
			c.end(context.DeadlineExceeded)
		case <-inner.Done():
			c.end(inner.Err())
		}
	}()
	return c, cancel
}
