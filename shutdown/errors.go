package shutdown

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

var (
	// ErrTimeout is wrapped by the *ForcedError Run returns when draining
	// ran past Timeout minus HookBudget, or the hard Timeout passed, with
	// something still running. It is also the cause (context.Cause) of the
	// hooks' contexts when the hard Timeout passes.
	ErrTimeout = errors.New("shutdown: hard timeout reached")
	// ErrSecondSignal is wrapped by the *ForcedError Run returns when a
	// signal arrived during the shutdown and the exit function returned.
	ErrSecondSignal = errors.New("shutdown: signal received while shutting down")
	// ErrAlreadyRun is returned by a second call of Run: a Manager runs once.
	ErrAlreadyRun = errors.New("shutdown: Run called more than once; create a new Manager")
)

// SignalError is the cause (see context.Cause) of a shutdown started by a
// signal. Run returns nil for such a shutdown when it completes cleanly.
type SignalError struct {
	Signal os.Signal
}

// Error describes the signal.
func (e *SignalError) Error() string { return "received signal " + e.Signal.String() }

// ServerError reports a server that could not start or stopped with an
// error other than http.ErrServerClosed. Addr is the listening address (or
// the configured one when listening failed).
type ServerError struct {
	Addr string
	Err  error
}

// Error describes the failed server.
func (e *ServerError) Error() string { return "shutdown: server " + e.Addr + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ServerError) Unwrap() error { return e.Err }

// WorkerError reports a background worker started with Go that returned an
// error or panicked (then Err is a *PanicError).
type WorkerError struct {
	Name string
	Err  error
}

// Error describes the failed worker.
func (e *WorkerError) Error() string {
	return fmt.Sprintf("shutdown: worker %q: %v", e.Name, e.Err)
}

// Unwrap returns the underlying error.
func (e *WorkerError) Unwrap() error { return e.Err }

// HookError reports an OnShutdown hook that returned an error, panicked
// (then Err is a *PanicError) or did not return by its deadline.
type HookError struct {
	Name string
	Err  error
}

// Error describes the failed hook.
func (e *HookError) Error() string {
	return fmt.Sprintf("shutdown: hook %q: %v", e.Name, e.Err)
}

// Unwrap returns the underlying error.
func (e *HookError) Unwrap() error { return e.Err }

// PanicError is a recovered panic of a worker or a hook. The stack is
// logged when the panic is recovered; Error does not repeat it.
type PanicError struct {
	Value any
	Stack []byte
}

// Error describes the recovered panic, without the stack.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// ForcedError is returned by Run when the shutdown did not finish on its
// own: draining or the hard timeout ran out (Reason is ErrTimeout) or a
// second signal arrived (Reason is ErrSecondSignal). Running names what was
// still running and was closed or abandoned.
type ForcedError struct {
	Reason  error
	After   time.Duration // time since the shutdown started
	Running []string
}

// Error describes the reason, the time taken and what was still running.
func (e *ForcedError) Error() string {
	var b strings.Builder
	b.WriteString(e.Reason.Error())
	fmt.Fprintf(&b, " after %v", e.After.Round(time.Millisecond))
	if len(e.Running) > 0 {
		b.WriteString("; still running: ")
		b.WriteString(strings.Join(e.Running, ", "))
	}
	return b.String()
}

// Unwrap returns Reason, so errors.Is(err, ErrTimeout) works.
func (e *ForcedError) Unwrap() error { return e.Reason }
