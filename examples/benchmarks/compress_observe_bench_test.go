package benchmarks

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/nexuskit/nexus/compress"
)

// BenchmarkCompressObserve measures what an Observe hook costs: the
// middleware without a hook and with one that updates atomic counters (what
// a metrics library does), on the same payloads. "unset" and "set" report
// B/op and allocs/op of each; "paired" runs the two alternately (see
// BenchmarkCompressGoals) and reports "x", set ÷ unset.
//
//	cd examples && go test -run '^$' -bench 'CompressObserve' -benchmem ./benchmarks/
func BenchmarkCompressObserve(b *testing.B) {
	var saved, responses atomic.Int64
	hook := compress.Observe(func(r *http.Request, s compress.Stats) {
		responses.Add(1)
		saved.Add(s.BytesIn - s.BytesOut)
	})
	payloads := []struct {
		name string
		p    payload
		ae   string
	}{
		{"json-4KB-gzip", payload{body: benchJSON(4 << 10), writes: 1}, "gzip"},
		{"json-64KB-zstd", payload{body: benchJSON(64 << 10), writes: 1}, "zstd"},
		{"passthrough-4KB-noAE", payload{body: benchJSON(4 << 10), writes: 1}, ""},
		{"below-threshold-200B", payload{body: benchJSON(200), writes: 1}, "gzip"},
	}
	for _, p := range payloads {
		h := jsonHandler(p.p)
		unset := compress.Middleware()(h)
		set := compress.Middleware(hook)(h)
		b.Run(p.name+"/unset", func(b *testing.B) { benchMiddleware(b, unset, p.ae, len(p.p.body)) })
		b.Run(p.name+"/set", func(b *testing.B) { benchMiddleware(b, set, p.ae, len(p.p.body)) })
		b.Run(p.name+"/paired", func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, "/api/modules", nil)
			if p.ae != "" {
				req.Header.Set("Accept-Encoding", p.ae)
			}
			w := &sink{h: make(http.Header, 8)}
			batch := 1
			if len(p.p.body) < 1024 || p.ae == "" {
				batch = 256
			}
			run := func(h http.Handler) func() {
				return func() {
					for range batch {
						w.reset()
						h.ServeHTTP(w, req)
					}
				}
			}
			setNs, unsetNs, x := paired(b, run(set), run(unset))
			b.ReportMetric(setNs/float64(batch), "set-ns/op")
			b.ReportMetric(unsetNs/float64(batch), "unset-ns/op")
			b.ReportMetric(x, "x")
		})
	}
	if responses.Load() == 0 {
		b.Fatal("the hook was never called")
	}
}
