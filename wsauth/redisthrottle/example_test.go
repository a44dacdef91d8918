package redisthrottle_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexuskit/nexus/wsauth"
	"github.com/nexuskit/nexus/wsauth/redisthrottle"
)

// Every replica shares the throttle through Redis. Here Redis is
// unreachable, so the Middleware throttles with its own counts instead: a
// Redis outage never fails a handshake.
func Example() {
	rdb := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:1", // nothing listens here
		ContextTimeoutEnabled: true,          // let wsauth's per-call timeout end the call
		MaxRetries:            -1,
	})
	defer rdb.Close()
	signer := wsauth.NewSigner([]byte("an-example-key-of-32-random-byte"))
	mw := wsauth.Middleware(signer,
		wsauth.ThrottleStorage(redisthrottle.New(rdb)),
		wsauth.Throttle(2, time.Minute),
		wsauth.Logger(slog.New(slog.DiscardHandler)),
	)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for range 3 {
		r := httptest.NewRequest(http.MethodGet, "/ws", nil)
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Authorization", "Bearer forged")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Println(rec.Code)
	}
	// Output:
	// 401
	// 401
	// 429
}
