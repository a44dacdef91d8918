// Command nexus is the NEXUS reference server: every nexuskit package
// composed into one runnable service.
//
//	nexus [-env-file .env] [serve]                 run the server (default)
//	nexus token --subject NAME [--ttl 1h]          print a token signed with SESSION_SECRET (ttl at most 720h)
//	nexus healthcheck [--url URL]                  exit 0 when /readyz answers 200
//	nexus config                                   list the environment variables
//
// Configuration comes from the environment, layered over a .env file in
// the working directory; see `nexus config` and .env.example.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/nexuskit/nexus/envcfg"
	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/server"
	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nexus:", err)
		os.Exit(1)
	}
}

// run is the whole program, with its inputs passed in so tests can run it
// in-process. ctx ending stops the server like SIGTERM does.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	global := flag.NewFlagSet("nexus", flag.ContinueOnError)
	global.SetOutput(stdout)
	envFile := global.String("env-file", ".env", "dotenv `file` read under the real environment (a missing file is fine)")
	global.Usage = func() {
		fmt.Fprintln(stdout, "usage: nexus [-env-file FILE] [serve | token --subject NAME [--ttl 1h] | healthcheck [--url URL] | config]")
		global.PrintDefaults()
	}
	if len(args) == 0 {
		args = []string{"nexus"}
	}
	if err := global.Parse(args[1:]); err != nil {
		return helpIsNoError(err)
	}
	cmd, rest := "serve", global.Args()
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, getenv, *envFile, stdout)
	case "token":
		err = token(ctx, rest, getenv, *envFile, stdout)
	case "healthcheck":
		err = healthcheck(ctx, rest, getenv, *envFile, stdout)
	case "config":
		err = envcfg.Usage(stdout, &Config{})
	case "help":
		global.Usage()
	default:
		global.Usage()
		err = fmt.Errorf("unknown command %q", cmd)
	}
	return helpIsNoError(err)
}

// helpIsNoError turns the flag package's answer to -h/--help, which has
// already printed the usage, into success: asking for help is not a failure.
func helpIsNoError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// newLogger logs JSON to w at level, with the request ID of the context on
// every record (and the trace and span IDs when the request is traced) and
// the seed's level names.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			// Durations as milliseconds with a fraction (duration_ms: 1.234),
			// the unit of access logs, rather than slog's integer
			// nanoseconds.
			if a.Value.Kind() == slog.KindDuration {
				return slog.Float64(a.Key+"_ms", float64(a.Value.Duration())/float64(time.Millisecond))
			}
			if a.Key == slog.LevelKey && len(groups) == 0 {
				switch lv := a.Value.Any().(slog.Level); {
				case lv < slog.LevelDebug:
					a.Value = slog.StringValue("TRACE")
				case lv > slog.LevelError:
					a.Value = slog.StringValue("FATAL")
				}
			}
			return a
		},
	})
	return slog.New(requestid.NewLogHandler(telemetry.NewLogHandler(h)))
}

