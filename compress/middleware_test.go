package compress

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/internal/testlog"
)

func TestRoundTripEachEncoding(t *testing.T) {
	t.Parallel()
	payloads := map[string][]byte{
		"json 64KB": jsonBody(64 << 10),
		"html 20KB": htmlBody(20 << 10),
		"json 1MB":  jsonBody(1 << 20),
	}
	for _, enc := range []string{"gzip", "br", "zstd"} {
		for name, body := range payloads {
			t.Run(enc+" "+name, func(t *testing.T) {
				t.Parallel()
				srv := serve(t, bodyHandler(body, "Content-Type", "application/json", "Content-Length", fmt.Sprint(len(body))))
				res := do(t, srv, http.MethodGet, enc)
				assert.Equal(t, http.StatusOK, res.status)
				assert.Equal(t, enc, res.header.Get("Content-Encoding"))
				assert.Equal(t, []string{"Accept-Encoding"}, res.header.Values("Vary"))
				assertLengthOfEncoded(t, res)
				assert.Equal(t, "application/json", res.header.Get("Content-Type"))
				assert.Less(t, len(res.raw), len(body)/3, "compressed size")
				assert.True(t, bytes.Equal(body, res.body), "decoded body differs")
			})
		}
	}
}

// TestGoClientDecodesGzip checks the ordinary client (transparent gzip) too.
// assertLengthOfEncoded checks that the handler's Content-Length is gone: a
// Content-Length, if any, is the one net/http computed for the encoded body.
func assertLengthOfEncoded(t *testing.T, res result) {
	t.Helper()
	if cl := res.header.Get("Content-Length"); cl != "" {
		assert.Equal(t, fmt.Sprint(len(res.raw)), cl)
	}
}

func TestGoClientDecodesGzip(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	srv := serve(t, bodyHandler(body, "Content-Type", "application/json"), Encodings("gzip"))
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.True(t, resp.Uncompressed, "the transport should have decoded gzip")
	assert.Equal(t, body, got)
}

func TestNegotiationOverTheWire(t *testing.T) {
	t.Parallel()
	body := jsonBody(4 << 10)
	small := []byte(`{"ok":true}`)
	tests := []struct {
		name string
		body []byte
		ae   string
		opts []Option
		hdr  []string // handler headers; default Content-Type application/json
		want string   // Content-Encoding, "" for none
	}{
		{name: "default prefers zstd", body: body, ae: "gzip, deflate, br, zstd", want: "zstd"},
		{name: "server order", body: body, ae: "gzip, br, zstd", opts: []Option{Encodings("br", "gzip")}, want: "br"},
		{name: "q-values", body: body, ae: "zstd;q=0.1, br;q=0.2, gzip", want: "gzip"},
		{name: "gzip;q=0 is a refusal", body: body, ae: "gzip;q=0", want: ""},
		{name: "uppercase token", body: body, ae: "GZip", want: "gzip"},
		{name: "star", body: body, ae: "*", want: "zstd"},
		{name: "star q=0 and nothing acceptable: identity, not 406", body: body, ae: "*;q=0", want: ""},
		{name: "identity;q=0 compresses a small body", body: small, ae: "gzip, identity;q=0", want: "gzip"},
		{name: "identity;q=0 with a small Content-Length", body: small, ae: "gzip, identity;q=0", hdr: []string{"Content-Type", "application/json", "Content-Length", "11"}, want: "gzip"},
		{name: "identity;q=0 with a small sniffed body", body: small, ae: "*;q=0, br", hdr: []string{}, want: "br"},
		{name: "small body stays plain", body: small, ae: "gzip", want: ""},
		{name: "no Accept-Encoding", body: body, ae: "", want: ""},
		{name: "codings the server does not offer", body: body, ae: "zstd", opts: []Option{Encodings("gzip", "br")}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hdr := tt.hdr
			if hdr == nil {
				hdr = []string{"Content-Type", "application/json"}
			}
			srv := serve(t, bodyHandler(tt.body, hdr...), tt.opts...)
			res := do(t, srv, http.MethodGet, tt.ae)
			assert.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, tt.want, res.header.Get("Content-Encoding"))
			assert.Equal(t, tt.body, res.body)
			assert.Equal(t, []string{"Accept-Encoding"}, res.header.Values("Vary"))
		})
	}
}

