package compress_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/respond"
)

// Levels, windows, types and BREACH padding, tuned for a service that
// streams large JSON to many clients: more zstd compression within a small
// window, a smaller brotli window, CSV never compressed, BMP images
// compressed despite the built-in deny list. With LengthJitter, the padding
// comes from the body, so the same body always has the same length.
func ExampleMiddleware_tuned() {
	mw := compress.Middleware(
		compress.Encodings("zstd", "gzip"), // no brotli
		compress.ZstdLevel(3),
		compress.ZstdWindow(64<<10),
		compress.GzipLevel(5),
		compress.BrotliWindow(17), // unused here: br is not offered
		compress.MinSize(512),
		compress.DenyTypes("text/csv"),
		compress.AllowTypes("image/bmp"),
		compress.LengthJitter(64),
	)
	rows := `[` + strings.Repeat(`{"module":"vision","score":97.5},`, 200) + `{}]`
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/export.csv" {
			w.Header().Set("Content-Type", "text/csv")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		io.WriteString(w, rows)
	}))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip, br, zstd")
		h.ServeHTTP(rec, req)
		return rec
	}

	first, second := get("/rows"), get("/rows")
	dec, _ := zstd.NewReader(first.Body)
	defer dec.Close()
	body, _ := io.ReadAll(dec)
	fmt.Println(first.Header().Get("Content-Encoding"), string(body) == rows)
	fmt.Println("same length twice:", first.Body.Len() == second.Body.Len())
	fmt.Printf("csv: %q\n", get("/export.csv").Header().Get("Content-Encoding"))
	// Output:
	// zstd true
	// same length twice: true
	// csv: ""
}

// Server-sent events: each Flush sends what was written so far through the
// encoder and the connection, even before MinSize is reached, so every event
// reaches the client at once instead of waiting for the next ones.
func ExampleMiddleware_serverSentEvents() {
	next := make(chan struct{})
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w) // reaches compress's Flush through Unwrap
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "data: tick %d\n\n", i)
			if err := rc.Flush(); err != nil {
				return
			}
			select {
			case <-next: // the client has read this event
			case <-r.Context().Done():
				return
			}
		}
	})
	srv := httptest.NewServer(compress.Middleware()(events))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println("Content-Encoding:", resp.Header.Get("Content-Encoding"))
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		fmt.Println(err)
		return
	}
	lines := bufio.NewReader(zr)
	for i := 0; i < 3; i++ {
		line, _ := lines.ReadString('\n') // arrives while the handler waits
		lines.ReadString('\n')            // the blank line ending the event
		fmt.Print(line)
		next <- struct{}{}
	}
	// Output:
	// Content-Encoding: gzip
	// data: tick 1
	// data: tick 2
	// data: tick 3
}

// A compressed body is a different byte sequence, so a strong ETag is made
// weak by default; ETags(ETagSuffix) keeps it strong with the coding
// appended, and then the handler must accept the suffixed form in
// If-None-Match itself.
func ExampleETags() {
	page := strings.Repeat("<p>module status</p>", 100)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"v42"`)
		io.WriteString(w, page)
	})
	for _, mw := range []func(http.Handler) http.Handler{
		compress.Middleware(),
		compress.Middleware(compress.ETags(compress.ETagSuffix)),
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		mw(handler).ServeHTTP(rec, req)
		fmt.Println(rec.Header().Get("Content-Encoding"), rec.Header().Get("ETag"))
	}
	// Output:
	// gzip W/"v42"
	// gzip "v42-gzip"
}

// Put respond.Recover outside compress: a handler that panics after writing
// part of a body still gets a clean 500 while compress has let nothing
// through (here, a body still under MinSize), and a panic in compress itself
// becomes a 500 too.
func Example_recover() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"rows":[`) // held back: under MinSize
		panic("report generator failed")
	})
	handler := respond.Recover()(compress.Middleware()(mux))

	srv := httptest.NewServer(handler)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/report", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	fmt.Println(bytes.Contains(body, []byte(`"code":"INTERNAL_ERROR"`)), bytes.Contains(body, []byte("report generator")))
	// Output:
	// 500 application/json; charset=utf-8
	// true false
}
