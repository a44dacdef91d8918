package compress

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statusRecorder is what an access log outside compress sees: the status
// passed to WriteHeader (or the implicit 200 of a first Write).
type statusRecorder struct {
	http.ResponseWriter
	mu     sync.Mutex
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.mu.Lock()
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.mu.Unlock()
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	s.mu.Lock()
	if s.status == 0 {
		s.status = http.StatusOK
	}
	s.mu.Unlock()
	return s.ResponseWriter.Write(p)
}

func (s *statusRecorder) Flush() { http.NewResponseController(s.ResponseWriter).Flush() }

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// TestJitterKeepsTheStatus: with LengthJitter on, every coding sends the
// handler's status, to the client and to a wrapper outside compress (issue
// 18, item 1: brotli's padding went out before the held status, as a 200).
func TestJitterKeepsTheStatus(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	styles := map[string]func(w http.ResponseWriter, status int){
		"one write": func(w http.ResponseWriter, status int) {
			w.WriteHeader(status)
			_, _ = w.Write(body)
		},
		"small writes": func(w http.ResponseWriter, status int) {
			w.WriteHeader(status)
			for i := 0; i < len(body); i += 100 {
				_, _ = w.Write(body[i:min(i+100, len(body))])
			}
		},
		"flush first": func(w http.ResponseWriter, status int) {
			w.WriteHeader(status)
			w.(http.Flusher).Flush()
			_, _ = w.Write(body)
		},
	}
	for _, enc := range []string{"gzip", "br", "zstd"} {
		for _, status := range []int{http.StatusCreated, http.StatusNotFound, http.StatusInternalServerError} {
			for name, style := range styles {
				t.Run(fmt.Sprintf("%s/%d/%s", enc, status, name), func(t *testing.T) {
					t.Parallel()
					seen := make(chan int, 1)
					inner := Middleware(LengthJitter(100))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						w.Header().Set("Content-Type", "application/json")
						style(w, status)
					}))
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						outer := &statusRecorder{ResponseWriter: w}
						inner.ServeHTTP(outer, r)
						seen <- outer.status
					}))
					t.Cleanup(srv.Close)
					res := do(t, srv, http.MethodGet, enc)
					require.Equal(t, status, res.status, "status on the wire")
					assert.Equal(t, status, <-seen, "status seen outside compress")
					assert.Equal(t, enc, res.header.Get("Content-Encoding"))
					assert.Equal(t, body, res.body)
				})
			}
		}
	}
}

// headerCases are handlers that change the header map after net/http has
// fixed the header section (at WriteHeader, or at the first Write).
var headerCases = map[string]http.HandlerFunc{
	// net/http's own trailer example (the ResponseWriter "Trailers" example).
	"trailer example": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "AtEnd1, AtEnd2")
		w.Header().Add("Trailer", "AtEnd3")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Header().Set("AtEnd1", "value 1")
		_, _ = w.Write(textBody(4 << 10))
		w.Header().Set("AtEnd2", "value 2")
		w.Header().Set("AtEnd3", "value 3")
	},
	"set after WriteHeader": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Changed", "before")
		w.Header().Set("X-Deleted", "yes")
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-Late", "late")
		w.Header().Set("X-Changed", "after")
		w.Header().Del("X-Deleted")
		w.Header().Set("Cache-Control", "no-transform")
		w.Header().Set("Content-Encoding", "late")
		_, _ = w.Write(jsonBody(4 << 10))
	},
	"set after the first write": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := jsonBody(4 << 10)
		_, _ = w.Write(body[:100])
		w.Header().Set("X-Late", "late")
		w.Header().Set("Content-Type", "image/png")
		w.WriteHeader(http.StatusTeapot) // superfluous: the first Write sent 200
		_, _ = w.Write(body[100:])
	},
	"type set after WriteHeader": func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(htmlBody(4 << 10))
	},
	"small body, late header": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Header().Set("X-Late", "late")
		_, _ = w.Write([]byte(`{"ok":true}`))
	},
	"late header, flush": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.Header().Set("X-Late", "late")
		_, _ = w.Write([]byte("data: 1\n\n"))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte("data: 2\n\n"))
	},
}

