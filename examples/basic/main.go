// Command basic is the smallest server composed from nexuskit packages.
// It grows as packages land; the full NEXUS reference server is examples/nexus.
//
// Every request gets a correlation ID (the client's X-Request-ID when well
// formed, a UUIDv4 otherwise), echoed in the response and carried by every
// log line, including the access log:
//
//	curl -H 'X-Request-ID: demo-1' localhost:8080/hello
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/nexuskit/nexus/requestid"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
		os.Exit(1)
	}
}

// newLogger returns a text logger on w whose records carry request_id when
// logged with a request context.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(requestid.NewLogHandler(slog.NewTextHandler(w, nil)))
}

// newHandler builds the example's routes behind the request ID and access
// log middleware.
func newHandler(logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "saying hello")
		fmt.Fprintf(w, "hello, request %q\n", requestid.FromContext(r.Context()))
	})
	return requestid.Middleware()(requestid.AccessLog(logger)(mux))
}

func run(ctx context.Context, _ []string, getenv func(string) string, stdout io.Writer) error {
	addr := getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	logger := newLogger(stdout)
	srv := &http.Server{
		Addr:     addr,
		Handler:  newHandler(logger),
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("listening", "url", "http://"+addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return srv.Shutdown(context.Background())
	}
}
