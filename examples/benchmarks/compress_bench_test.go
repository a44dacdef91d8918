package benchmarks

// Compression middleware compared with its peers and with the bare encoders.
//
//	cd examples && go test -run '^$' -bench 'Compress' -benchmem ./benchmarks/
//
// Every contender serves the same handler (Content-Type application/json, no
// Content-Length, one Write or 128 writes of 512 bytes) into a ResponseWriter
// that only counts bytes, so the figures are the middleware's own cost: no
// network, no net/http server. "raw-*" is the floor: the encoder alone,
// pooled and Reset, writing into the same counter. Metrics: MB/s of
// uncompressed input, ratio = encoded/original bytes.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/CAFxX/httpcompression"
	"github.com/NYTimes/gziphandler"
	"github.com/andybalholm/brotli"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/nexuskit/nexus/compress"
)

// benchJSON returns deterministic, realistic JSON of exactly n bytes: an
// API list response with ids, names, flags, numbers, timestamps and tags.
func benchJSON(n int) []byte {
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

// benchHTML returns deterministic HTML of exactly n bytes.
func benchHTML(n int) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Modules</title><link rel=\"stylesheet\" href=\"/app.css\"></head><body><main><table class=\"modules\">\n")
	for i := 0; b.Len() < n; i++ {
		x := uint32(i)*2654435761 + 99
		fmt.Fprintf(&b, "<tr class=\"row %s\"><td><a href=\"/modules/%08x\">Module %d</a></td><td>%d.%02d</td><td><span class=\"badge badge-%d\">level %d</span></td></tr>\n",
			[]string{"odd", "even"}[i%2], x, i, x%100, x%97, x%5, x%10)
	}
	return []byte(b.String()[:n])
}

// sink is a ResponseWriter that counts the bytes written.
type sink struct {
	h      http.Header
	n      int
	status int
}

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) WriteHeader(code int)        { s.status = code }
func (s *sink) Write(p []byte) (int, error) { s.n += len(p); return len(p), nil }
func (s *sink) Flush()                      {}
func (s *sink) reset()                      { clear(s.h); s.n = 0; s.status = 0 }

type payload struct {
	name   string
	body   []byte
	writes int    // number of equal writes
	ae     string // "" keeps the contender's own coding
}

type contender struct {
	name string
	ae   string // Accept-Encoding the contender is exercised with
	mw   func(http.Handler) http.Handler
}

func must(mw func(http.Handler) http.Handler, err error) func(http.Handler) http.Handler {
	if err != nil {
		panic(err)
	}
	return mw
}

func contenders() []contender {
	gz, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(6), gzhttp.MinSize(1024), gzhttp.EnableZstd(false))
	if err != nil {
		panic(err)
	}
	return []contender{
		{name: "none", ae: "gzip", mw: func(h http.Handler) http.Handler { return h }},
		{name: "ours-gzip6", ae: "gzip", mw: compress.Middleware()},
		{name: "ours-zstd", ae: "zstd", mw: compress.Middleware()},
		{name: "ours-br", ae: "br", mw: compress.Middleware()},
		{name: "gzhttp-gzip6", ae: "gzip", mw: func(h http.Handler) http.Handler { return gz(h) }},
		{name: "httpcompression-gzip6", ae: "gzip", mw: must(httpcompression.Adapter(
			httpcompression.GzipCompressionLevel(6), httpcompression.MinSize(1024)))},
		{name: "gziphandler-gzip6", ae: "gzip", mw: must(gziphandler.NewGzipLevelAndMinSize(6, 1024))},
		{name: "chi-gzip6", ae: "gzip", mw: middleware.Compress(6)},
	}
}

func jsonHandler(p payload) http.Handler {
	chunk := len(p.body) / p.writes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i < p.writes; i++ {
			_, _ = w.Write(p.body[i*chunk : (i+1)*chunk])
		}
	})
}

