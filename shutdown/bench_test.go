package shutdown_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nexuskit/nexus/shutdown"
)

// The per-request cost of the Manager's handlers: LongLived adds one
// counter increment and decrement around the wrapped handler.
func BenchmarkHandlers(b *testing.B) {
	m := shutdown.New()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", bare},
		{"LongLived", m.LongLived(bare)},
		{"ReadinessHandler", m.ReadinessHandler()},
		{"LivenessHandler", m.LivenessHandler()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &statusRecorder{header: http.Header{}}
				for pb.Next() {
					bc.h.ServeHTTP(w, r)
				}
			})
		})
	}
}
