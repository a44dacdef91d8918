package shutdown

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Defaults. Each is the production value a Manager uses when the option is
// not given. Together they fit Kubernetes' default grace period with a
// margin: the signal, 5 s of drain delay, at most 15 s more for in-flight
// requests, long-lived handlers and workers, 5 s reserved for the hooks,
// and Run has returned 25 s after the signal, 5 s before the kubelet's
// SIGKILL at 30 s.
const (
	// DefaultDrainDelay is how long readiness fails before the servers stop
	// accepting: the seed's 5 s, about what a Kubernetes endpoint update and
	// a load balancer's health check need to stop routing to the pod.
	DefaultDrainDelay = 5 * time.Second
	// DefaultTimeout is the hard limit, counted from the signal, after which
	// whatever is still running is closed. It is 5 s under
	// DefaultGracePeriod so that the forced close, the hooks' last moments
	// and the process exit happen before the platform's SIGKILL (the seed's
	// 30 s equalled the grace period, so the kill came first).
	DefaultTimeout = 25 * time.Second
	// DefaultGracePeriod is Kubernetes' default terminationGracePeriodSeconds.
	DefaultGracePeriod = 30 * time.Second
	// DefaultHookTimeout is the deadline each OnShutdown hook gets (never
	// past the hard timeout), so one hung hook cannot eat the time of the
	// hooks registered before it.
	DefaultHookTimeout = 5 * time.Second
	// DefaultHookBudget is the part of Timeout reserved for the OnShutdown
	// hooks: draining must end by Timeout minus this, so a stuck handler
	// cannot leave the hooks no time. When Timeout is shorter than 25 s
	// and HookBudget is not given, the reserve is a fifth of Timeout.
	DefaultHookBudget = 5 * time.Second
)

// minGraceMargin is the least time Run wants between the end of Timeout
// and the end of GracePeriod: for Server.Close, abandoning the hooks, the
// return from Run, the process exit, and the delay between the kubelet
// starting its clock and the signal reaching the process.
const minGraceMargin = 2 * time.Second

// Option configures a Manager. Options are applied by New; an invalid value
// panics there with a message naming the option.
type Option func(*config)

type config struct {
	drainDelay  time.Duration
	timeout     time.Duration
	gracePeriod time.Duration
	hookTimeout time.Duration
	hookBudget  time.Duration
	budgetSet   bool // HookBudget was given
	signals     []os.Signal
	notify      func(c chan<- os.Signal, sig ...os.Signal)
	stopNotify  func(c chan<- os.Signal)
	exit        func(code int)
	clock       Clock
	logger      *slog.Logger
	probe       ProbeResponderFunc
	observe     func(Event)
}

func defaultConfig() config {
	return config{
		drainDelay:  DefaultDrainDelay,
		timeout:     DefaultTimeout,
		gracePeriod: DefaultGracePeriod,
		hookTimeout: DefaultHookTimeout,
		hookBudget:  DefaultHookBudget,
		signals:     []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP},
		notify:      signal.Notify,
		stopNotify:  signal.Stop,
		exit:        os.Exit,
		clock:       realClock{},
		probe:       plainProbe,
	}
}

// DrainDelay sets how long the Manager keeps serving normally, with the
// readiness handler answering 503, between the signal and Server.Shutdown,
// so that load balancers stop routing new requests to this process first.
// Default 5 s (DefaultDrainDelay); 0 shuts down at once. Negative panics.
func DrainDelay(d time.Duration) Option {
	if d < 0 {
		panic(fmt.Sprintf("shutdown.DrainDelay: negative duration %v", d))
	}
	return func(c *config) { c.drainDelay = d }
}

// Timeout sets the hard limit of the whole shutdown, counted from the
// signal (the drain delay and the hooks included). Draining (the drain
// delay, Server.Shutdown, long-lived handlers, workers) must end by Timeout
// minus HookBudget: what is still draining then is closed with
// Server.Close, and the hooks run in the time left. When Timeout itself
// passes, remaining hooks are skipped, and Run returns a *ForcedError
// naming what was still running. Hijacked connections are unknown to
// http.Server and cannot be closed by it; they end when the process exits
// after Run returns. Default 25 s (DefaultTimeout); keep it at least 2 s
// under GracePeriod. Zero or negative panics.
func Timeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("shutdown.Timeout: duration must be positive, got %v", d))
	}
	return func(c *config) { c.timeout = d }
}