// BenchmarkCompress is the table in the README: every contender on every
// payload.
func BenchmarkCompress(b *testing.B) {
	payloads := []payload{
		{name: "json-512B", body: benchJSON(512), writes: 1},
		{name: "json-4KB", body: benchJSON(4 << 10), writes: 1},
		{name: "json-64KB", body: benchJSON(64 << 10), writes: 1},
		{name: "json-1MB", body: benchJSON(1 << 20), writes: 1},
		{name: "json-64KB-128x512B", body: benchJSON(64 << 10), writes: 128},
		{name: "passthrough-4KB-noAE", body: benchJSON(4 << 10), writes: 1, ae: "-"},
		{name: "below-threshold-200B", body: benchJSON(200), writes: 1},
	}
	for _, p := range payloads {
		h := jsonHandler(p)
		for _, c := range contenders() {
			b.Run(p.name+"/"+c.name, func(b *testing.B) {
				ae := c.ae
				if p.ae == "-" {
					ae = ""
				}
				benchMiddleware(b, c.mw(h), ae, len(p.body))
			})
		}
		if p.ae != "" || len(p.body) < 1024 {
			continue // the floor only matters where something is compressed
		}
		for _, r := range rawEncoders() {
			b.Run(p.name+"/"+r.name, func(b *testing.B) { benchRaw(b, r, p) })
		}
	}
}

func benchMiddleware(b *testing.B, h http.Handler, ae string, size int) {
	req, err := http.NewRequest(http.MethodGet, "/api/modules", nil)
	if err != nil {
		b.Fatal(err)
	}
	if ae != "" {
		req.Header.Set("Accept-Encoding", ae)
	}
	w := &sink{h: make(http.Header, 8)}
	h.ServeHTTP(w, req) // warm the pools
	out := w.n
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
	b.ReportMetric(float64(out)/float64(size), "ratio")
}

type rawEncoder struct {
	name string
	pool *sync.Pool
}

type resetWriter interface {
	io.WriteCloser
	Reset(io.Writer)
}

func rawEncoders() []rawEncoder {
	return []rawEncoder{
		{name: "raw-gzip6", pool: &sync.Pool{New: func() any {
			w, _ := gzip.NewWriterLevel(nil, 6)
			return resetWriter(w)
		}}},
		{name: "raw-zstd", pool: &sync.Pool{New: func() any {
			// The configuration compress uses at its default level.
			w, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(compress.DefaultZstdLevel)), zstd.WithEncoderConcurrency(1),
				zstd.WithWindowSize(compress.DefaultZstdWindow), zstd.WithLowerEncoderMem(true))
			return resetWriter(w)
		}}},
		{name: "raw-br", pool: &sync.Pool{New: func() any {
			return resetWriter(brotli.NewWriterLevel(nil, compress.DefaultBrotliLevel))
		}}},
	}
}

