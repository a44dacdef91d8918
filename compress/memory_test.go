package compress

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brotliWindowBits reads WBITS from the start of a brotli stream (RFC 7932,
// section 9.1).
func brotliWindowBits(t *testing.T, raw []byte) int {
	t.Helper()
	require.NotEmpty(t, raw)
	b := raw[0]
	if b&1 == 0 {
		return 16
	}
	if n := (b >> 1) & 7; n != 0 {
		return 17 + int(n)
	}
	if n := (b >> 4) & 7; n != 0 {
		return 8 + int(n)
	}
	return 17
}

// TestBrotliWindow: the brotli window is bounded by default (2^18, not the
// library's 4 MiB) and BrotliWindow sets it (issue 18, item 3).
func TestBrotliWindow(t *testing.T) {
	t.Parallel()
	body := jsonBody(1 << 20)
	for _, tt := range []struct {
		opts []Option
		want int
	}{
		{nil, DefaultBrotliWindow},
		{[]Option{BrotliWindow(20)}, 20},
		{[]Option{BrotliWindow(16)}, 16},
		{[]Option{BrotliWindow(22), BrotliLevel(6)}, 22},
	} {
		t.Run(fmt.Sprint(tt.want), func(t *testing.T) {
			t.Parallel()
			srv := serve(t, bodyHandler(body, "Content-Type", "application/json"), tt.opts...)
			res := do(t, srv, http.MethodGet, "br")
			require.Equal(t, "br", res.header.Get("Content-Encoding"))
			assert.Equal(t, body, res.body)
			assert.Equal(t, tt.want, brotliWindowBits(t, res.raw))
		})
	}
	assert.Equal(t, 18, DefaultBrotliWindow)
}

// TestLargeBrotliEncoderNotPooled: a brotli encoder that encoded a large
// response has grown its buffers (to ~6.7 MB at quality 4 after 1 MB) and
// is dropped instead of pooled; encoders of ordinary responses are pooled
// (issue 18, item 3).
func TestLargeBrotliEncoderNotPooled(t *testing.T) {
	t.Parallel()
	small := jsonBody(64 << 10)
	large := jsonBody(maxPooledBrotliInput + 4096)
	h := Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/large" {
			for i := 0; i < len(large); i += 32 << 10 {
				_, _ = w.Write(large[i:min(i+32<<10, len(large))])
			}
			return
		}
		_, _ = w.Write(small)
	}))
	var mu sync.Mutex
	kept := map[string][]bool{}
	h.(*handler).cfg.pooled = func(c coding, ok bool) {
		mu.Lock()
		kept[c.String()] = append(kept[c.String()], ok)
		mu.Unlock()
	}
	for _, ae := range []string{"br", "gzip", "zstd"} {
		for _, path := range []string{"/small", "/large"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Accept-Encoding", ae)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, ae, rec.Header().Get("Content-Encoding"))
		}
	}
	assert.Equal(t, []bool{true, false}, kept["br"], "brotli: small pooled, large dropped")
	assert.Equal(t, []bool{true, true}, kept["gzip"], "gzip's memory does not grow")
	assert.Equal(t, []bool{true, true}, kept["zstd"], "zstd's memory does not grow")
}

// zstdWindowSize reads the window size from a zstd frame header (RFC 8878,
// section 3.1.1.1.2); 0 for a single-segment frame.
func zstdWindowSize(t *testing.T, raw []byte) int {
	t.Helper()
	require.Greater(t, len(raw), 5)
	fhd := raw[4]
	if fhd&(1<<5) != 0 {
		return 0
	}
	wd := raw[5]
	base := 1 << (10 + int(wd>>3))
	return base + base/8*int(wd&7)
}

// TestZstdWindow: the zstd window is DefaultZstdWindow (128 KiB) unless
// ZstdWindow says otherwise.
func TestZstdWindow(t *testing.T) {
	t.Parallel()
	body := jsonBody(1 << 20)
	for _, tt := range []struct {
		opts []Option
		want int
	}{
		{nil, DefaultZstdWindow},
		{[]Option{ZstdWindow(1 << 20)}, 1 << 20},
		{[]Option{ZstdWindow(64 << 10), ZstdLevel(3)}, 64 << 10},
	} {
		t.Run(fmt.Sprint(tt.want), func(t *testing.T) {
			t.Parallel()
			srv := serve(t, bodyHandler(body, "Content-Type", "application/json"), tt.opts...)
			res := do(t, srv, http.MethodGet, "zstd")
			require.Equal(t, "zstd", res.header.Get("Content-Encoding"))
			assert.Equal(t, body, res.body)
			assert.Equal(t, tt.want, zstdWindowSize(t, res.raw))
		})
	}
	assert.Equal(t, 128<<10, DefaultZstdWindow)
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestInFlightMemory bounds the live heap each response holds while it is
// blocked mid-stream at the default levels (issue 18, item 4: zstd held
// 2.8 MB and brotli 9.9 MB). Not parallel: other tests would allocate
// during the readings. BenchmarkCompressMemory in examples/benchmarks has
// the figures beside gzhttp's.
func TestInFlightMemory(t *testing.T) { //nolint:paralleltest
	if testing.Short() {
		t.Skip("allocates ~100 MB")
	}
	const n = 16
	body := apiJSON(64 << 10)
	limits := map[string]float64{"gzip": 1.2e6, "zstd": 1.8e6, "br": 2.5e6}
	for _, ae := range []string{"gzip", "zstd", "br"} {
		var ready, done sync.WaitGroup
		release := make(chan struct{})
		h := Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
			w.(http.Flusher).Flush()
			ready.Done()
			<-release
		}))
		recs := make([]*httptest.ResponseRecorder, n)
		reqs := make([]*http.Request, n)
		for i := range recs {
			recs[i] = httptest.NewRecorder()
			recs[i].Body.Grow(32 << 10)
			reqs[i] = httptest.NewRequest(http.MethodGet, "/", nil)
			reqs[i].Header.Set("Accept-Encoding", ae)
		}
		before := liveHeap()
		ready.Add(n)
		done.Add(n)
		for i := range n {
			go func() {
				defer done.Done()
				h.ServeHTTP(recs[i], reqs[i])
			}()
		}
		ready.Wait()
		per := float64(int64(liveHeap())-int64(before)) / n
		close(release)
		done.Wait()
		t.Logf("%s: %.2f MB per response in flight", ae, per/1e6)
		assert.LessOrEqual(t, per, limits[ae], "%s: live heap per response in flight", ae)
		for _, rec := range recs {
			require.Equal(t, ae, rec.Header().Get("Content-Encoding"))
		}
	}
}

// apiJSON is less repetitive JSON than jsonBody (the benchmarks' payload):
// ids, names, flags, numbers, timestamps, tags.
func apiJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"success":true,"data":[`)
	words := []string{"awareness", "reflection", "memory", "planning", "empathy", "safety", "language", "vision"}
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		x := uint32(i)*2654435761 + 12345
		fmt.Fprintf(&b, `{"id":"%08x-%04x-4%03x-8%03x-%012x","name":"%s %s module","active":%t,"level":%d,"score":%d.%03d,"updatedAt":"2025-11-%02dT%02d:%02d:%02d.%03dZ","tags":["%s","%s"]}`,
			x, x>>16, x%4096, (x>>7)%4096, uint64(x)*40503,
			words[x%8], words[(x>>3)%8], x%3 == 0, x%10, x%100, x%1000,
			1+x%28, x%24, x%60, (x>>5)%60, x%1000, words[(x>>6)%8], words[(x>>9)%8])
	}
	return b.Bytes()[:n]
}
