package shutdown

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
)

const (
	stateStarting int32 = iota
	stateServing
	stateDraining
)

// Manager serves HTTP servers until a signal, the end of a context or a
// failure, then shuts them down in the order described in the package
// documentation. Create it with New; its methods are safe for concurrent
// use. A Manager runs once.
type Manager struct {
	cfg       config
	state     atomic.Int32
	stopping  chan struct{} // closed at the first moment of the shutdown
	draining  chan struct{} // closed at Server.Shutdown, after the drain delay
	longLived *tracker
	started   atomic.Bool

	failOnce sync.Once
	failed   chan struct{} // closed by the first failure

	mu            sync.Mutex
	hooks         []hook
	hooksStarted  bool
	extra         []*entry // from ServeListener
	extraTaken    bool
	pending       []worker // Go before Run
	workerCtx     context.Context
	cancelWorkers context.CancelCauseFunc
	running       map[string]int // workers still running, by name
	workersWG     sync.WaitGroup
	failures      []error
}

// New returns a Manager configured by opts; with none it has the production
// defaults: SIGINT, SIGTERM and SIGHUP, a 5 s drain delay, a 25 s hard
// timeout of which 5 s are reserved for the hooks, 5 s per hook,
// slog.Default(). Invalid option values panic.
func New(opts ...Option) *Manager {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			panic("shutdown.New: nil Option")
		}
		o(&cfg)
	}
	switch {
	case cfg.budgetSet && cfg.hookBudget >= cfg.timeout:
		panic(fmt.Sprintf("shutdown.HookBudget: %v leaves no time for draining within Timeout %v; lower HookBudget or raise Timeout", cfg.hookBudget, cfg.timeout))
	case !cfg.budgetSet && cfg.hookBudget > cfg.timeout/5:
		cfg.hookBudget = cfg.timeout / 5
	}
	return &Manager{
		cfg:       cfg,
		stopping:  make(chan struct{}),
		draining:  make(chan struct{}),
		longLived: newTracker(),
		failed:    make(chan struct{}),
		running:   map[string]int{},
	}
}

func (m *Manager) log() *slog.Logger {
	if m.cfg.logger != nil {
		return m.cfg.logger
	}
	return slog.Default()
}

// entry is one server with its listener.
type entry struct {
	srv  *http.Server
	ln   net.Listener
	name string
	tls  bool
	done chan struct{} // closed when Serve has returned
}

// ServeListener registers srv to be served on ln, which the caller has
// already opened (a listener from a test, from systemd socket activation,
// or from a file descriptor handed over by a parent process). Run serves it
// with the servers passed to Run, over TLS when srv.TLSConfig is set, and
// closes ln at the end. It must be called before Run; afterwards it panics.
func (m *Manager) ServeListener(srv *http.Server, ln net.Listener) {
	if srv == nil || ln == nil {
		panic("shutdown.ServeListener: nil server or listener")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.extraTaken {
		panic("shutdown.ServeListener: called after Run started; register listeners before calling Run")
	}
	m.extra = append(m.extra, &entry{srv: srv, ln: ln, name: ln.Addr().String(), tls: srv.TLSConfig != nil})
}

// fail records a failure of a server or worker and starts the shutdown.
func (m *Manager) fail(err error) {
	m.mu.Lock()
	m.failures = append(m.failures, err)
	m.mu.Unlock()
	m.failOnce.Do(func() { close(m.failed) })
}

func (m *Manager) firstFailure() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.failures[0]
}