func benchRaw(b *testing.B, r rawEncoder, p payload) {
	chunk := len(p.body) / p.writes
	w := &sink{}
	run := func() {
		e := r.pool.Get().(resetWriter)
		e.Reset(w)
		for i := 0; i < p.writes; i++ {
			_, _ = e.Write(p.body[i*chunk : (i+1)*chunk])
		}
		_ = e.Close()
		r.pool.Put(e)
	}
	run()
	out := w.n
	b.SetBytes(int64(len(p.body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.n = 0
		run()
	}
	b.ReportMetric(float64(out)/float64(len(p.body)), "ratio")
}

// BenchmarkCompressLevels measures the encoders alone on JSON and HTML at
// the levels and windows that were candidates for the defaults
// (DefaultGzipLevel, DefaultBrotliLevel, DefaultBrotliWindow,
// DefaultZstdLevel, DefaultEncodings). Each level runs alternately with gzip
// level 6 (see BenchmarkCompressGoals for why): "level-ns/op" is its median
// time, "x-gzip6" its time over gzip 6's, "ratio" its encoded/original size,
// "MB/encoder" the live heap of one encoder after encoding the payload.
func BenchmarkCompressLevels(b *testing.B) {
	bodies := []payload{
		{name: "json-64KB", body: benchJSON(64 << 10), writes: 1},
		{name: "html-64KB", body: benchHTML(64 << 10), writes: 1},
		{name: "json-1MB", body: benchJSON(1 << 20), writes: 1},
	}
	type level struct {
		name string
		make func() resetWriter
	}
	var levels []level
	for _, l := range []int{1, 6, 9} {
		levels = append(levels, level{fmt.Sprintf("gzip-%d", l), func() resetWriter { w, _ := gzip.NewWriterLevel(nil, l); return w }})
	}
	zstdLevel := func(l, window int) level {
		return level{fmt.Sprintf("zstd-%d-w%dK", l, window>>10), func() resetWriter {
			w, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(l)), zstd.WithEncoderConcurrency(1),
				zstd.WithWindowSize(window), zstd.WithLowerEncoderMem(true))
			return w
		}}
	}
	for _, l := range []int{1, 3, 7, 19} {
		levels = append(levels, zstdLevel(l, 128<<10)) // the window compress uses
	}
	levels = append(levels, zstdLevel(1, 1<<20), zstdLevel(3, 64<<10), zstdLevel(3, 1<<20))
	brotliLevel := func(l, lgwin int) level {
		return level{fmt.Sprintf("br-%d-lg%d", l, lgwin), func() resetWriter {
			return brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: l, LGWin: lgwin})
		}}
	}
	for _, l := range []int{0, 2, 3, 4, 5, 6} {
		levels = append(levels, brotliLevel(l, compress.DefaultBrotliWindow))
	}
	levels = append(levels, brotliLevel(4, 20), brotliLevel(4, 22))
	encodeWith := func(e resetWriter, w *sink, body []byte) func() {
		return func() {
			e.Reset(w)
			_, _ = e.Write(body)
			_ = e.Close()
		}
	}
	for _, p := range bodies {
		for _, l := range levels {
			b.Run(p.name+"/"+l.name, func(b *testing.B) {
				w := &sink{}
				run := encodeWith(l.make(), w, p.body)
				ref := encodeWith(levels[1].make(), &sink{}, p.body)
				run()
				ref()
				out := w.n
				levelNs, refNs, x := paired(b, run, ref)
				b.StopTimer()
				b.ReportMetric(encoderHeap(l.make, p.body)/1e6, "MB/encoder")
				b.ReportMetric(levelNs, "level-ns/op")
				b.ReportMetric(refNs, "gzip6-ns/op")
				b.ReportMetric(x, "x-gzip6")
				b.ReportMetric(float64(out)/float64(len(p.body)), "ratio")
			})
		}
	}
}

// paired runs a and ref alternately (which goes first swapping every time)
// for b.N rounds and returns the median time of each and the median of
// their ratio.
func paired(b *testing.B, a, ref func()) (aNs, refNs, x float64) {
	var as, rs, xs []float64
	b.ResetTimer()
	i := 0
	for b.Loop() {
		var ta, tr time.Duration
		if i%2 == 0 {
			t0 := time.Now()
			a()
			t1 := time.Now()
			ref()
			ta, tr = t1.Sub(t0), time.Since(t1)
		} else {
			t0 := time.Now()
			ref()
			t1 := time.Now()
			a()
			tr, ta = t1.Sub(t0), time.Since(t1)
		}
		i++
		as = append(as, float64(ta))
		rs = append(rs, float64(tr))
		xs = append(xs, float64(ta)/float64(tr))
	}
	return median(as), median(rs), median(xs)
}

