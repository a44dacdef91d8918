package shutdown

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sort"
)

type worker struct {
	name string
	fn   func(context.Context) error
}

// Go runs fn in its own goroutine with the manager's context: a context that
// keeps the values of Run's context and is cancelled (with the shutdown's
// cause, see context.Cause) when the servers stop accepting, in step 3 of
// the shutdown. The shutdown waits for fn to return, until Timeout minus
// HookBudget, before it runs the hooks.
//
// If fn returns an error before its context is cancelled, or panics at any
// time (the panic is recovered and logged with its stack), the Manager
// starts the shutdown and Run returns an error containing a *WorkerError.
// Returning nil, or the context's error after cancellation, is a clean stop.
// This replaces the seed's uncaughtException and unhandledRejection
// handlers: a failing background task stops the process cleanly instead of
// leaving it half alive.
//
// Workers registered before Run start when Run has opened its listeners;
// later ones start at once. A worker registered after the shutdown reached
// step 3 is not started (and is logged). An empty name or a nil fn panics.
func (m *Manager) Go(name string, fn func(context.Context) error) {
	if name == "" {
		panic("shutdown.Go: empty worker name (it names the worker in logs and errors)")
	}
	if fn == nil {
		panic("shutdown.Go: nil function for worker " + name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w := worker{name: name, fn: fn}
	switch {
	case m.workerCtx == nil:
		m.pending = append(m.pending, w)
	case m.workerCtx.Err() != nil:
		m.log().Error("worker registered after the shutdown stopped the workers; not started", "worker", name)
	default:
		m.startWorkerLocked(w)
	}
}

func (m *Manager) startWorkerLocked(w worker) {
	ctx := m.workerCtx
	m.running[w.name]++
	m.workersWG.Add(1)
	go func() {
		defer m.workersWG.Done()
		err := safeCall(func() error { return w.fn(ctx) })
		m.mu.Lock()
		if m.running[w.name]--; m.running[w.name] == 0 {
			delete(m.running, w.name)
		}
		m.mu.Unlock()
		log := m.log()
		switch {
		case err == nil:
			log.Info("worker finished", "worker", w.name)
		case ctx.Err() != nil && !isPanic(err) && (errors.Is(err, context.Canceled) || errors.Is(err, context.Cause(ctx))):
			log.Info("worker stopped", "worker", w.name)
		default:
			logFailure(log, "worker failed: shutting down", "worker", w.name, err)
			m.fail(&WorkerError{Name: w.name, Err: err})
		}
	}()
}

// waitWorkers waits for every worker within ctx and returns the names of
// those still running when ctx ended.
func (m *Manager) waitWorkers(ctx context.Context) []string {
	done := make(chan struct{})
	go func() {
		m.workersWG.Wait()
		close(done)
	}()
	if untilDone(ctx, done) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.running))
	for n := range m.running {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// safeCall runs fn and turns a panic into a *PanicError with the stack.
func safeCall(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}

func isPanic(err error) bool {
	var p *PanicError
	return errors.As(err, &p)
}

// logFailure logs err, with the stack when it is a recovered panic.
func logFailure(log *slog.Logger, msg, kind, name string, err error) {
	var p *PanicError
	if errors.As(err, &p) {
		log.Error(msg, kind, name, "panic", p.Error(), "stack", string(p.Stack))
		return
	}
	log.Error(msg, kind, name, "error", err)
}