// Run listens on and serves every server (each srv.Addr, ":http" or
// ":https" when empty; TLS with srv.TLSConfig's certificates when
// srv.TLSConfig is set) plus those registered with ServeListener, starts the
// workers registered with Go, and blocks until one of the configured
// signals arrives, ctx ends, a server fails or a worker fails. It then runs
// the shutdown sequence described in the package documentation and
// returns.
//
// Run returns nil after a clean shutdown. Otherwise the error joins what
// went wrong: a *ServerError for a server that could not start or stopped
// with an error, a *WorkerError, a *HookError, and a *ForcedError when
// draining or the hard timeout ran out with something still running, or a
// second signal arrived. Run replaces each server's Handler with a wrapper
// that ends connections during the drain delay (see the package
// documentation). The shutdown's own steps
// use fresh contexts, never ctx (which has usually ended by then), but keep
// ctx's values.
func (m *Manager) Run(ctx context.Context, servers ...*http.Server) error {
	if !m.started.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	log := m.log()
	m.warnBudget(log)

	sigCh := make(chan os.Signal, 4)
	if len(m.cfg.signals) > 0 {
		m.cfg.notify(sigCh, m.cfg.signals...)
		defer m.cfg.stopNotify(sigCh)
	}

	entries, err := m.listen(servers)
	if err != nil {
		return m.abortStart(ctx, log, err, sigCh)
	}

	m.mu.Lock()
	m.workerCtx, m.cancelWorkers = context.WithCancelCause(context.WithoutCancel(ctx))
	for _, w := range m.pending {
		m.startWorkerLocked(w)
	}
	m.pending = nil
	m.mu.Unlock()

	addrs := make([]string, 0, len(entries))
	for _, e := range entries {
		addrs = append(addrs, e.name)
		go m.serve(log, e)
	}
	m.state.Store(stateServing)
	log.Info("serving", "addrs", addrs, "drain_delay", m.cfg.drainDelay, "timeout", m.cfg.timeout)

	var cause error
	select {
	case <-ctx.Done():
		cause = context.Cause(ctx)
	case s := <-sigCh:
		cause = &SignalError{Signal: s}
	case <-m.failed:
		cause = m.firstFailure()
	}
	return m.shutdown(ctx, log, cause, entries, sigCh)
}

func (m *Manager) warnBudget(log *slog.Logger) {
	c := m.cfg
	// The hard timeout is counted from the signal and includes the drain
	// delay and the hooks' reserve, so the longest a shutdown can take is
	// the timeout itself; after it the process still has to close, return
	// and exit before the platform kills it.
	if c.gracePeriod-c.timeout < minGraceMargin {
		log.Warn("shutdown timeout leaves less than 2s of the grace period: the platform may kill the process before its forced close and hooks finish; lower the timeout or raise terminationGracePeriodSeconds (and GracePeriod)",
			"timeout", c.timeout, "grace_period", c.gracePeriod)
	}
	if c.drainDelay >= c.timeout-c.hookBudget {
		log.Warn("drain delay is not shorter than the shutdown timeout minus the hooks' budget: no time is left for in-flight requests; lower the drain delay",
			"drain_delay", c.drainDelay, "timeout", c.timeout, "hook_budget", c.hookBudget)
	}
}

// listen validates the servers and opens their listeners. On error every
// listener opened or registered is closed.
func (m *Manager) listen(servers []*http.Server) (entries []*entry, err error) {
	m.mu.Lock()
	extra := m.extra
	m.extraTaken = true
	m.mu.Unlock()
	defer func() {
		if err != nil {
			for _, e := range entries {
				_ = e.ln.Close()
			}
			for _, e := range extra {
				_ = e.ln.Close()
			}
		}
	}()

	seen := map[*http.Server]bool{}
	for i, s := range servers {
		if s == nil {
			return nil, fmt.Errorf("shutdown: Run: server %d is nil", i)
		}
		if seen[s] {
			return nil, fmt.Errorf("shutdown: Run: server %d (%s) was given twice", i, s.Addr)
		}
		seen[s] = true
	}
	for _, e := range extra {
		if seen[e.srv] {
			return nil, fmt.Errorf("shutdown: Run: the server registered for listener %s was given twice", e.name)
		}
		seen[e.srv] = true
	}
	for s := range seen {
		if s.TLSConfig != nil && !hasCertificate(s.TLSConfig) {
			return nil, &ServerError{Addr: s.Addr, Err: errors.New("TLSConfig has no certificate: set Certificates, GetCertificate or GetConfigForClient")}
		}
	}
	for _, s := range servers {
		addr := s.Addr
		if addr == "" {
			addr = ":http"
			if s.TLSConfig != nil {
				addr = ":https"
			}
		}
		ln, lerr := net.Listen("tcp", addr)
		if lerr != nil {
			return entries, &ServerError{Addr: addr, Err: lerr}
		}
		entries = append(entries, &entry{srv: s, ln: ln, name: ln.Addr().String(), tls: s.TLSConfig != nil})
	}
	entries = append(entries, extra...)
	for _, e := range entries {
		e.done = make(chan struct{})
		e.srv.Handler = m.closeWhileDraining(e.srv.Handler)
	}
	return entries, nil
}

func hasCertificate(c *tls.Config) bool {
	return len(c.Certificates) > 0 || c.GetCertificate != nil || c.GetConfigForClient != nil
}