// HookBudget sets the part of Timeout reserved for the OnShutdown hooks,
// like fx's separate stop timeout: draining must end by Timeout minus d,
// so a stuck long-lived handler or request is closed in time for the hooks
// to run (flush the queue, close the database) instead of being skipped.
// The hooks start as soon as draining ends and may use all the time left
// until Timeout; each still has its own HookTimeout. Default 5 s
// (DefaultHookBudget), or a fifth of Timeout when Timeout is under 25 s;
// 0 reserves nothing. Negative panics, and New panics when d is not
// shorter than Timeout.
func HookBudget(d time.Duration) Option {
	if d < 0 {
		panic(fmt.Sprintf("shutdown.HookBudget: negative duration %v", d))
	}
	return func(c *config) { c.hookBudget, c.budgetSet = d, true }
}

// Signals sets the signals that start the shutdown. Default SIGINT,
// SIGTERM and SIGHUP. SIGHUP is included because its default action kills
// the process at once, without draining, when the terminal or SSH session
// that started it goes away; Kubernetes, Docker and systemd stop with
// SIGTERM. A program that reloads its configuration on SIGHUP must leave it
// out (Signals(os.Interrupt, syscall.SIGTERM)) and handle it itself, since
// every channel subscribed with signal.Notify receives it. With no signals
// at all the Manager listens to none and only the end of Run's context (or
// a failure) starts the shutdown.
func Signals(sig ...os.Signal) Option {
	for i, s := range sig {
		if s == nil {
			panic(fmt.Sprintf("shutdown.Signals: signal %d is nil", i))
		}
	}
	sigs := append([]os.Signal(nil), sig...)
	return func(c *config) { c.signals = sigs }
}

// GracePeriod sets the time the platform gives the process between the
// signal and killing it (Kubernetes' terminationGracePeriodSeconds, default
// 30 s). Run logs a warning at startup when the hard Timeout leaves less
// than 2 s of it, since the process would then be killed before, or just
// as, its own timeout acts. The drain delay and the hook budget are not
// added: both run inside Timeout. When a preStop hook sleeps before the
// signal, pass the grace period minus that sleep. Zero or negative panics.
func GracePeriod(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("shutdown.GracePeriod: duration must be positive, got %v", d))
	}
	return func(c *config) { c.gracePeriod = d }
}

// HookTimeout sets the deadline each OnShutdown hook gets, capped by the
// hard Timeout. Default 5 s (DefaultHookTimeout). Zero or negative panics.
func HookTimeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("shutdown.HookTimeout: duration must be positive, got %v", d))
	}
	return func(c *config) { c.hookTimeout = d }
}

// Logger sets the logger for the shutdown steps. Default slog.Default().
// A nil logger panics.
func Logger(l *slog.Logger) Option {
	if l == nil {
		panic("shutdown.Logger: nil logger")
	}
	return func(c *config) { c.logger = l }
}

// SignalFuncs replaces signal.Notify and signal.Stop, which the Manager uses
// to subscribe to the configured Signals. Tests pass functions that keep the
// channel and send on it, so no real signal is ever raised. Nil panics.
func SignalFuncs(notify func(c chan<- os.Signal, sig ...os.Signal), stop func(c chan<- os.Signal)) Option {
	if notify == nil || stop == nil {
		panic("shutdown.SignalFuncs: notify and stop must both be non-nil")
	}
	return func(c *config) { c.notify, c.stopNotify = notify, stop }
}

// ExitFunc replaces os.Exit, which the Manager calls with status 1 when a
// signal arrives while it is already shutting down (the impatient second
// Ctrl-C). If the function returns, as a test's does, the Manager abandons
// the remaining waits, closes the servers and Run returns a *ForcedError
// wrapping ErrSecondSignal. Nil panics.
func ExitFunc(exit func(code int)) Option {
	if exit == nil {
		panic("shutdown.ExitFunc: nil function")
	}
	return func(c *config) { c.exit = exit }
}

// ProbeResponderFunc writes the answer of ReadinessHandler or
// LivenessHandler: status is 200 or 503 and state says why, one of
// "ok", "starting" and "shutting down".
type ProbeResponderFunc func(w http.ResponseWriter, r *http.Request, status int, state string)

// ProbeResponder replaces how ReadinessHandler and LivenessHandler write
// their answer, for a server whose every response has one shape (a JSON
// envelope, application/problem+json): the Manager still decides the status
// and the state, fn only renders them. Default: the state and a newline as
// text/plain with Cache-Control: no-store. Nil panics.
func ProbeResponder(fn ProbeResponderFunc) Option {
	if fn == nil {
		panic("shutdown.ProbeResponder: nil function")
	}
	return func(c *config) { c.probe = fn }
}

// WithClock replaces the wall clock used for the drain delay, the hard
// timeout and the hook deadlines. Tests pass a fake clock to step through a
// shutdown without waiting. Nil panics.
func WithClock(c Clock) Option {
	if c == nil {
		panic("shutdown.WithClock: nil clock")
	}
	return func(cfg *config) { cfg.clock = c }
}
