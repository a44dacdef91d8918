package benchmarks

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/nexuskit/nexus/requestid"
)

var sinkID string

// BenchmarkRequestID compares requestid.Middleware with chi v5's
// middleware.RequestID (which only increments a counter) and with no
// middleware. Every handler reads the ID through its package's accessor.
// Run with -benchmem: allocs/op is part of the comparison.
func BenchmarkRequestID(b *testing.B) {
	const incomingID = "0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e"
	ours := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sinkID = requestid.FromContext(r.Context()) })
	chis := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sinkID = middleware.GetReqID(r.Context()) })

	cases := []struct {
		name     string
		handler  http.Handler
		incoming bool
	}{
		{"none", chis, false},
		{"chi/incoming", middleware.RequestID(chis), true},
		{"chi/generate", middleware.RequestID(chis), false},
		{"nexuskit/incoming", requestid.Middleware()(ours), true},
		{"nexuskit/generate", requestid.Middleware()(ours), false},
		{"nexuskit/generate-v7", requestid.Middleware(requestid.UUIDv7())(ours), false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/modules", nil)
			if c.incoming {
				req.Header.Set("X-Request-ID", incomingID)
			}
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				c.handler.ServeHTTP(w, req)
			}
		})
	}
}
