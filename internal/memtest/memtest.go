// Package memtest is a test helper shared by the compress package's tests
// and the compression benchmarks in examples/benchmarks: a realistic JSON
// payload, the live heap, and the live heap a middleware holds per
// response blocked mid-stream. Library code never imports it.
//
// Readings of the live heap are only meaningful when nothing else
// allocates meanwhile: callers run them outside parallel tests.
package memtest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
)

// APIJSON returns deterministic, realistic JSON of exactly n bytes (cut at
// n, so not well-formed): an API list response with ids, names, flags,
// numbers, timestamps and tags, less repetitive than a repeated record.
func APIJSON(n int) []byte {
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

// LiveHeap returns the bytes of live heap objects after two collections
// (the second empties the sync.Pools' victim caches).
func LiveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// InFlightHeap serves one GET request with Accept-Encoding ae into each of
// ws at once, through mw, to a handler that writes body as
// application/json, flushes and blocks. With all of them blocked it reads
// the live heap, then releases them and waits until they returned. It
// returns the live heap per response, in bytes, counted from a reading
// taken after the handler, the requests and ws were made: what mw holds
// for a response (wrapper, buffers, encoder) and what the writers keep of
// the output. Callers check ws afterwards.
func InFlightHeap(mw func(http.Handler) http.Handler, ae string, body []byte, ws []http.ResponseWriter) float64 {
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		_ = http.NewResponseController(w).Flush()
		ready.Done()
		<-release
	}))
	reqs := make([]*http.Request, len(ws))
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodGet, "/", nil)
		reqs[i].Header.Set("Accept-Encoding", ae)
	}
	before := LiveHeap()
	ready.Add(len(ws))
	done.Add(len(ws))
	for i := range ws {
		go func() {
			defer done.Done()
			h.ServeHTTP(ws[i], reqs[i])
		}()
	}
	ready.Wait()
	after := LiveHeap()
	close(release)
	done.Wait()
	runtime.KeepAlive(reqs)
	return float64(int64(after)-int64(before)) / float64(len(ws))
}
