package cluster_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nexuskit/nexus/internal/redistest"

	"github.com/nexuskit/nexus/examples/nexus/cluster"
	"github.com/nexuskit/nexus/examples/nexus/server"
)

// limiterReplicas returns n shared limiters on one redis-server, each in
// front of an empty handler; local counts the requests that fell back.
//
// The nodes run (so a Redis that was slow once is probed and used again);
// callTimeout 0 is the default.
func limiterReplicas(tb testing.TB, rs *redistest.Server, n, limit int, window, callTimeout time.Duration, local *atomic.Int64) []http.Handler {
	var hs []http.Handler
	for range n {
		rdb, err := cluster.NewClient("redis://" + rs.Addr())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = rdb.Close() })
		node := cluster.New(cluster.Options{Client: rdb, NodeID: uuid.NewString(), CallTimeout: callTimeout,
			Logger: slog.New(slog.DiscardHandler)})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = node.Run(ctx)
		}()
		tb.Cleanup(func() {
			cancel()
			<-done
		})
		ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
		fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { local.Add(1) })
		hs = append(hs, node.RateLimit(server.RateLimitParams{Limit: limit, Window: window,
			Key: func(r *http.Request) string { return r.RemoteAddr },
			Reject: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTooManyRequests)
			}}, ok, fallback))
	}
	return hs
}

// TestRateLimitHeaders: the shared limiter answers with the in-process
// limiter's headers, and refuses past the limit with Retry-After.
func TestRateLimitHeaders(t *testing.T) {
	var local atomic.Int64
	hs := limiterReplicas(t, redistest.Start(t), 2, 3, time.Minute, time.Second, &local)
	codes := []int{}
	var last *httptest.ResponseRecorder
	for i := range 5 {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/api/modules", nil)
		hs[i%2].ServeHTTP(w, r)
		codes = append(codes, w.Code)
		if i == 0 {
			if w.Header().Get("X-RateLimit-Limit") != "3" || w.Header().Get("X-RateLimit-Remaining") != "2" ||
				w.Header().Get("X-RateLimit-Reset") == "" {
				t.Errorf("headers of the first request: %v", w.Header())
			}
		}
		last = w
	}
	if want := []int{200, 200, 200, 429, 429}; !equalInts(codes, want) {
		t.Errorf("codes %v, want %v", codes, want)
	}
	if ra, err := strconv.Atoi(last.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", last.Header().Get("Retry-After"))
	}
	if local.Load() != 0 {
		t.Errorf("%d requests fell back to the local limiter with Redis up", local.Load())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkSharedLimiter is the throughput target: requests per second
// per replica through the shared limiter, 2 replicas on one redis-server
// on loopback, many clients (target >= 10,000 req/s per replica). Each
// call's deadline is 1 s rather than 50 ms so that a loaded machine
// measures the limiter rather than its fallback; fallbacks reports the
// requests that fell back all the same; they are not counted in
// req/s/replica.
func BenchmarkSharedLimiter(b *testing.B) {
	var local atomic.Int64
	hs := limiterReplicas(b, redistest.Start(b), 2, 1<<30, time.Minute, time.Second, &local)
	var client atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := client.Add(1)
		r := httptest.NewRequest(http.MethodGet, "/api/modules", nil)
		r.RemoteAddr = "10.0." + strconv.Itoa(int(c/250)) + "." + strconv.Itoa(int(c%250))
		w := httptest.NewRecorder()
		for i := 0; pb.Next(); i++ {
			hs[i%2].ServeHTTP(w, r)
		}
	})
	elapsed := time.Since(start)
	// Only the requests that went through Redis count: one that fell back
	// (Redis slow once: local until the next probe) is much faster.
	b.ReportMetric(float64(int64(b.N)-local.Load())/elapsed.Seconds()/2, "req/s/replica")
	b.ReportMetric(float64(local.Load()), "fallbacks")
}