func TestNeverCompress(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 4096)...)
	modTime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	serveContent := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Etag", `"v1"`)
		http.ServeContent(w, r, "", modTime, bytes.NewReader(body))
	}
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		reqHdr   []string
		opts     []Option
		status   int
		wantVary bool
		wantBody []byte // nil: body
	}{
		{name: "handler set Content-Encoding", handler: bodyHandler(body, "Content-Encoding", "x-custom", "Content-Type", "application/json")},
		{name: "206 from a Range request", handler: serveContent, reqHdr: []string{"Range", "bytes=0-99"}, status: http.StatusPartialContent, wantVary: true, wantBody: body[:100]},
		{name: "Content-Range on a 200", handler: bodyHandler(body, "Content-Range", "bytes 0-8191/9000", "Content-Type", "text/plain"), wantVary: true},
		{name: "204", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNoContent)
		}, status: http.StatusNoContent, wantVary: true, wantBody: []byte{}},
		{name: "204 flushed", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusNoContent)
			w.(http.Flusher).Flush()
		}, status: http.StatusNoContent, wantVary: true, wantBody: []byte{}},
		{name: "304 flushed", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Etag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
			w.(http.Flusher).Flush()
		}, status: http.StatusNotModified, wantVary: true, wantBody: []byte{}},
		{name: "206 without Content-Range, flushed", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusPartialContent)
			w.(http.Flusher).Flush()
			_, _ = w.Write(body)
		}, status: http.StatusPartialContent, wantVary: true},
		{name: "304", handler: serveContent, reqHdr: []string{"If-None-Match", `W/"v1"`}, status: http.StatusNotModified, wantVary: true, wantBody: []byte{}},
		{name: "request no-transform", handler: bodyHandler(body, "Content-Type", "application/json"), reqHdr: []string{"Cache-Control", "max-age=0, No-Transform"}, wantVary: true},
		{name: "response no-transform", handler: bodyHandler(body, "Content-Type", "application/json", "Cache-Control", "public, no-transform")},
		{name: "image/png", handler: bodyHandler(png, "Content-Type", "image/png"), wantBody: png},
		{name: "sniffed png", handler: bodyHandler(png), wantBody: png},
		{name: "font/woff2", handler: bodyHandler(body, "Content-Type", "font/woff2")},
		{name: "application/zip", handler: bodyHandler(body, "Content-Type", "application/zip")},
		{name: "application/pdf", handler: bodyHandler(body, "Content-Type", "application/pdf")},
		{name: "video/mp4", handler: bodyHandler(body, "Content-Type", "video/mp4")},
		{name: "audio/mpeg", handler: bodyHandler(body, "Content-Type", "Audio/MPEG")},
		{name: "docx", handler: bodyHandler(body, "Content-Type", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")},
		{name: "epub", handler: bodyHandler(body, "Content-Type", "application/epub+zip")},
		{name: "DenyTypes", handler: bodyHandler(body, "Content-Type", "application/json; charset=utf-8"), opts: []Option{DenyTypes("application/json")}},
		{name: "Skip", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if !Skip(w) {
				panic("Skip did not find the writer")
			}
			_, _ = w.Write(body)
		}},
		{name: "Content-Length below MinSize", handler: bodyHandler(body[:500], "Content-Type", "application/json", "Content-Length", "500"), wantVary: true, wantBody: body[:500]},
		{name: "small write then return", handler: bodyHandler(body[:1023], "Content-Type", "application/json"), wantVary: true, wantBody: body[:1023]},
		{name: "empty body", handler: func(w http.ResponseWriter, r *http.Request) {}, wantVary: true, wantBody: []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, tt.handler, tt.opts...)
			res := do(t, srv, http.MethodGet, "zstd, br, gzip", tt.reqHdr...)
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			want := tt.wantBody
			if want == nil {
				want = body
			}
			assert.Equal(t, status, res.status)
			ce := res.header.Get("Content-Encoding")
			assert.True(t, ce == "" || ce == "x-custom", "Content-Encoding %q", ce)
			assert.Equal(t, want, res.raw)
			if tt.wantVary {
				assert.Equal(t, []string{"Accept-Encoding"}, res.header.Values("Vary"))
			} else {
				assert.Empty(t, res.header.Values("Vary"))
			}
		})
	}
}