// BenchmarkCompressGoals measures the goals as ratios. The machine
// these run on is shared, and its load changes within seconds, so two
// benchmarks run one after the other can differ by 2x for reasons that have
// nothing to do with the code. Here the two sides of each ratio alternate
// (ABAB..., batches of calls, which side goes first swapping every time) and
// the reported figures are medians over the pairs: "x" is ours/reference.
func BenchmarkCompressGoals(b *testing.B) {
	gz, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(6), gzhttp.MinSize(1024), gzhttp.EnableZstd(false))
	if err != nil {
		b.Fatal(err)
	}
	ours := compress.Middleware()
	raws := rawEncoders()
	type goal struct {
		name     string
		p        payload
		ae       string
		ref      string // "gzhttp" or a raw encoder name
		batchOps int
	}
	goals := []goal{
		{name: "gzip6-vs-gzhttp/json-4KB", p: payload{body: benchJSON(4 << 10), writes: 1}, ae: "gzip", ref: "gzhttp", batchOps: 4},
		{name: "gzip6-vs-gzhttp/json-64KB", p: payload{body: benchJSON(64 << 10), writes: 1}, ae: "gzip", ref: "gzhttp", batchOps: 1},
		{name: "gzip6-vs-gzhttp/json-1MB", p: payload{body: benchJSON(1 << 20), writes: 1}, ae: "gzip", ref: "gzhttp", batchOps: 1},
		{name: "gzip6-vs-gzhttp/json-64KB-128x512B", p: payload{body: benchJSON(64 << 10), writes: 128}, ae: "gzip", ref: "gzhttp", batchOps: 1},
		{name: "gzip6-vs-raw/json-64KB", p: payload{body: benchJSON(64 << 10), writes: 1}, ae: "gzip", ref: "raw-gzip6", batchOps: 1},
		{name: "gzip6-vs-raw/json-1MB", p: payload{body: benchJSON(1 << 20), writes: 1}, ae: "gzip", ref: "raw-gzip6", batchOps: 1},
		{name: "zstd-vs-raw/json-64KB", p: payload{body: benchJSON(64 << 10), writes: 1}, ae: "zstd", ref: "raw-zstd", batchOps: 1},
		{name: "zstd-vs-raw/json-1MB", p: payload{body: benchJSON(1 << 20), writes: 1}, ae: "zstd", ref: "raw-zstd", batchOps: 1},
		{name: "passthrough-vs-gzhttp/json-4KB-noAE", p: payload{body: benchJSON(4 << 10), writes: 1}, ae: "", ref: "gzhttp", batchOps: 256},
		{name: "below-threshold-vs-gzhttp/json-200B", p: payload{body: benchJSON(200), writes: 1}, ae: "gzip", ref: "gzhttp", batchOps: 256},
	}
	for _, g := range goals {
		b.Run(g.name, func(b *testing.B) {
			h := jsonHandler(g.p)
			req, _ := http.NewRequest(http.MethodGet, "/api/modules", nil)
			if g.ae != "" {
				req.Header.Set("Accept-Encoding", g.ae)
			}
			w := &sink{h: make(http.Header, 8)}
			oursH := ours(h)
			runOurs := func() {
				for range g.batchOps {
					w.reset()
					oursH.ServeHTTP(w, req)
				}
			}
			var runRef func()
			if g.ref == "gzhttp" {
				refH := gz(h)
				runRef = func() {
					for range g.batchOps {
						w.reset()
						refH.ServeHTTP(w, req)
					}
				}
			} else {
				for _, r := range raws {
					if r.name == g.ref {
						chunk := len(g.p.body) / g.p.writes
						runRef = func() {
							for range g.batchOps {
								e := r.pool.Get().(resetWriter)
								e.Reset(w)
								for i := 0; i < g.p.writes; i++ {
									_, _ = e.Write(g.p.body[i*chunk : (i+1)*chunk])
								}
								_ = e.Close()
								r.pool.Put(e)
							}
						}
					}
				}
			}
			runOurs()
			runRef()
			b.SetBytes(int64(len(g.p.body) * g.batchOps * 2))
			oursNs, refNs, x := paired(b, runOurs, runRef)
			n := float64(g.batchOps)
			b.ReportMetric(oursNs/n, "ours-ns/op")
			b.ReportMetric(refNs/n, "ref-ns/op")
			b.ReportMetric(x, "x")
		})
	}
}
