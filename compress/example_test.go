package compress_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/nexuskit/nexus/compress"
)

func Example() {
	items := `[` + strings.Repeat(`{"name":"module","active":true},`, 100) + `{}]`
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, items)
	})
	srv := httptest.NewServer(compress.Middleware()(api))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd") // what a browser sends
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)

	dec, _ := zstd.NewReader(bytes.NewReader(raw))
	defer dec.Close()
	body, _ := io.ReadAll(dec)

	fmt.Println("Content-Encoding:", resp.Header.Get("Content-Encoding"))
	fmt.Println("Vary:", resp.Header.Get("Vary"))
	fmt.Println("decoded intact:", string(body) == items)
	fmt.Println("smaller than a tenth:", len(raw) < len(items)/10)
	// Output:
	// Content-Encoding: zstd
	// Vary: Accept-Encoding
	// decoded intact: true
	// smaller than a tenth: true
}

// Options choose the codings and their order, levels, the size threshold,
// the types and the ETag handling.
func ExampleMiddleware_options() {
	mw := compress.Middleware(
		compress.Encodings("br", "gzip"), // no zstd; brotli preferred
		compress.BrotliLevel(5),
		compress.MinSize(512),
		compress.DenyTypes("text/csv"),
		compress.ETags(compress.ETagSuffix),
	)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, strings.Repeat("<p>hello</p>", 100))
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Header().Get("Content-Encoding"), rec.Body.Len() < 1200)
	// Output: br true
}

func ExampleSkip() {
	h := compress.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// This response mixes a secret with reflected input: don't compress
		// it (BREACH).
		compress.Skip(w)
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, strings.Repeat("secret and "+r.URL.Query().Get("q"), 200))
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/?q=echo", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(rec, req)
	fmt.Printf("Content-Encoding: %q\n", rec.Header().Get("Content-Encoding"))
	// Output: Content-Encoding: ""
}

// Observe reports each response's outcome and its bytes in and out, for
// metrics: here, bytes saved per coding and a count per outcome. The
// function runs on the request's goroutine, so it must be fast: atomic
// counters, a Prometheus counter's Add, never I/O.
func ExampleObserve() {
	var mu sync.Mutex
	saved := map[string]int64{}
	outcomes := map[string]int{}
	mw := compress.Middleware(compress.Observe(func(r *http.Request, s compress.Stats) {
		mu.Lock()
		defer mu.Unlock()
		outcomes[s.Outcome.String()]++
		if s.Outcome == compress.OutcomeCompressed {
			saved[s.Coding] += s.BytesIn - s.BytesOut
		}
	}))
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/small" {
			io.WriteString(w, `{"ok":true}`)
			return
		}
		io.WriteString(w, `[`+strings.Repeat(`{"name":"module","active":true},`, 100)+`{}]`)
	}))
	for _, req := range []struct{ path, ae string }{
		{"/list", "gzip"}, {"/list", "zstd"}, {"/small", "gzip"}, {"/list", ""},
	} {
		r := httptest.NewRequest(http.MethodGet, req.path, nil)
		if req.ae != "" {
			r.Header.Set("Accept-Encoding", req.ae)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	fmt.Println("outcomes:", outcomes)
	fmt.Println("gzip saved more than 2 KB:", saved["gzip"] > 2000)
	fmt.Println("zstd saved more than 2 KB:", saved["zstd"] > 2000)
	// Output:
	// outcomes: map[compressed:2 not_accepted:1 too_small:1]
	// gzip saved more than 2 KB: true
	// zstd saved more than 2 KB: true
}