func TestInformationalPassesThrough(t *testing.T) {
	t.Parallel()
	body := jsonBody(4 << 10)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	var got []int
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, header textproto.MIMEHeader) error {
			got = append(got, code)
			return nil
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := rawClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, []int{http.StatusEarlyHints}, got)
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, body, decode(t, "gzip", raw))
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	body := jsonBody(4 << 10)
	tests := []struct {
		name     string
		header   []string // handler's headers
		addVary  []string
		opts     []Option
		ae       string
		wantVary []string
		wantETag string
	}{
		{name: "strong ETag weakened", header: []string{"Etag", `"abc"`}, ae: "gzip", wantVary: []string{"Accept-Encoding"}, wantETag: `W/"abc"`},
		{name: "weak ETag kept", header: []string{"Etag", `W/"abc"`}, ae: "gzip", wantVary: []string{"Accept-Encoding"}, wantETag: `W/"abc"`},
		{name: "ETag suffix gzip", header: []string{"Etag", `"abc"`}, opts: []Option{ETags(ETagSuffix)}, ae: "gzip", wantVary: []string{"Accept-Encoding"}, wantETag: `"abc-gzip"`},
		{name: "ETag suffix br", header: []string{"Etag", `"abc"`}, opts: []Option{ETags(ETagSuffix)}, ae: "br", wantVary: []string{"Accept-Encoding"}, wantETag: `"abc-br"`},
		{name: "ETag suffix zstd", header: []string{"Etag", `"abc"`}, opts: []Option{ETags(ETagSuffix)}, ae: "zstd", wantVary: []string{"Accept-Encoding"}, wantETag: `"abc-zstd"`},
		{name: "ETag keep", header: []string{"Etag", `"abc"`}, opts: []Option{ETags(ETagKeep)}, ae: "gzip", wantVary: []string{"Accept-Encoding"}, wantETag: `"abc"`},
		{name: "ETag untouched when not compressed", header: []string{"Etag", `"abc"`}, ae: "", wantVary: []string{"Accept-Encoding"}, wantETag: `"abc"`},
		{name: "handler Vary kept, ours added once", addVary: []string{"Origin"}, ae: "gzip", wantVary: []string{"Origin", "Accept-Encoding"}},
		{name: "handler already varies on Accept-Encoding", addVary: []string{"origin, accept-encoding"}, ae: "gzip", wantVary: []string{"origin, accept-encoding"}},
		{name: "handler Vary star", addVary: []string{"*"}, ae: "gzip", wantVary: []string{"*"}},
		{name: "uncompressed still varies", ae: "", wantVary: []string{"Accept-Encoding"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h := w.Header()
				h.Set("Content-Type", "application/json")
				h.Set("Content-Length", fmt.Sprint(len(body)))
				h.Set("Accept-Ranges", "bytes")
				for i := 0; i+1 < len(tt.header); i += 2 {
					h.Set(tt.header[i], tt.header[i+1])
				}
				for _, v := range tt.addVary {
					h.Add("Vary", v)
				}
				_, _ = w.Write(body)
			}), tt.opts...)
			res := do(t, srv, http.MethodGet, tt.ae)
			compressed := res.header.Get("Content-Encoding") != ""
			assert.Equal(t, tt.ae != "", compressed)
			assert.Equal(t, tt.wantVary, res.header.Values("Vary"))
			if tt.wantETag != "" {
				assert.Equal(t, tt.wantETag, res.header.Get("Etag"))
			}
			if compressed {
				assertLengthOfEncoded(t, res)
				assert.Empty(t, res.header.Get("Accept-Ranges"))
			} else {
				assert.Equal(t, fmt.Sprint(len(body)), res.header.Get("Content-Length"))
				assert.Equal(t, "bytes", res.header.Get("Accept-Ranges"))
			}
			assert.Equal(t, body, res.body)
		})
	}
}

func TestHeadHasGetHeaders(t *testing.T) {
	t.Parallel()
	body := jsonBody(16 << 10)
	small := jsonBody(300)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		ae      string
	}{
		{name: "compressible, written body", handler: bodyHandler(body, "Content-Type", "application/json", "Etag", `"e1"`), ae: "br"},
		{name: "compressible, Content-Length only on HEAD", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			if r.Method != http.MethodHead {
				_, _ = w.Write(body)
			}
		}, ae: "gzip"},
		{name: "sniffed type", handler: bodyHandler(htmlBody(4 << 10)), ae: "zstd"},
		{name: "small", handler: bodyHandler(small, "Content-Type", "application/json"), ae: "gzip"},
		{name: "no Accept-Encoding", handler: bodyHandler(body, "Content-Type", "application/json"), ae: ""},
		{name: "png", handler: bodyHandler(body, "Content-Type", "image/png"), ae: "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, tt.handler)
			get := do(t, srv, http.MethodGet, tt.ae)
			head := do(t, srv, http.MethodHead, tt.ae)
			assert.Empty(t, head.raw)
			get.header.Del("Date")
			head.header.Del("Date")
			if get.header.Get("Content-Encoding") != "" {
				// net/http adds the Content-Length of a small encoded GET
				// body itself; HEAD may omit it (RFC 9110, section 8.6),
				// and must not send the handler's unencoded length.
				assert.Empty(t, head.header.Get("Content-Length"))
				get.header.Del("Content-Length")
			}
			assert.Equal(t, get.header, head.header)
		})
	}
}

func TestSniffing(t *testing.T) {
	t.Parallel()
	html := htmlBody(4 << 10)
	// Text for 300 bytes, then a binary byte: only a sniff of 512 bytes
	// sees that it is not text.
	mixed := append(bytes.Repeat([]byte("plain text "), 30)[:300], 0x01)
	mixed = append(mixed, bytes.Repeat([]byte("x"), 2000)...)
	tests := []struct {
		name     string
		body     []byte
		chunk    int
		opts     []Option
		declared bool // handler sets Content-Type to nil
		wantCT   string
		wantCE   bool
	}{
		{name: "html in one write", body: html, wantCT: "text/html; charset=utf-8", wantCE: true},
		{name: "html in 100-byte writes", body: html, chunk: 100, wantCT: "text/html; charset=utf-8", wantCE: true},
		{name: "sniffs 512 bytes even with a small MinSize", body: mixed, chunk: 100, opts: []Option{MinSize(64)}, wantCT: "application/octet-stream", wantCE: true},
		{name: "sniffed type respects the deny list", body: append([]byte("GIF89a"), html...), wantCT: "image/gif", wantCE: false},
		{name: "nil Content-Type is respected", body: html, declared: true, wantCT: "", wantCE: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.declared {
					w.Header()["Content-Type"] = nil
				}
				chunk := tt.chunk
				if chunk == 0 {
					chunk = len(tt.body)
				}
				for b := tt.body; len(b) > 0; {
					n := min(chunk, len(b))
					_, _ = w.Write(b[:n])
					b = b[n:]
				}
			}), tt.opts...)
			res := do(t, srv, http.MethodGet, "gzip")
			assert.Equal(t, tt.wantCT, res.header.Get("Content-Type"))
			assert.Equal(t, tt.wantCE, res.header.Get("Content-Encoding") == "gzip")
			assert.Equal(t, tt.body, res.body)
		})
	}
}

