package shutdown_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nexuskit/nexus/shutdown"
)

func Example() {
	m := shutdown.New(
		shutdown.DrainDelay(200*time.Millisecond), // 5 s in production
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

	// Stands in for SIGTERM: a worker that checks readiness, then asks for
	// the shutdown by cancelling Run's context.
	ctx, cancel := context.WithCancel(context.Background())
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	status := func(path string) int {
		resp, err := client.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor := func(path string, want int) int { // bounded: about 5 s at most
		for range 5000 {
			if got := status(path); got == want {
				return got
			}
			time.Sleep(time.Millisecond)
		}
		return status(path)
	}
	m.Go("demo", func(ctx context.Context) error {
		fmt.Println("serving, readiness", waitFor("/readyz", http.StatusOK))
		cancel()
		fmt.Println("draining, readiness", waitFor("/readyz", http.StatusServiceUnavailable), "liveness", status("/livez"))
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
