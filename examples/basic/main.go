// Command basic is the smallest server composed from nexuskit packages:
// correlation IDs and an access log (requestid), JSON envelopes, panic
// recovery and envelope 404/405 (respond), and a graceful shutdown with
// readiness and liveness probes (shutdown). The full NEXUS reference server
// is examples/nexus.
//
//	go run ./basic                        # listens on 127.0.0.1:8080
//	curl -H 'X-Request-ID: demo-1' localhost:8080/hello/ada
//	curl localhost:8080/readyz            # 200 while serving, 503 while draining
//
// Environment: ADDR (default 127.0.0.1:8080) and DRAIN_DELAY (how long
// readiness fails before the server stops accepting; default 5s).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/shutdown"
)

func main() {
	// The shutdown Manager handles SIGINT and SIGTERM itself (a second one
	// exits at once), so main needs no signal context.
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
		os.Exit(1)
	}
}

// run serves until a signal or the end of ctx, then shuts down gracefully.
func run(ctx context.Context, _ []string, getenv func(string) string, stdout io.Writer) error {
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	drain := shutdown.DefaultDrainDelay
	if s := getenv("DRAIN_DELAY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return fmt.Errorf("DRAIN_DELAY must be a non-negative duration such as 5s, got %q", s)
		}
		drain = d
	}

	logger := newLogger(stdout)
	m := shutdown.New(shutdown.Logger(logger), shutdown.DrainDelay(drain))
	srv := &http.Server{
		Addr:              addr,
		Handler:           newHandler(logger, m),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	return m.Run(ctx, srv)
}

// newLogger returns a JSON logger on w whose records carry request_id when
// logged with a request context.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(requestid.NewLogHandler(slog.NewJSONHandler(w, nil)))
}

// greeting is the data of GET /hello/{name}.
type greeting struct {
	Message string `json:"message"`
}

// newHandler builds the routes behind the middleware, outermost first:
// request ID, access log, panic recovery, envelope 404/405.
func newHandler(logger *slog.Logger, m *shutdown.Manager) http.Handler {
	rs := respond.New(respond.WithLogger(logger))
	mux := http.NewServeMux()
	mux.Handle("GET /livez", m.LivenessHandler())
	mux.Handle("GET /readyz", m.ReadinessHandler())
	mux.HandleFunc("GET /hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if len(name) > 64 {
			rs.Error(w, r, respond.NewError(respond.CodeBadRequest, "name must be at most 64 bytes"))
			return
		}
		logger.InfoContext(r.Context(), "saying hello")
		rs.OK(w, r, greeting{Message: "hello, " + name})
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("something went badly wrong") // Recover answers with a 500 envelope
	})
	return requestid.Middleware()(requestid.AccessLog(logger)(rs.Recover(rs.MuxErrors(mux))))
}