func TestWritePatterns(t *testing.T) {
	t.Parallel()
	body := jsonBody(64 << 10)
	for _, chunk := range []int{1, 100, 512, 1023, 1024, 1025, 4096, 64 << 10} {
		for _, enc := range []string{"gzip", "br", "zstd"} {
			t.Run(fmt.Sprintf("%s/%d", enc, chunk), func(t *testing.T) {
				t.Parallel()
				srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					for b := body; len(b) > 0; {
						n := min(chunk, len(b))
						m, err := w.Write(b[:n])
						if err != nil || m != n {
							panic(fmt.Sprintf("write returned %d, %v", m, err))
						}
						b = b[n:]
					}
				}))
				res := do(t, srv, http.MethodGet, enc)
				assert.Equal(t, enc, res.header.Get("Content-Encoding"))
				assert.Equal(t, body, res.body)
			})
		}
	}
}

// TestFlushStreamsEvents checks that a server-sent event reaches the client
// while the handler is still running, for each coding.
func TestFlushStreamsEvents(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"gzip", "br", "zstd", ""} {
		t.Run("encoding "+enc, func(t *testing.T) {
			t.Parallel()
			received := make(chan struct{})
			handlerDone := make(chan struct{})
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(handlerDone)
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, "data: first\n\n")
				assert.NoError(t, http.NewResponseController(w).Flush()) // not require: this is the server's goroutine
				select {
				case <-received:
				case <-time.After(10 * time.Second):
					return
				}
				_, _ = io.WriteString(w, "data: second\n\n")
			}))
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			if enc != "" {
				req.Header.Set("Accept-Encoding", enc)
			}
			resp, err := rawClient().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, enc, resp.Header.Get("Content-Encoding"))
			stream := streamDecoder(t, enc, resp.Body)
			line, err := bufio.NewReader(stream).ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, "data: first\n", line)
			select {
			case <-handlerDone:
				t.Fatal("the event arrived only after the handler returned")
			default:
			}
			close(received)
			<-handlerDone
		})
	}
}

// TestFlushBeforeAnyWrite sends the headers at once for a stream that has
// not produced data yet.
func TestFlushBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "data: x\n\n")
	}))
	defer close(release)
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := rawClient().Do(req.WithContext(ctx))
	require.NoError(t, err, "headers must arrive before the handler writes")
	defer resp.Body.Close()
	assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	assert.Equal(t, []string{"Accept-Encoding"}, resp.Header.Values("Vary"))
}

func TestUnwrapAndHijack(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	srv := httptest.NewUnstartedServer(Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		conn, brw, err := rc.Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nX-Raw: yes\r\nConnection: close\r\n\r\nhijacked")
		_ = brw.Flush()
		_, err = w.Write([]byte("after"))
		if err != http.ErrHijacked {
			panic("write after hijack should fail")
		}
	})))
	srv.Config.ErrorLog = log.New(&logs, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	res := do(t, srv, http.MethodGet, "gzip")
	assert.Equal(t, "yes", res.header.Get("X-Raw"))
	assert.Empty(t, res.header.Get("Content-Encoding"))
	assert.Empty(t, res.header.Get("Vary"))
	assert.Equal(t, "hijacked", string(res.raw))
	assert.Empty(t, logs.String(), "nothing may touch the hijacked connection's response")
}

// syncBuffer is the shared goroutine-safe log buffer of the tests.
type syncBuffer = testlog.Buffer

func TestInvalidOptionsPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"gzip 0", func() { GzipLevel(0) }, "compress.GzipLevel"},
		{"gzip 10", func() { GzipLevel(10) }, "compress.GzipLevel"},
		{"brotli -1", func() { BrotliLevel(-1) }, "compress.BrotliLevel"},
		{"brotli 12", func() { BrotliLevel(12) }, "compress.BrotliLevel"},
		{"brotli window 9", func() { BrotliWindow(9) }, "compress.BrotliWindow"},
		{"brotli window 25", func() { BrotliWindow(25) }, "compress.BrotliWindow"},
		{"zstd 0", func() { ZstdLevel(0) }, "compress.ZstdLevel"},
		{"zstd 23", func() { ZstdLevel(23) }, "compress.ZstdLevel"},
		{"zstd window small", func() { ZstdWindow(512) }, "compress.ZstdWindow"},
		{"zstd window large", func() { ZstdWindow(16 << 20) }, "compress.ZstdWindow"},
		{"zstd window not a power of two", func() { ZstdWindow(100_000) }, "compress.ZstdWindow"},
		{"min size", func() { MinSize(-1) }, "compress.MinSize"},
		{"no encodings", func() { Encodings() }, "compress.Encodings"},
		{"unknown encoding", func() { Encodings("deflate") }, "compress.Encodings"},
		{"duplicate encoding", func() { Encodings("gzip", "gzip") }, "compress.Encodings"},
		{"allow pattern", func() { AllowTypes("image") }, "compress.AllowTypes"},
		{"deny pattern", func() { DenyTypes("*/json") }, "compress.DenyTypes"},
		{"deny none", func() { DenyTypes() }, "compress.DenyTypes"},
		{"etag mode", func() { ETags(ETagMode(9)) }, "compress.ETags"},
		{"jitter", func() { LengthJitter(5000) }, "compress.LengthJitter"},
		{"nil option", func() { Middleware(nil) }, "compress.Middleware"},
		{"nil handler", func() { Middleware()(nil) }, "compress.Middleware"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				require.NotNil(t, r, "expected a panic")
				assert.Contains(t, fmt.Sprint(r), tt.want)
			}()
			tt.fn()
		})
	}
}

func TestLevelsApply(t *testing.T) {
	t.Parallel()
	body := jsonBody(64 << 10)
	size := func(enc string, opts ...Option) int {
		srv := serve(t, bodyHandler(body, "Content-Type", "application/json"), opts...)
		res := do(t, srv, http.MethodGet, enc)
		require.Equal(t, body, res.body)
		return len(res.raw)
	}
	assert.Less(t, size("gzip", GzipLevel(9)), size("gzip", GzipLevel(1)))
	assert.Less(t, size("br", BrotliLevel(9)), size("br", BrotliLevel(0)))
	assert.Less(t, size("zstd", ZstdLevel(19)), size("zstd", ZstdLevel(1)))
}

func TestTypeRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		ct   string
		want bool
	}{
		{name: "json", ct: "application/json; charset=utf-8", want: true},
		{name: "svg", ct: "image/svg+xml", want: true},
		{name: "ttf", ct: "font/ttf", want: true},
		{name: "octet-stream", ct: "application/octet-stream", want: true},
		{name: "png", ct: "image/png", want: false},
		{name: "webp", ct: "IMAGE/WEBP", want: false},
		{name: "woff", ct: "font/woff", want: false},
		{name: "gzip", ct: "application/gzip", want: false},
		{name: "zstd", ct: "application/zstd", want: false},
		{name: "7z", ct: "application/x-7z-compressed", want: false},
		{name: "rar", ct: "application/vnd.rar", want: false},
		{name: "brotli", ct: "application/x-brotli", want: false},
		{name: "odt", ct: "application/vnd.oasis.opendocument.text", want: false},
		{name: "docm (OOXML with macros)", ct: "application/vnd.ms-word.document.macroEnabled.12", want: false},
		{name: "xlsb", ct: "application/vnd.ms-excel.sheet.binary.macroEnabled.12", want: false},
		{name: "OOXML XML part", ct: "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml", want: true},
		{name: "+zip outside application/", ct: "model/vnd.usdz+zip", want: false},
		{name: "+gzip", ct: "application/tlsrpt+gzip", want: false},
		{name: "-compressed", ct: "application/vnd.ms-cab-compressed", want: false},
		{name: "-compressed-tar", ct: "application/x-xz-compressed-tar", want: false},
		{name: "tgz", ct: "application/x-gtar-compressed", want: false},
		{name: "rpm", ct: "application/x-rpm", want: false},
		{name: "deb", ct: "application/vnd.debian.binary-package", want: false},
		{name: "xps", ct: "application/vnd.ms-xpsdocument", want: false},
		{name: "keynote", ct: "application/vnd.apple.keynote", want: false},
		{name: "plain tar", ct: "application/x-tar", want: true},
		{name: "GNU tar (uncompressed)", ct: "application/x-gtar", want: true},
		{name: "m3u8 playlist is text", ct: "application/vnd.apple.mpegurl", want: true},
		{name: "wasm", ct: "application/wasm", want: true},
		{name: "eot", ct: "application/vnd.ms-fontobject", want: true},
		{name: "allow overrides built-in", opts: []Option{AllowTypes("image/bmp")}, ct: "image/bmp", want: true},
		{name: "allow type/* overrides built-in", opts: []Option{AllowTypes("image/*")}, ct: "image/bmp", want: true},
		{name: "deny beats allow at equal specificity", opts: []Option{AllowTypes("text/*"), DenyTypes("text/*")}, ct: "text/html", want: false},
		{name: "more specific allow beats deny", opts: []Option{DenyTypes("text/*"), AllowTypes("text/html")}, ct: "text/html", want: true},
		{name: "only listed types", opts: []Option{DenyTypes("*/*"), AllowTypes("application/json")}, ct: "text/html", want: false},
		{name: "only listed types, listed", opts: []Option{DenyTypes("*/*"), AllowTypes("application/json")}, ct: "application/json", want: true},
		{name: "Deny exact", opts: []Option{DenyTypes("text/csv")}, ct: "Text/CSV; header=present", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &config{}
			for _, o := range tt.opts {
				o(c)
			}
			assert.Equal(t, tt.want, c.compressible(tt.ct))
		})
	}
}

