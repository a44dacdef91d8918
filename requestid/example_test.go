package requestid_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"

	"github.com/nexuskit/nexus/requestid"
)

// dropTime removes the time and the duration so the output is stable.
func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey || a.Key == "duration" {
		return slog.Attr{}
	}
	return a
}

// A server that accepts well-formed incoming IDs, logs with them and
// writes an access log.
func Example() {
	logger := slog.New(requestid.NewLogHandler(
		slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime})))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "loading order", "order", r.PathValue("id"))
		fmt.Fprintln(w, "order", r.PathValue("id"))
	})
	handler := requestid.Middleware()(requestid.AccessLog(logger)(mux))

	req := httptest.NewRequest("GET", "/orders/42", nil)
	req.Header.Set("X-Request-ID", "checkout-7f3a")
	req.Header.Set("User-Agent", "example/1.0")
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, req)
	fmt.Println("response header:", w.Header().Get("X-Request-ID"))

	// A malformed ID (here one that forges a log line) is replaced by a
	// fresh UUIDv4 and never logged.
	forged := "x\nlevel=ERROR msg=forged"
	show := requestid.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestid.FromContext(r.Context())
		fmt.Println("replaced:", id != forged, "length:", len(id))
	}))
	req = httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", forged)
	show.ServeHTTP(httptest.NewRecorder(), req)

	// Output:
	// level=INFO msg="loading order" order=42 request_id=checkout-7f3a
	// level=INFO msg="http request" method=GET path=/orders/42 status=200 bytes=9 request_id=checkout-7f3a remote_addr=192.0.2.1:1234 user_agent=example/1.0 route="GET /orders/{id}"
	// response header: checkout-7f3a
	// replaced: true length: 36
}

// Generator plugs in any ID scheme; Edge ignores IDs sent by clients.
func ExampleGenerator() {
	n := 0
	mw := requestid.Middleware(requestid.Edge(), requestid.Generator(func() string {
		n++ // a real generator must be safe for concurrent use
		return fmt.Sprintf("job-%04d", n)
	}))
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("handler sees", requestid.FromContext(r.Context()))
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "client-chosen")
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// handler sees job-0001
}

// Transport forwards the ID of the request being served to the services it
// calls.
func ExampleTransport() {
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("downstream got", r.Header.Get("X-Request-ID"))
	}))
	defer downstream.Close()
	client := &http.Client{Transport: requestid.Transport(nil)}

	h := requestid.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, _ := http.NewRequestWithContext(r.Context(), "GET", downstream.URL, nil)
		res, err := client.Do(out)
		if err != nil {
			http.Error(w, "downstream failed", http.StatusBadGateway)
			return
		}
		res.Body.Close()
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Request-ID", "trace-1")
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// downstream got trace-1
}

// AccessLog with the options an operator usually wants: health probes left
// out, the matched route logged (automatically), and an attribute taken from
// the request.
func ExampleAccessLog() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	})
	access := requestid.AccessLog(logger,
		requestid.SkipPaths("/healthz"),
		requestid.RequestAttrs(func(r *http.Request) []slog.Attr {
			return []slog.Attr{slog.String("tenant", r.Header.Get("X-Tenant"))}
		}))
	handler := requestid.Middleware(requestid.Generator(func() string { return "id-1" }))(access(mux))

	for _, path := range []string{"/healthz", "/orders/7"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("X-Tenant", "acme")
		handler.ServeHTTP(httptest.NewRecorder(), req)
	}
	// Output:
	// level=WARN msg="http request" method=GET path=/orders/7 status=404 bytes=0 request_id=id-1 remote_addr=192.0.2.1:1234 user_agent="" route="GET /orders/{id}" tenant=acme
}

// Observe feeds metrics from the access log's measurements; here a counter
// by route and status stands in for a Prometheus CounterVec.
func ExampleObserve() {
	var mu sync.Mutex
	requests := map[string]int{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "order")
	})
	quiet := slog.New(slog.DiscardHandler)
	handler := requestid.Middleware()(requestid.AccessLog(quiet, requestid.Observe(func(r *http.Request, o requestid.Observation) {
		mu.Lock() // must be fast and must not block
		requests[fmt.Sprintf("%s %d", o.Route, o.Status)]++
		mu.Unlock()
	}))(mux))
	for _, path := range []string{"/orders/1", "/orders/2", "/nope"} {
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	fmt.Println(requests["GET /orders/{id} 200"], requests[" 404"])
	// Output:
	// 2 1
}

// TraceParent makes the trace id of an incoming W3C traceparent the request
// ID, so the logs of a request and its trace share one id.
func ExampleTraceParent() {
	h := requestid.Middleware(requestid.TraceParent())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("handler sees", requestid.FromContext(r.Context()))
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println("response header:", w.Header().Get("X-Request-ID"))
	// Output:
	// handler sees 4bf92f3577b34da6a3ce929d0e0e4736
	// response header: 4bf92f3577b34da6a3ce929d0e0e4736
}

// GeneratorContext takes new IDs from the request context, here from a
// value an outer tracing middleware stored (with OpenTelemetry:
// trace.SpanContextFromContext(ctx).TraceID().String()).
func ExampleGeneratorContext() {
	type traceKey struct{}
	tracing := func(next http.Handler) http.Handler { // stands in for otelhttp
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := context.WithValue(r.Context(), traceKey{}, "0af7651916cd43dd8448eb211c80319c")
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	mw := requestid.Middleware(requestid.Edge(), requestid.GeneratorContext(func(ctx context.Context) string {
		id, _ := ctx.Value(traceKey{}).(string)
		return id // "" falls back to a UUIDv4
	}))
	h := tracing(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("handler sees", requestid.FromContext(r.Context()))
	})))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// handler sees 0af7651916cd43dd8448eb211c80319c
}

// A fleet on X-Correlation-ID: Transport sends the ID in the header the
// Middleware that stored it uses.
func ExampleTransport_header() {
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("downstream got %q and %q\n", r.Header.Get("X-Correlation-ID"), r.Header.Get("X-Request-ID"))
	}))
	defer downstream.Close()
	client := &http.Client{Transport: requestid.Transport(nil)}

	h := requestid.Middleware(requestid.Header("X-Correlation-ID"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, _ := http.NewRequestWithContext(r.Context(), "GET", downstream.URL, nil)
		if res, err := client.Do(out); err == nil {
			res.Body.Close()
		}
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Correlation-ID", "corr-42")
	h.ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// downstream got "corr-42" and ""
}