func textBody(n int) []byte {
	b := make([]byte, 0, n)
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "line %d: This HTTP response has both headers before this text and trailers at the end.\n", i)
	}
	return b[:n]
}

// compressOwn are the fields compress changes itself; everything else must
// be what net/http sends without the middleware.
var compressOwn = []string{"Content-Encoding", "Vary", "Content-Length", "Accept-Ranges", "Etag", "Date"}

type wireResponse struct {
	status  int
	header  http.Header
	trailer http.Header
	ce      string
	body    []byte
}

func fetchWire(t *testing.T, client *http.Client, url, ae string) wireResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if ae != "" {
		req.Header.Set("Accept-Encoding", ae)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	ce := resp.Header.Get("Content-Encoding")
	h := resp.Header.Clone()
	for _, k := range compressOwn {
		delete(h, k)
	}
	return wireResponse{status: resp.StatusCode, header: h, trailer: resp.Trailer, ce: ce, body: decode(t, ce, raw)}
}

// TestHeaderSectionAsNetHTTP compares, over HTTP/1.1 and HTTP/2, every
// response's header section and trailers with what net/http sends for the
// same handler without the middleware: only compress's own fields may
// differ (issue 18, item 2).
func TestHeaderSectionAsNetHTTP(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		for name, h := range headerCases {
			t.Run(proto+"/"+name, func(t *testing.T) {
				t.Parallel()
				start := func(h http.Handler) (*httptest.Server, *http.Client) {
					srv := httptest.NewUnstartedServer(h)
					if proto == "HTTP/2" {
						srv.EnableHTTP2 = true
						srv.StartTLS()
					} else {
						srv.Start()
					}
					t.Cleanup(srv.Close)
					client := srv.Client()
					client.Transport.(*http.Transport).DisableCompression = true
					return srv, client
				}
				bare, bareClient := start(h)
				want := fetchWire(t, bareClient, bare.URL, "")
				wrapped, client := start(Middleware()(h))
				for _, ae := range []string{"", "gzip", "br", "zstd"} {
					got := fetchWire(t, client, wrapped.URL, ae)
					assert.Equal(t, want.status, got.status, "status, Accept-Encoding %q", ae)
					assert.Equal(t, want.header, got.header, "header section, Accept-Encoding %q", ae)
					assert.Equal(t, want.trailer, got.trailer, "trailers, Accept-Encoding %q", ae)
					assert.Equal(t, string(want.body), string(got.body), "body, Accept-Encoding %q", ae)
				}
			})
		}
	}
}

// rawExchange sends a GET over a raw connection and returns everything the
// server sent until it closed the connection, without the Date line.
func rawExchange(t *testing.T, addr, ae string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	req := "GET / HTTP/1.1\r\nHost: x\r\n"
	if ae != "" {
		req += "Accept-Encoding: " + ae + "\r\n"
	}
	_, err = io.WriteString(conn, req+"\r\n")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	all, err := io.ReadAll(conn)
	require.NoError(t, err)
	var out []string
	for _, line := range strings.SplitAfter(string(all), "\r\n") {
		// Date varies; Vary is compress's own (it adds it to every
		// response whose encoding depends on the request).
		if !strings.HasPrefix(line, "Date: ") && line != "Vary: Accept-Encoding\r\n" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// TestHijackAfterWriteHeader: the bytes on the wire are net/http's own when
// a handler hijacks after WriteHeader or a first Write: the status line and
// headers (and what was written) go out before the connection is handed
// over, and what the handler wrote before is dropped, as net/http does
// (issue 18, item 6).
func TestHijackAfterWriteHeader(t *testing.T) {
	t.Parallel()
	hijack := func(w http.ResponseWriter) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = brw.WriteString("raw bytes after the hijack")
		_ = brw.Flush()
	}
	cases := map[string]http.HandlerFunc{
		"WriteHeader": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("X-Before", "1")
			w.WriteHeader(http.StatusOK)
			w.Header().Set("X-After", "1")
			hijack(w)
		},
		"WriteHeader and a write": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"started":true}`))
			hijack(w)
		},
		"a write": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"started":true}`))
			hijack(w)
		},
		"nothing": func(w http.ResponseWriter, r *http.Request) {
			hijack(w)
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bare := httptest.NewServer(h)
			t.Cleanup(bare.Close)
			wrapped := httptest.NewServer(Middleware()(h))
			t.Cleanup(wrapped.Close)
			want := rawExchange(t, bare.Listener.Addr().String(), "")
			for _, ae := range []string{"", "gzip", "br, zstd"} {
				assert.Equal(t, want, rawExchange(t, wrapped.Listener.Addr().String(), ae), "Accept-Encoding %q", ae)
			}
		})
	}
}