// TestPanicDropsPooledState checks that the wrapper (and with it the
// encoder) of a request whose handler panicked is never returned to a pool.
func TestPanicDropsPooledState(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	var mu sync.Mutex
	var panicked *responseWriter
	released := map[*responseWriter]bool{}
	mw := Middleware()
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body[:4096]) // the encoder is running now
		if r.URL.Query().Get("panic") != "" {
			mu.Lock()
			panicked = w.(*responseWriter)
			mu.Unlock()
			panic(http.ErrAbortHandler)
		}
		_, _ = w.Write(body[4096:])
	}))
	h.(*handler).cfg.released = func(cw *responseWriter) {
		mu.Lock()
		released[cw] = true
		mu.Unlock()
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	req, err := http.NewRequest(http.MethodGet, srv.URL+"?panic=1", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := rawClient().Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for range 20 {
		res := do(t, srv, http.MethodGet, "gzip")
		require.Equal(t, body, res.body)
	}
	mu.Lock()
	defer mu.Unlock()
	require.NotNil(t, panicked)
	assert.False(t, released[panicked], "the panicking request's writer went back to the pool")
	assert.NotEmpty(t, released, "normal requests return their writer")
}

func TestConcurrentMixedRequests(t *testing.T) {
	t.Parallel()
	bodies := [][]byte{jsonBody(100), jsonBody(2 << 10), jsonBody(40 << 10), htmlBody(10 << 10)}
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := bodies[len(r.URL.Path)%len(bodies)]
		if r.URL.Query().Get("flush") != "" {
			_, _ = w.Write(b[:len(b)/2])
			w.(http.Flusher).Flush()
			_, _ = w.Write(b[len(b)/2:])
			return
		}
		_, _ = w.Write(b)
	}), LengthJitter(64))
	encs := []string{"gzip", "br", "zstd", "", "identity;q=0, gzip"}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for g := range 8 {
		wg.Go(func() {
			client := rawClient()
			for i := range 25 {
				p := "/" + strings.Repeat("x", (g+i)%4)
				want := bodies[len(p)%len(bodies)]
				path := p
				if i%3 == 0 {
					path += "?flush=1"
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				ae := encs[(g*7+i)%len(encs)]
				if ae != "" {
					req.Header.Set("Accept-Encoding", ae)
				}
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				raw, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				got, err := tryDecode(resp.Header.Get("Content-Encoding"), raw)
				if err != nil || !bytes.Equal(got, want) {
					errs <- fmt.Errorf("%s %q: body mismatch (%v)", path, ae, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLengthJitter: the padding is 1..n bytes, derived from the content
// (a keyed hash of the first bytes), so the same body always gets the same
// length, however it is written, and different bodies get different
// paddings (issue 18, item 5: a fresh random length per response is
// averaged away by repeating the request).
func TestLengthJitter(t *testing.T) {
	t.Parallel()
	const n = 200
	for _, enc := range []string{"gzip", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			handler := func(w http.ResponseWriter, r *http.Request) {
				body := jsonBody(16 << 10)
				// The "secret" guess is near the start, in the hashed prefix.
				body = append([]byte(`{"q":"`+r.URL.Query().Get("q")+`",`), body[1:]...)
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Query().Get("small") != "" {
					for i := 0; i < len(body); i += 100 {
						_, _ = w.Write(body[i:min(i+100, len(body))])
					}
					return
				}
				_, _ = w.Write(body)
			}
			plain := serve(t, http.HandlerFunc(handler))
			srv := serve(t, http.HandlerFunc(handler), LengthJitter(n))
			paddings := map[int]bool{}
			for q := range 16 {
				url := fmt.Sprintf("%s/?q=guess%d", srv.URL, q)
				base := len(doURL(t, fmt.Sprintf("%s/?q=guess%d", plain.URL, q), http.MethodGet, enc).raw)
				first := doURL(t, url, http.MethodGet, enc)
				require.Contains(t, string(first.body), fmt.Sprintf("guess%d", q))
				extra := len(first.raw) - base
				assert.True(t, extra >= 1 && extra <= n+10, "padding %d bytes", extra)
				paddings[extra] = true
				for range 3 {
					again := doURL(t, url, http.MethodGet, enc)
					require.Equal(t, first.body, again.body)
					assert.Equal(t, len(first.raw), len(again.raw), "same body, same length")
				}
				small := doURL(t, url+"&small=1", http.MethodGet, enc)
				require.Equal(t, first.body, small.body)
				assert.Equal(t, len(first.raw), len(small.raw), "the write pattern must not change the padding")
			}
			assert.Greater(t, len(paddings), 8, "different bodies should get different paddings")
		})
	}
}

func TestBodyWithRandomBytesRoundTrips(t *testing.T) {
	t.Parallel()
	body := make([]byte, 200<<10)
	_, _ = rand.Read(body)
	srv := serve(t, bodyHandler(body, "Content-Type", "text/plain"))
	for _, enc := range []string{"gzip", "br", "zstd"} {
		res := do(t, srv, http.MethodGet, enc)
		assert.Equal(t, enc, res.header.Get("Content-Encoding"))
		assert.Equal(t, body, res.body)
	}
}

func TestSkipReportsWhetherItApplied(t *testing.T) {
	t.Parallel()
	assert.False(t, Skip(httptest.NewRecorder()), "no middleware")
	var afterWrite, before bool
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(bytes.Repeat([]byte("a"), 2048))
		afterWrite = Skip(w)
	}))
	res := do(t, srv, http.MethodGet, "gzip")
	assert.False(t, afterWrite, "too late once the body started")
	assert.Equal(t, "gzip", res.header.Get("Content-Encoding"))

	wrapped := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before = Skip(struct{ unwrapper }{unwrapper{w}}) // found through Unwrap
		_, _ = w.Write(bytes.Repeat([]byte("a"), 2048))
	}))
	res = do(t, wrapped, http.MethodGet, "gzip")
	assert.True(t, before)
	assert.Empty(t, res.header.Get("Content-Encoding"))
}

