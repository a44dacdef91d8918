// Package shutdown runs HTTP servers and stops them without dropping a
// request, the way Kubernetes and load balancers need.
//
// http.Server.Shutdown alone is not enough. It stops accepting at once, but
// the load balancer has not yet noticed the pod is going away (in
// Kubernetes the endpoint removal races the SIGTERM), so new requests are
// refused. It neither tells nor waits for hijacked connections such as
// WebSockets (golang/go#17721), it waits for SSE streams and long polls
// until its context expires, and then it leaves connections open unless
// Close follows. A Manager does the whole sequence:
//
//	t=0        SIGINT, SIGTERM or SIGHUP (configurable with Signals), the
//	           end of Run's context, or a failing server or worker. Logged
//	           with the cause.
//	1. t=0     ReadinessHandler answers 503 (it answered 200 while serving);
//	           LivenessHandler keeps answering 200; ShuttingDown() is
//	           closed (deregister from service discovery here).
//	2. 0..D    DrainDelay D (default 5 s): everything is still served
//	           normally while load balancers stop routing here, except
//	           that each response ends its connection (Connection: close
//	           on HTTP/1.1, GOAWAY on HTTP/2; see below).
//	3. t=D     Server.Shutdown on every server with a fresh context that
//	           ends at T-B; at the same moment Draining() is closed, so
//	           WebSocket and SSE handlers end (1001 Going Away), and the
//	           workers' context (Go) is cancelled. The Manager waits for
//	           in-flight requests, for handlers registered with LongLived
//	           or Track, and for the workers.
//	   t=T-B   If they have not all finished, what is left is closed with
//	           Server.Close (HookBudget B, default 5 s, is reserved for the
//	           hooks).
//	4.         OnShutdown hooks, last registered first, each with its own
//	           deadline (HookTimeout, default 5 s); errors and panics are
//	           logged and the others still run.
//	5. t=T     Hard Timeout T (default 25 s, counted from the signal): the
//	           hooks not done are abandoned, and Run returns a *ForcedError
//	           naming what was closed or abandoned.
//
// A second signal during the shutdown means the operator is out of
// patience: the process exits at once with status 1 (os.Exit; ExitFunc
// replaces it in tests). This holds from the first moment of the shutdown
// to Run's return, including while the hooks run after a server failed to
// start. When the shutdown was not started by a signal (Run's context
// ended, or a server or worker failed), the first signal is only logged:
// with signal.NotifyContext around Run, one SIGTERM both ends the context
// and arrives at the Manager, and must not count twice.
//
// The shortest use:
//
//	m := shutdown.New()
//	mux := http.NewServeMux()
//	mux.Handle("GET /readyz", m.ReadinessHandler())
//	mux.Handle("GET /livez", m.LivenessHandler())
//	mux.Handle("GET /ws", m.LongLived(wsHandler)) // selects on m.Draining()
//	m.OnShutdown("db", func(ctx context.Context) error { return db.Close() })
//	if err := m.Run(context.Background(), &http.Server{Addr: ":8080", Handler: mux}); err != nil {
//		slog.Error("shutdown", "error", err)
//		os.Exit(1)
//	}
//
// The probe handlers answer in plain text; ProbeResponder renders them in
// the server's own shape (a JSON envelope, for example) instead.
//
// # Kubernetes
//
// Point the readiness probe at ReadinessHandler with a short period (for
// example periodSeconds: 2, failureThreshold: 1) and make DrainDelay longer
// than the time the probe and the endpoint update need to take the pod out
// of rotation. Point the liveness probe at LivenessHandler.
//
// The defaults fit Kubernetes' default terminationGracePeriodSeconds of
// 30 s with a margin: 5 s of drain delay, at most 15 s more for in-flight
// requests and long-lived handlers, 5 s reserved for the hooks, and Run has
// returned by 25 s, leaving 5 s for the process to exit before the kubelet
// sends SIGKILL. (The seed's 30 s timeout equalled the grace period, so the
// kill came before the forced close.) Timeout counts from the signal and
// the drain delay and the hook budget run inside it, so Timeout alone is
// compared with GracePeriod (default 30 s): Run logs a warning at startup
// when Timeout leaves less than 2 s of the grace period, and another when
// DrainDelay leaves no time for in-flight requests before the hooks'
// budget. Raise terminationGracePeriodSeconds together with GracePeriod.
// The grace period counts from the start of the preStop hook, so with a
// preStop sleep pass GracePeriod(grace - sleep).
//
// # Hooks when draining does not finish
//
// A stuck handler (a long-lived connection whose handler ignores Draining,
// a request blocked on a dead backend) would otherwise hold Server.Shutdown
// until the hard timeout and leave the hooks no time. HookBudget reserves
// the end of Timeout for them, as fx's separate stop timeout does: draining
// is cut at Timeout minus HookBudget, and the hooks then run in the time
// left, so the database is still closed and the queue still flushed. A
// hook sees the hard timeout as its context's deadline (Err
// context.DeadlineExceeded, context.Cause ErrTimeout, or the HookTimeout
// cause); a second signal cancels it (Err context.Canceled, Cause
// ErrSecondSignal).
//
// # SIGHUP
//
// SIGHUP is one of the default signals and drains like SIGTERM. Its
// default action kills the process at once, without draining; it arrives
// when the terminal or SSH session that started the process goes away.
// Kubernetes, Docker and systemd stop with SIGTERM and are not affected. A
// program that reloads its configuration on SIGHUP passes
// Signals(os.Interrupt, syscall.SIGTERM) and handles SIGHUP itself: every
// channel subscribed with signal.Notify receives the signal, so the
// Manager would otherwise shut down on a reload.
//
// # Connections during the drain delay
//
// Server.Shutdown closes idle keep-alive connections. On HTTP/1.1 the
// server cannot tell a client that an idle connection is about to close,
// so a client that sends on it at that instant gets EOF or a reset: Go's
// client retries that for GET and other idempotent requests, never for a
// POST. To avoid the race, Run wraps the Handler of every server it serves
// (it replaces srv.Handler before serving; a nil Handler becomes
// http.DefaultServeMux, as net/http would use): from the first moment of
// the shutdown on, each response carries Connection: close, so net/http
// closes the HTTP/1.1 connection after it and, on HTTP/2, sends a graceful
// GOAWAY. Each client's next request then opens a new connection, which a
// load balancer or Kubernetes Service that has seen readiness fail sends to
// another replica; by the end of the drain delay a client that kept
// sending holds no connection here. Upgrade requests (WebSocket) are left
// alone: Draining tells their handlers when to end.
//
// Server.SetKeepAlivesEnabled(false) was not used: it closes idle HTTP/1.1
// connections at once, which moves the race to the start of the drain
// delay instead of removing it. What remains: a connection that carries no
// request during the whole drain delay is closed idle at Shutdown, so a
// client that sends less often than DrainDelay can still meet the race; and
// a client that dials this process itself after the listener has closed is
// refused (no request was sent).
//
// # Observing a shutdown
//
// Observer receives an Event when each phase starts and ends (PhaseShutdown
// spanning PhaseDrainDelay, PhaseDrain and PhaseHooks, with durations
// measured by the Manager's Clock, and ErrTimeout or ErrSecondSignal when a
// phase was cut short) and when each hook returns, is abandoned or is
// skipped (its duration and error). Metrics and tracing are wired to it
// outside the library; the package depends on neither. The Observer is
// called synchronously, one event at a time, on the goroutine that runs
// the shutdown: it must be fast and must not block (a blocked Observer
// delays the shutdown and is not cut by the hard timeout). Unset, it costs
// nothing: no event is built on the heap (TestObserveUnsetAllocatesNothing;
// BenchmarkObserver shows the same allocations per shutdown with no
// Observer and with a no-op one).
//
// Workers started with Go are the Go form of the seed's uncaughtException
// handler: a worker that fails or panics starts the same shutdown, and Run
// returns an error so main can exit with status 1.
package shutdown