// TestNotModifiedForNeverEncodedType: a 304 for a type compress never
// encodes carries the ETag its 200 had, although http.ServeContent deletes
// Content-Type before a 304 (issue 18, item 7).
func TestNotModifiedForNeverEncodedType(t *testing.T) {
	t.Parallel()
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 8<<10)...)
	modtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, mode := range []ETagMode{ETagWeaken, ETagSuffix} {
		for _, ae := range []string{"gzip", "br", "zstd"} {
			t.Run(fmt.Sprintf("%d/%s", mode, ae), func(t *testing.T) {
				t.Parallel()
				srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "image/png")
					w.Header().Set("Etag", `"v1"`)
					http.ServeContent(w, r, "img.png", modtime, bytes.NewReader(png))
				}), ETags(mode))
				first := do(t, srv, http.MethodGet, ae)
				require.Equal(t, http.StatusOK, first.status)
				require.Empty(t, first.header.Get("Content-Encoding"))
				require.Equal(t, `"v1"`, first.header.Get("Etag"))
				second := do(t, srv, http.MethodGet, ae, "If-None-Match", `"v1"`)
				require.Equal(t, http.StatusNotModified, second.status)
				assert.Equal(t, `"v1"`, second.header.Get("Etag"), "304 and 200 validators differ")
			})
		}
	}
}

func TestForEachETag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{`"a"`}, []string{`"a"`}},
		{[]string{`W/"a", "b,c" ,W/"d"`}, []string{`W/"a"`, `"b,c"`, `W/"d"`}},
		{[]string{`*`}, nil},
		{[]string{`x, "a"`, `"b`}, []string{`"a"`}},
		{[]string{``, `,,`, `W/`}, nil},
	}
	for _, tt := range tests {
		var got []string
		forEachETag(tt.in, func(s string) { got = append(got, s) })
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func FuzzIfNoneMatch(f *testing.F) {
	for _, s := range []string{`"a"`, `W/"a", "b,c"`, `*`, `W/`, `"`, `x,"y`, `W/"v1-gzip", "v1"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		forEachETag([]string{s}, func(tag string) {
			if !strings.Contains(s, tag) {
				t.Fatalf("tag %q not in %q", tag, s)
			}
			body := strings.TrimPrefix(tag, "W/")
			if len(body) < 2 || body[0] != '"' || body[len(body)-1] != '"' || strings.Contains(body[1:len(body)-1], `"`) {
				t.Fatalf("malformed tag %q from %q", tag, s)
			}
		})
		// The 304 decision must not panic on any If-None-Match.
		cw := &responseWriter{cfg: &config{etag: ETagSuffix}, choice: choice{coding: codingGzip}, ifNoneMatch: []string{s}}
		_ = cw.notModifiedWasEncoded(http.Header{"Etag": {`"v1"`}})
	})
}

// TestWriteHeaderAfterTheDecision: a WriteHeader after the body started is
// superfluous, as with net/http, also while an encoder has not yet written
// its first byte (zstd and brotli hold a block).
func TestWriteHeaderAfterTheDecision(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body[:4096])
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(body[4096:])
	}))
	for _, ae := range []string{"", "gzip", "br", "zstd"} {
		res := do(t, srv, http.MethodGet, ae)
		assert.Equal(t, http.StatusOK, res.status, "Accept-Encoding %q", ae)
		assert.Equal(t, body, res.body)
	}
}