// unwrapper is another middleware's ResponseWriter wrapper.
type unwrapper struct{ http.ResponseWriter }

func (u unwrapper) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func TestMinSize(t *testing.T) {
	t.Parallel()
	body := []byte(strings.Repeat("hello ", 50)) // 300 bytes
	tests := []struct {
		min  int
		want string
	}{{0, "gzip"}, {300, "gzip"}, {301, ""}, {1024, ""}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.min), func(t *testing.T) {
			t.Parallel()
			srv := serve(t, bodyHandler(body, "Content-Type", "text/plain"), MinSize(tt.min))
			res := do(t, srv, http.MethodGet, "gzip")
			assert.Equal(t, tt.want, res.header.Get("Content-Encoding"))
			assert.Equal(t, body, res.body)
		})
	}
}

// TestSwitchingProtocols checks that a 101 response (WebSocket-style
// upgrade) passes through untouched, without Vary.
func TestSwitchingProtocols(t *testing.T) {
	t.Parallel()
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Upgrade", "echo")
		w.Header().Set("Connection", "Upgrade")
		w.WriteHeader(http.StatusSwitchingProtocols)
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = brw.WriteString("upgraded")
		_ = brw.Flush()
	}))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Empty(t, resp.Header.Values("Vary"))
	assert.Empty(t, resp.Header.Get("Content-Encoding"))
	rest, _ := io.ReadAll(br)
	assert.Equal(t, "upgraded", string(rest))
}

// readFromRecorder is a ResponseRecorder that, like net/http's response,
// implements io.ReaderFrom, and counts the calls.
type readFromRecorder struct {
	*httptest.ResponseRecorder
	calls int
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.calls++
	return io.Copy(r.ResponseRecorder, src)
}

// TestReadFromKeepsTheFastPath checks that io.Copy into the middleware's
// writer (http.ServeContent, http.FileServer) reaches the underlying
// ReadFrom, net/http's sendfile path, whenever the response goes out
// unencoded, and still encodes when it must.
func TestReadFromKeepsTheFastPath(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	tests := []struct {
		name     string
		file     string // name given to http.ServeContent: its extension sets the type
		size     int
		ae       string
		reqHdr   []string
		wantFast bool
		wantCE   string
		status   int
	}{
		{name: "no Accept-Encoding", file: "a.json", size: len(body), wantFast: true},
		{name: "already-compressed type", file: "a.png", size: len(body), ae: "gzip", wantFast: true},
		{name: "Range", file: "a.json", size: len(body), ae: "gzip", reqHdr: []string{"Range", "bytes=0-99"}, wantFast: true, status: http.StatusPartialContent},
		{name: "request no-transform", file: "a.json", size: len(body), ae: "gzip", reqHdr: []string{"Cache-Control", "no-transform"}, wantFast: true},
		{name: "Content-Length below MinSize", file: "a.json", size: 500, ae: "gzip", wantFast: true},
		{name: "compressed gzip", file: "a.json", size: len(body), ae: "gzip", wantCE: "gzip"},
		{name: "compressed zstd", file: "a.json", size: len(body), ae: "zstd", wantCE: "zstd"},
		{name: "compressed br", file: "a.json", size: len(body), ae: "br", wantCE: "br"},
		{name: "sniffed type", file: "a", size: len(body), ae: "gzip", wantCE: "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			content := body[:tt.size]
			h := Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.ServeContent(w, r, tt.file, time.Time{}, bytes.NewReader(content))
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.ae != "" {
				req.Header.Set("Accept-Encoding", tt.ae)
			}
			for i := 0; i+1 < len(tt.reqHdr); i += 2 {
				req.Header.Set(tt.reqHdr[i], tt.reqHdr[i+1])
			}
			rec := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
			h.ServeHTTP(rec, req)
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			assert.Equal(t, status, rec.Code)
			assert.Equal(t, tt.wantFast, rec.calls > 0, "underlying ReadFrom used")
			assert.Equal(t, tt.wantCE, rec.Header().Get("Content-Encoding"))
			if tt.wantCE != "" {
				assert.Empty(t, rec.Header().Get("Content-Length"))
				assert.Empty(t, rec.Header().Get("Accept-Ranges"))
			} else {
				assert.Equal(t, fmt.Sprint(rec.Body.Len()), rec.Header().Get("Content-Length"))
			}
			want := content
			if status == http.StatusPartialContent {
				want = content[:100]
			}
			assert.Equal(t, want, decode(t, tt.wantCE, rec.Body.Bytes()))
		})
	}
}

