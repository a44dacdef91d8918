package cluster

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/nexuskit/nexus/examples/nexus/server"
)

// RateLimit is a server.SharedRateLimit: GCRA (go-redis/redis_rate) in
// Redis, keyed by the client's address, so that N replicas admit Limit
// requests per Window in all rather than N times that. The burst is the
// whole Limit (a client may spend its allowance at once, as with the
// in-process limiter) and the allowance refills evenly over Window.
//
// Each call is bounded by CallTimeout. A call that fails marks Redis down,
// and while it is down the requests go to local, the in-process limiter,
// without waiting for Redis: a Redis outage costs at most one CallTimeout
// per request in flight when it starts. Headers (X-RateLimit-Limit,
// X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After) and the 429
// envelope (p.Reject) are those of the in-process limiter.
func (n *Node) RateLimit(p server.RateLimitParams, next, local http.Handler) http.Handler {
	limiter := redis_rate.NewLimiter(n.rdb)
	limit := redis_rate.Limit{Rate: p.Limit, Period: p.Window, Burst: p.Limit}
	prefix := n.key("rate:")
	limitHeader := strconv.Itoa(p.Limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !n.Up() {
			local.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), n.opts.CallTimeout)
		res, err := limiter.Allow(ctx, prefix+p.Key(r), limit)
		cancel()
		if err != nil {
			if r.Context().Err() == nil {
				n.fail(err)
			}
			local.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", limitHeader)
		h.Set("X-RateLimit-Remaining", strconv.Itoa(res.Remaining))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(res.ResetAfter).Unix(), 10))
		if res.Allowed == 0 {
			h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(res.RetryAfter.Seconds())))))
			p.Reject(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