func serve(ctx context.Context, args []string, getenv func(string) string, envFile string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stdout)
	if err := fs.Parse(args); err != nil {
		return err
	}
	boot := newLogger(stdout, slog.LevelInfo)
	// What is logged while the configuration loads waits for the node ID,
	// which the configuration names (NODE_ID), so that every record carries it.
	early := &deferredLog{level: slog.LevelInfo}
	cfg, err := loadConfig(ctx, getenv, envFile, slog.New(early), true)
	if err != nil {
		early.replay(boot.Handler())
		return fmt.Errorf("configuration:\n%w", err)
	}
	nodeID := cfg.nodeID()
	boot = withNodeID(boot, nodeID)
	early.replay(boot.Handler())
	logger := withNodeID(newLogger(stdout, cfg.slogLevel()), nodeID)

	obs, err := newObservability(ctx, cfg, nil)
	if err != nil {
		return err
	}
	if obs.tracing != nil {
		// OpenTelemetry reports export failures through its global error
		// handler (by default Go's log package on stderr): send them to the
		// server's JSON log like every other component.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			logger.Warn("opentelemetry: traces not exported", "err", err)
		}))
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	var srv *server.Server // set below, before anything is served
	st = telemetry.Store(st, obs.metrics, obs.tracerProvider())
	mgr := shutdown.New(
		shutdown.Logger(logger),
		shutdown.DrainDelay(cfg.ShutdownDrainDelay),
		shutdown.Timeout(cfg.ShutdownTimeout),
		// /healthz and /readyz answer envelopes like every other endpoint.
		shutdown.ProbeResponder(func(w http.ResponseWriter, r *http.Request, status int, state string) {
			srv.WriteProbe(w, r, status, state)
		}),
		// Phase durations and hook outcomes as metrics (nothing without METRICS_ADDR).
		shutdown.Observer(obs.metrics.ObserveShutdown),
	)
	// Hooks run last registered first: the spans are flushed after the store has closed.
	mgr.OnShutdown("tracing", obs.shutdown)
	mgr.OnShutdown("store", func(context.Context) error { return st.Close() })

	aiProvider, aiStatus := cfg.aiSetup()
	probeAI(ctx, aiStatus)
	opts := server.Options{
		Store:          st,
		Signer:         wsauth.NewSigner(cfg.signerKeys()...),
		PingInterval:   cfg.WSPingInterval,
		Logger:         logger,
		CORSOrigins:    cfg.corsOrigins(),
		TrustedProxies: cfg.trustedProxies(),
		RateLimit:      cfg.RateLimitMaxRequests,
		RateWindow:     cfg.rateWindow(),
		Liveness:       mgr.LivenessHandler(),
		Readiness:      mgr.ReadinessHandler(),
		Draining:       mgr.Draining(),
		LongLived:      mgr.LongLived,
		Version:        version,
		Environment:    cfg.NodeEnv,
		AI:             aiProvider,
		AIStatus:       aiStatus,
		Integrations: []server.Integration{
			{Name: "openai", Variable: "OPENAI_API_KEY", Configured: cfg.OpenAIAPIKey != "", Active: aiProvider.Name() == "openai"},
			// Its default URL is not a configuration: only a value set in
			// the environment or .env says an Ollama server exists.
			{Name: "ollama", Variable: "OLLAMA_HOST", Configured: cfg.isSet("OLLAMA_HOST"), Active: aiProvider.Name() == "ollama"},
			{Name: "redis", Variable: "REDIS_URL", Configured: cfg.RedisURL != "", Active: cfg.EnableDistributed},
			{Name: "redisCache", Variable: "ENABLE_REDIS_CACHE", Configured: cfg.EnableRedisCache, Active: cfg.EnableRedisCache && cfg.EnableDistributed},
			{Name: "distributedSystem", Variable: "ENABLE_DISTRIBUTED_SYSTEM", Configured: cfg.EnableDistributed, Active: cfg.EnableDistributed},
		},
		NodeID: nodeID,
	}
	obs.configure(&opts)
	if _, err := joinCluster(cfg, nodeID, logger, mgr, &opts); err != nil {
		_ = st.Close()
		return err
	}
	srv = server.New(opts)

	host, loopbackDefault := cfg.listenHost()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(cfg.Port)))
	if err != nil {
		_ = st.Close()
		return fmt.Errorf("listen on %s: %w", net.JoinHostPort(host, strconv.Itoa(cfg.Port)), err)
	}
	stopMetrics, err := obs.serveMetrics(cfg.MetricsAddr, boot)
	if err != nil {
		_ = ln.Close()
		_ = st.Close()
		return err
	}
	defer stopMetrics()
	httpSrv := &http.Server{
		Handler:           obs.handler(srv.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	mgr.ServeListener(httpSrv, ln)
	tcp := ln.Addr().(*net.TCPAddr)
	port := tcp.Port
	// A URL this machine can open: the wildcard addresses mean loopback too.
	urlHost := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		urlHost = "127.0.0.1"
	}
	// Always printed, whatever LOG_LEVEL says: operators and tests need the
	// address (PORT=0 picks a free port).
	boot.Info("listening", "addr", "http://"+net.JoinHostPort(urlHost, strconv.Itoa(port)), "host", tcp.IP.String(), "port", port,
		"storage", st.Kind(), "environment", cfg.NodeEnv, "version", version)
	if loopbackDefault {
		boot.Info("listening on loopback only: other machines cannot connect (development default); set HOST=0.0.0.0 to accept them",
			"host", host)
	}
	err = mgr.Run(ctx)
	logger.Info("stopped", "clean", err == nil)
	return err
}

// maxTokenTTL caps nexus token --ttl: a leaked token is useful for at most
// this long, and a rotated secret (SESSION_SECRET_PREVIOUS) can be dropped
// this long after the rotation.
const maxTokenTTL = 30 * 24 * time.Hour

func token(ctx context.Context, args []string, getenv func(string) string, envFile string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stdout)
	subject := fs.String("subject", "", "who the token is for (required)")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid, at most 720h (30 days)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *subject == "" {
		return errors.New("token: --subject is required")
	}
	if *ttl <= 0 {
		return errors.New("token: --ttl must be positive")
	}
	if *ttl > maxTokenTTL {
		return fmt.Errorf("token: --ttl must be at most %s (30 days)", maxTokenTTL)
	}
	// Weak-secret warnings go nowhere: stdout must hold only the token.
	// The database is not needed to sign a token: DATABASE_URL is read as
	// unset, so neither its absence nor a malformed value stops the command.
	withoutDB := func(name string) string {
		if name == "DATABASE_URL" || name == "DATABASE_URL_FILE" {
			return ""
		}
		return getenv(name)
	}
	cfg, err := loadConfig(ctx, withoutDB, envFile, slog.New(slog.DiscardHandler), false)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	tok, err := wsauth.NewSigner([]byte(cfg.SessionSecret.Reveal())).Issue(*subject, *ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// healthcheck is the Docker HEALTHCHECK: the image has no curl.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, envFile string, stdout io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stdout)
	target := fs.String("url", "", "readiness URL (default http://127.0.0.1:$PORT/readyz)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" {
		type portOnly struct {
			Port int `env:"PORT, default=5000" validate:"min=1,max=65535"`
		}
		dotenv, err := readDotenv(envFile)
		if err != nil {
			return err
		}
		cfg, err := envcfg.Load[portOnly](ctx, envcfg.WithLookup(func(k string) (string, bool) {
			if v := getenv(k); v != "" {
				return v, true
			}
			v, ok := dotenv[k]
			return v, ok
		}))
		if err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
		*target = "http://127.0.0.1:" + strconv.Itoa(cfg.Port) + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d", *target, res.StatusCode)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