// TestFileServerOverTheWire serves real files through http.FileServer,
// whose io.Copy goes through ReadFrom to sendfile when nothing is encoded.
func TestFileServerOverTheWire(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	js := jsonBody(300 << 10)
	png := append([]byte("\x89PNG\r\n\x1a\n"), js...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.json"), js, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.png"), png, 0o600))
	srv := serve(t, http.FileServer(http.Dir(dir)))
	tests := []struct {
		path, ae, rng string
		want          []byte
		wantCE        string
	}{
		{path: "/a.json", ae: "", want: js},
		{path: "/a.json", ae: "gzip", want: js, wantCE: "gzip"},
		{path: "/a.json", ae: "zstd", want: js, wantCE: "zstd"},
		{path: "/a.png", ae: "gzip, br, zstd", want: png},
		{path: "/a.json", ae: "gzip", rng: "bytes=1000-200999", want: js[1000:201000]},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.ae+" "+tt.rng, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			if tt.rng != "" {
				hdr = []string{"Range", tt.rng}
			}
			res := doURL(t, srv.URL+tt.path, http.MethodGet, tt.ae, hdr...)
			assert.Equal(t, tt.wantCE, res.header.Get("Content-Encoding"))
			if strings.HasSuffix(tt.path, ".png") {
				assert.Empty(t, res.header.Values("Vary"))
			} else {
				assert.Equal(t, []string{"Accept-Encoding"}, res.header.Values("Vary"))
			}
			assert.True(t, bytes.Equal(tt.want, res.body), "body differs")
		})
	}
}

// TestNotModifiedCarriesTheSameETag checks that a 304 repeats the ETag the
// 200 was sent with, adjusted or not: a cache only freshens a stored
// response whose validator matches (RFC 9111, section 4.3.4).
func TestNotModifiedCarriesTheSameETag(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	tests := []struct {
		name     string
		ct       string
		ae       string
		reqHdr   []string
		opts     []Option
		wantETag string
	}{
		{name: "gzip weakens", ct: "application/json", ae: "gzip", wantETag: `W/"v1"`},
		{name: "no Accept-Encoding keeps", ct: "application/json", wantETag: `"v1"`},
		{name: "denied type keeps", ct: "image/png", ae: "gzip", wantETag: `"v1"`},
		{name: "request no-transform keeps", ct: "application/json", ae: "gzip", reqHdr: []string{"Cache-Control", "no-transform"}, wantETag: `"v1"`},
		{name: "suffix", ct: "application/json", ae: "br", opts: []Option{ETags(ETagSuffix)}, wantETag: `"v1-br"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Etag", `"v1"`)
				w.Header().Set("Content-Type", tt.ct)
				if inm := r.Header.Get("If-None-Match"); inm != "" {
					// A handler accepting the adjusted forms, as ETagSuffix asks.
					w.WriteHeader(http.StatusNotModified)
					return
				}
				_, _ = w.Write(body)
			}), tt.opts...)
			first := do(t, srv, http.MethodGet, tt.ae, tt.reqHdr...)
			require.Equal(t, http.StatusOK, first.status)
			assert.Equal(t, tt.wantETag, first.header.Get("Etag"))
			second := do(t, srv, http.MethodGet, tt.ae, append([]string{"If-None-Match", first.header.Get("Etag")}, tt.reqHdr...)...)
			require.Equal(t, http.StatusNotModified, second.status)
			assert.Equal(t, tt.wantETag, second.header.Get("Etag"), "304 and 200 validators differ")
		})
	}
}

// TestWriteHeaderStatuses: an invalid code panics as net/http does (rather
// than turning into a 200), and a second WriteHeader does not change the
// status already given.
func TestWriteHeaderStatuses(t *testing.T) {
	t.Parallel()
	for _, code := range []int{0, 99, 1000} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			h := Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			assert.PanicsWithValue(t, fmt.Sprintf("invalid WriteHeader code %v", code), func() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			})
		})
	}
	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		body := jsonBody(4 << 10)
		srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write(body)
		}))
		res := do(t, srv, http.MethodGet, "gzip")
		assert.Equal(t, http.StatusCreated, res.status)
		assert.Equal(t, "gzip", res.header.Get("Content-Encoding"))
		assert.Equal(t, body, res.body)
	})
}
