package telemetry_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/nexuskit/nexus/requestid"

	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

// Requests counted by route pattern through requestid.AccessLog's Observe
// hook, and the registry read in the Prometheus text format.
func ExampleMetrics_ObserveRequest() {
	m := telemetry.NewMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "order ", r.PathValue("id"))
	})
	h := requestid.Middleware()(
		requestid.AccessLog(slog.New(slog.DiscardHandler), requestid.Observe(m.ObserveRequest))(mux))
	for _, id := range []string{"1", "2", "3"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/"+id, nil))
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for line := range strings.SplitSeq(string(body), "\n") {
		if strings.HasPrefix(line, "nexus_http_requests_total{") {
			fmt.Println(line)
		}
	}
	// Output:
	// nexus_http_requests_total{method="GET",route="GET /orders/{id}",status="200"} 3
}