// abortStart handles a server that could not start: nothing was served, so
// there is nothing to drain, but the hooks still release what the program
// opened before Run.
func (m *Manager) abortStart(ctx context.Context, log *slog.Logger, err error, sigCh <-chan os.Signal) error {
	start := m.cfg.clock.Now()
	log.Error("a server could not start; running shutdown hooks", "error", err)
	m.observe(Event{Kind: EventStart, Phase: PhaseShutdown, Err: err})
	m.state.Store(stateDraining)
	close(m.stopping)
	close(m.draining)
	m.mu.Lock()
	m.workerCtx, m.cancelWorkers = context.WithCancelCause(context.WithoutCancel(ctx))
	m.cancelWorkers(err)
	m.pending = nil
	m.mu.Unlock()
	budget, cancel := withClockDeadline(context.WithoutCancel(ctx), m.cfg.clock, m.cfg.timeout, ErrTimeout)
	// The operator can still force the exit while the hooks run.
	stopWatching := m.watchSignals(log, sigCh, err, budget, cancel)
	defer func() {
		cancel(context.Canceled)
		stopWatching()
	}()
	hookErrs, _ := m.runHooks(budget, log)
	errs := append([]error{err}, hookErrs...)
	elapsed := m.cfg.clock.Now().Sub(start)
	if context.Cause(budget) == ErrSecondSignal {
		errs = append(errs, &ForcedError{Reason: ErrSecondSignal, After: elapsed})
	}
	runErr := errors.Join(errs...)
	m.observe(Event{Kind: EventEnd, Phase: PhaseShutdown, Duration: elapsed, Err: runErr})
	return runErr
}

// watchSignals watches sigCh while the shutdown runs: a signal forces the
// exit (m.cfg.exit(1), then budget is cancelled with ErrSecondSignal in
// case exit returns), unless the shutdown was not started by a signal and
// this is the first one: with signal.NotifyContext around Run, one SIGTERM
// both ends ctx and arrives here, and must not count twice. The returned
// function waits for the watcher to end, which it does when budget ends.
func (m *Manager) watchSignals(log *slog.Logger, sigCh <-chan os.Signal, cause error, budget context.Context, cancelBudget context.CancelCauseFunc) (wait func()) {
	_, bySignal := cause.(*SignalError)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case s := <-sigCh:
				if !bySignal {
					bySignal = true
					log.Info("signal received; shutdown already in progress", "signal", s.String())
					continue
				}
				log.Error("signal received while shutting down: exiting now with status 1", "signal", s.String())
				m.cfg.exit(1)
				cancelBudget(ErrSecondSignal)
				return
			case <-budget.Done():
				return
			}
		}
	}()
	return func() { <-watched }
}

func (m *Manager) serve(log *slog.Logger, e *entry) {
	defer close(e.done)
	var err error
	if e.tls {
		err = e.srv.ServeTLS(e.ln, "", "")
	} else {
		err = e.srv.Serve(e.ln)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server stopped with an error; shutting down the others", "addr", e.name, "error", err)
		m.fail(&ServerError{Addr: e.name, Err: err})
	}
}

