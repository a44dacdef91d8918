package benchmarks

// Memory per in-flight response: what a server holding many streaming
// (server-sent events) or slow-client responses pays for each.
//
//	cd examples && go test -run '^$' -bench 'CompressMemory' -benchtime 5x ./benchmarks/
//
// Each round starts 64 responses at once through one middleware; each
// handler writes 64 KB of JSON, flushes and blocks mid-stream. With all 64
// blocked, the live heap (after a GC, minus the live heap before the round,
// taken after two GCs so the encoder pools start empty) is divided by 64:
// "MB/response" is the median over the rounds. It counts what the
// middleware holds for a response (wrapper, buffers, encoder); the
// requests and ResponseWriters are made before the first reading.

import (
	"net/http"
	"runtime"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/zstd"

	"github.com/nexuskit/nexus/compress"
)

const inFlight = 64

// BenchmarkCompressMemory reports the live heap per blocked response for
// nexuskit and gzhttp side by side, at the defaults and at equal levels.
func BenchmarkCompressMemory(b *testing.B) {
	gzhttpWith := func(w func(http.Handler) http.HandlerFunc, err error) func(http.Handler) http.Handler {
		if err != nil {
			b.Fatal(err)
		}
		return func(h http.Handler) http.Handler { return w(h) }
	}
	cases := []struct {
		name string
		ae   string
		mw   func(http.Handler) http.Handler
	}{
		{"none", "gzip", func(h http.Handler) http.Handler { return h }},
		// gzip: both at level 6 (both defaults).
		{"gzip/ours-6", "gzip", compress.Middleware()},
		{"gzip/gzhttp-6", "gzip", gzhttpWith(gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.CompressionLevel(6), gzhttp.EnableZstd(false)))},
		// zstd: each at its default (both klauspost's SpeedFastest with a
		// 128 KiB window), then both at SpeedDefault (ours: ZstdLevel(3)),
		// then ours at SpeedDefault with a 64 KiB window and with the 1 MiB
		// window it used before.
		{"zstd/ours-default", "zstd", compress.Middleware()},
		{"zstd/gzhttp-default", "zstd", gzhttpWith(gzhttp.NewWrapper(gzhttp.MinSize(1024)))},
		{"zstd/ours-level-3", "zstd", compress.Middleware(compress.ZstdLevel(3))},
		{"zstd/gzhttp-level-SpeedDefault", "zstd", gzhttpWith(gzhttp.NewWrapper(gzhttp.MinSize(1024), gzhttp.ZstdCompressionLevel(int(zstd.SpeedDefault))))},
		{"zstd/ours-level-3-w64K", "zstd", compress.Middleware(compress.ZstdLevel(3), compress.ZstdWindow(64<<10))},
		{"zstd/ours-level-3-w1M", "zstd", compress.Middleware(compress.ZstdLevel(3), compress.ZstdWindow(1<<20))},
		// brotli (gzhttp has none): the default, and the library's 4 MiB
		// window that was the default before.
		{"br/ours-default", "br", compress.Middleware()},
		{"br/ours-window-22", "br", compress.Middleware(compress.BrotliWindow(22))},
	}
	body := benchJSON(64 << 10)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var perResp []float64
			for b.Loop() {
				perResp = append(perResp, inFlightHeap(b, c.mw, c.ae, body))
			}
			b.ReportMetric(median(perResp)/1e6, "MB/response")
		})
	}
}

// inFlightHeap runs one round and returns the live heap per blocked
// response, in bytes.
func inFlightHeap(b *testing.B, mw func(http.Handler) http.Handler, ae string, body []byte) float64 {
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		http.NewResponseController(w).Flush()
		ready.Done()
		<-release
	}))
	reqs := make([]*http.Request, inFlight)
	sinks := make([]*sink, inFlight)
	for i := range reqs {
		req, err := http.NewRequest(http.MethodGet, "/api/stream", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", ae)
		reqs[i], sinks[i] = req, &sink{h: make(http.Header, 8)}
	}
	before := liveHeap()
	ready.Add(inFlight)
	done.Add(inFlight)
	for i := range inFlight {
		go func() {
			defer done.Done()
			h.ServeHTTP(sinks[i], reqs[i])
		}()
	}
	ready.Wait()
	after := liveHeap()
	close(release)
	done.Wait()
	for _, s := range sinks {
		if s.n == 0 {
			b.Fatal("nothing written")
		}
	}
	runtime.KeepAlive(reqs)
	return float64(int64(after)-int64(before)) / inFlight
}

// liveHeap returns the bytes of live heap objects after two collections
// (the second empties the sync.Pools' victim caches).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// encoderHeap returns the live heap of one encoder after it encoded body
// (the average of 16 made at once), in bytes: the memory column of the
// level study.
func encoderHeap(newEncoder func() resetWriter, body []byte) float64 {
	encs := make([]resetWriter, 16)
	before := liveHeap()
	for i := range encs {
		encs[i] = newEncoder()
		encs[i].Reset(&sink{})
		_, _ = encs[i].Write(body)
		_ = encs[i].Close()
	}
	after := liveHeap()
	runtime.KeepAlive(encs)
	return float64(int64(after)-int64(before)) / float64(len(encs))
}
