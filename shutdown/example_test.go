package shutdown_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nexuskit/nexus/shutdown"
)

// Example runs a server through a whole shutdown. Cancelling Run's context
// stands in for SIGTERM; the probes ask the mux in process, so the output
// does not depend on timing.
func Example() {
	m := shutdown.New(
		shutdown.DrainDelay(100*time.Millisecond), // 5 s in production
		shutdown.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /readyz", m.ReadinessHandler())
	mux.Handle("GET /livez", m.LivenessHandler())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	m.ServeListener(&http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln)

	// Hooks run last registered first: the cache goes before the database.
	m.OnShutdown("database", func(context.Context) error { fmt.Println("closing database"); return nil })
	m.OnShutdown("cache", func(context.Context) error { fmt.Println("flushing cache"); return nil })

	probe := func(path string) int {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	waitFor := func(path string, want int) int { // bounded: about 5 s at most
		for range 5000 {
			if probe(path) == want {
				break
			}
			time.Sleep(time.Millisecond)
		}
		return probe(path)
	}

	ctx, cancel := context.WithCancel(context.Background())
	m.Go("demo", func(ctx context.Context) error {
		fmt.Println("serving, readiness", waitFor("/readyz", http.StatusOK))
		cancel() // as SIGTERM would
		fmt.Println("draining, readiness", waitFor("/readyz", http.StatusServiceUnavailable), "liveness", probe("/livez"))
		<-ctx.Done() // cancelled when the servers stop accepting
		fmt.Println("worker stopped")
		return nil
	})

	err = m.Run(ctx)
	fmt.Println("Run returned", err)
	// Output:
	// serving, readiness 200
	// draining, readiness 503 liveness 200
	// worker stopped
	// flushing cache
	// closing database
	// Run returned <nil>
}

// ExampleProbeResponder answers the probes in the server's own JSON shape.
// The Manager still decides the status; the responder only renders it.
func ExampleProbeResponder() {
	m := shutdown.New(shutdown.ProbeResponder(func(w http.ResponseWriter, r *http.Request, status int, state string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%q}`, state)
	}))

	rec := httptest.NewRecorder()
	m.ReadinessHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	fmt.Println(rec.Code, rec.Body.String()) // Run has not started yet
	// Output:
	// 503 {"status":"starting"}
}

// ExampleManager_ShuttingDown deregisters from a service discovery system
// the moment the shutdown starts, a whole drain delay before the servers
// stop accepting, so clients stop being sent here while every request that
// still arrives is served.
func ExampleManager_ShuttingDown() {
	m := shutdown.New(
		shutdown.DrainDelay(100*time.Millisecond), // 5 s in production
		shutdown.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	m.ServeListener(&http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 5 * time.Second}, ln)

	ctx, cancel := context.WithCancel(context.Background())
	m.Go("discovery", func(ctx context.Context) error {
		fmt.Println("registered")
		cancel() // as SIGTERM would
		<-m.ShuttingDown()
		fmt.Println("deregistered; still serving during the drain delay")
		<-m.Draining()
		fmt.Println("draining: the servers stop accepting")
		return nil
	})
	fmt.Println("Run returned", m.Run(ctx))
	// Output:
	// registered
	// deregistered; still serving during the drain delay
	// draining: the servers stop accepting
	// Run returned <nil>
}

// ExampleObserver records where a shutdown spends its time: each phase as
// it starts and ends (ev.Duration would go to a histogram), each hook with
// its outcome. The Observer runs on the shutdown's own goroutine, so it
// must return at once.
func ExampleObserver() {
	m := shutdown.New(
		shutdown.DrainDelay(0), // 5 s in production
		shutdown.Signals(),     // this example ends Run's context instead
		shutdown.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		shutdown.Observer(func(ev shutdown.Event) {
			switch ev.Kind {
			case shutdown.EventHook:
				fmt.Printf("hook %s: err=%v\n", ev.Hook, ev.Err)
			default:
				fmt.Println(ev.Kind, ev.Phase)
			}
		}),
	)
	m.OnShutdown("database", func(context.Context) error { return nil })
	m.OnShutdown("cache", func(context.Context) error { return errors.New("flush failed") })

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as SIGTERM would
	_ = m.Run(ctx)
	// Output:
	// start shutdown
	// start drain_delay
	// end drain_delay
	// start drain
	// end drain
	// start hooks
	// hook cache: err=flush failed
	// hook database: err=<nil>
	// end hooks
	// end shutdown
}
