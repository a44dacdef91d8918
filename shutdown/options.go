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
// not given.
const (
	// DefaultDrainDelay is how long readiness fails before the servers stop
	// accepting: the seed's 5 s, about what a Kubernetes endpoint update and
	// a load balancer's health check need to stop routing to the pod.
	DefaultDrainDelay = 5 * time.Second
	// DefaultTimeout is the hard limit, counted from the signal, after which
	// whatever is still running is closed: the seed's 30 s.
	DefaultTimeout = 30 * time.Second
	// DefaultGracePeriod is Kubernetes' default terminationGracePeriodSeconds.
	DefaultGracePeriod = 30 * time.Second
	// DefaultHookTimeout is the deadline each OnShutdown hook gets (never
	// past the hard timeout), so one hung hook cannot eat the time of the
	// hooks registered before it.
	DefaultHookTimeout = 5 * time.Second
)

// Option configures a Manager. Options are applied by New; an invalid value
// panics there with a message naming the option.
type Option func(*config)

type config struct {
	drainDelay  time.Duration
	timeout     time.Duration
	gracePeriod time.Duration
	hookTimeout time.Duration
	signals     []os.Signal
	notify      func(c chan<- os.Signal, sig ...os.Signal)
	stopNotify  func(c chan<- os.Signal)
	exit        func(code int)
	clock       Clock
	logger      *slog.Logger
	probe       ProbeResponderFunc
}

func defaultConfig() config {
	return config{
		drainDelay:  DefaultDrainDelay,
		timeout:     DefaultTimeout,
		gracePeriod: DefaultGracePeriod,
		hookTimeout: DefaultHookTimeout,
		signals:     []os.Signal{os.Interrupt, syscall.SIGTERM},
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
// signal (the drain delay included). When it passes, servers still draining
// are closed with Server.Close, remaining hooks are skipped, and Run returns
// a *ForcedError naming what was still running. Hijacked connections are
// unknown to http.Server and cannot be closed by it; they end when the
// process exits after Run returns. Default 30 s (DefaultTimeout). Zero or
// negative panics.
func Timeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("shutdown.Timeout: duration must be positive, got %v", d))
	}
	return func(c *config) { c.timeout = d }
}

// Signals sets the signals that start the shutdown. Default SIGINT and
// SIGTERM. With no signals at all the Manager listens to none and only the
// end of Run's context (or a failure) starts the shutdown.
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
// 30 s). Run logs a warning at startup when the hard Timeout exceeds it, since
// the process would then be killed before its own timeout could act. The
// drain delay is not added: it runs inside Timeout. When a preStop hook
// sleeps before the signal, pass the grace period minus that sleep.
// Zero or negative panics.
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