// shutdown runs the sequence: readiness 503, drain delay, Shutdown +
// Draining + waits, hooks, and the hard timeout over all of it.
func (m *Manager) shutdown(ctx context.Context, log *slog.Logger, cause error, entries []*entry, sigCh <-chan os.Signal) error {
	clock := m.cfg.clock
	start := clock.Now()
	deadline := start.Add(m.cfg.timeout)

	// Step 1: readiness fails from now on.
	m.state.Store(stateDraining)
	close(m.stopping)
	log.Info("shutdown started: readiness now answers 503", "cause", cause.Error(), "drain_delay", m.cfg.drainDelay, "timeout", m.cfg.timeout)
	m.observe(Event{Kind: EventStart, Phase: PhaseShutdown, Err: cause})

	// The whole budget, counted from the signal: never the signal's own
	// context, which has already ended.
	budget, cancelBudget := withClockDeadline(context.WithoutCancel(ctx), clock, m.cfg.timeout, ErrTimeout)
	stopWatching := m.watchSignals(log, sigCh, cause, budget, cancelBudget)
	defer func() {
		cancelBudget(context.Canceled)
		stopWatching()
	}()
	// Draining ends HookBudget before the budget does, so the hooks run
	// even when a handler or worker never stops.
	drain := budget
	if r := m.cfg.hookBudget; r > 0 {
		var cancelDrain context.CancelCauseFunc
		drain, cancelDrain = withClockDeadline(budget, clock, m.cfg.timeout-r, ErrTimeout)
		defer cancelDrain(context.Canceled)
	}

	// Step 2: keep serving while load balancers stop routing here.
	m.observe(Event{Kind: EventStart, Phase: PhaseDrainDelay})
	if d := m.cfg.drainDelay; d > 0 {
		log.Info("drain delay: still serving while load balancers stop routing", "drain_delay", d)
		select {
		case <-clock.After(d):
		case <-drain.Done():
		}
	}
	drainAt := clock.Now()
	m.observe(Event{Kind: EventEnd, Phase: PhaseDrainDelay, Duration: drainAt.Sub(start), Err: cutShort(drain)})

	// Step 3: stop accepting, finish in-flight requests, tell long-lived
	// handlers and workers to end, and wait for all of them.
	log.Info("stopping servers: no new connections; long-lived handlers and workers told to stop",
		"remaining", deadline.Sub(clock.Now()))
	close(m.draining)
	m.mu.Lock()
	m.cancelWorkers(cause)
	m.mu.Unlock()
	m.observe(Event{Kind: EventStart, Phase: PhaseDrain})

	var running []string
	var errs []error
	shutdownErrs := make([]error, len(entries))
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shutdownErrs[i] = e.srv.Shutdown(drain)
			untilDone(drain, e.done) // Serve returns once its listener is closed
		}()
	}
	wg.Wait()
	for i, e := range entries {
		if err := shutdownErrs[i]; err != nil {
			if drain.Err() != nil {
				// Out of time with requests still active: cut them.
				_ = e.srv.Close()
				running = append(running, "server "+e.name)
			} else {
				errs = append(errs, &ServerError{Addr: e.name, Err: err})
			}
		}
	}
	if len(running) == 0 {
		log.Info("servers stopped: every accepted request has completed")
	}

	if !m.longLived.wait(drain) {
		running = append(running, fmt.Sprintf("%d long-lived handler(s)", m.longLived.count()))
	} else {
		log.Info("long-lived handlers finished")
	}

	if names := m.waitWorkers(drain); len(names) > 0 {
		for _, n := range names {
			running = append(running, fmt.Sprintf("worker %q", n))
		}
	} else {
		log.Info("workers stopped")
	}
	if m.cfg.observe != nil {
		var cut error
		if len(running) > 0 {
			cut = cutShort(drain)
		}
		m.observe(Event{Kind: EventEnd, Phase: PhaseDrain, Duration: clock.Now().Sub(drainAt), Err: cut})
	}
	if len(running) > 0 && budget.Err() == nil {
		log.Warn("draining ran out of time: closed what was still running; the hooks run in the time reserved for them",
			"running", running, "remaining", deadline.Sub(clock.Now()))
	}

	// Step 4: hooks, last registered first.
	hookErrs, hooksLeft := m.runHooks(budget, log)
	running = append(running, hooksLeft...)

	// Step 5: whatever is left when the budget is gone is closed.
	elapsed := clock.Now().Sub(start)
	reason := context.Cause(drain) // the budget's cause too when the budget ended first
	if budget.Err() != nil {
		reason = context.Cause(budget)
	}
	forced := reason == ErrSecondSignal || (reason == ErrTimeout && len(running) > 0)
	if forced {
		fe := &ForcedError{Reason: reason, After: elapsed, Running: running}
		log.Error("shutdown forced: closed what was still running", "reason", reason.Error(), "running", running, "elapsed", elapsed)
		errs = append(errs, fe)
	}

	m.mu.Lock()
	all := append(append([]error(nil), m.failures...), errs...)
	m.mu.Unlock()
	all = append(all, hookErrs...)
	if len(all) == 0 {
		log.Info("shutdown complete", "cause", cause.Error(), "elapsed", elapsed)
		m.observe(Event{Kind: EventEnd, Phase: PhaseShutdown, Duration: elapsed})
		return nil
	}
	err := errors.Join(all...)
	if !forced {
		log.Error("shutdown finished with errors", "cause", cause.Error(), "elapsed", elapsed, "error", err)
	}
	m.observe(Event{Kind: EventEnd, Phase: PhaseShutdown, Duration: elapsed, Err: err})
	return err
}

// cutShort returns why ctx ended (ErrTimeout, ErrSecondSignal), or nil
// while it has not.
func cutShort(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// untilDone waits for done or ctx, whichever comes first, and reports
// whether done was closed.
func untilDone(ctx context.Context, done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
}
