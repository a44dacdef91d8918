package compress

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestObserve(t *testing.T) {
	t.Parallel()
	body := jsonBody(8 << 10)
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 4<<10)...)
	write := func(hdr ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			_, _ = w.Write(body)
		}
	}
	tests := []struct {
		name    string
		method  string
		ae      string
		reqHdr  []string
		h       http.HandlerFunc
		opts    []Option
		want    Outcome
		coding  string
		in      int
		encoded bool // BytesOut is the encoded length, else in
	}{
		{name: "gzip", ae: "gzip", h: write("Content-Type", "application/json"), want: OutcomeCompressed, coding: "gzip", in: len(body), encoded: true},
		{name: "zstd", ae: "zstd", h: write("Content-Type", "application/json"), want: OutcomeCompressed, coding: "zstd", in: len(body), encoded: true},
		{name: "br with jitter", ae: "br", opts: []Option{LengthJitter(64)}, h: write("Content-Type", "application/json"), want: OutcomeCompressed, coding: "br", in: len(body), encoded: true},
		{name: "no Accept-Encoding", h: write("Content-Type", "application/json"), want: OutcomeNotAccepted, in: len(body)},
		{name: "refused", ae: "gzip;q=0", h: write("Content-Type", "application/json"), want: OutcomeNotAccepted, in: len(body)},
		{name: "too small", ae: "gzip", h: func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) }, want: OutcomeTooSmall, in: 11},
		{name: "empty", ae: "gzip", h: func(w http.ResponseWriter, r *http.Request) {}, want: OutcomeEmpty},
		{name: "denied type", ae: "gzip", h: write("Content-Type", "image/png"), want: OutcomeType, in: len(body)},
		{name: "sniffed type", ae: "gzip", h: func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(png) }, want: OutcomeType, in: len(png)},
		{name: "own Content-Encoding", ae: "gzip", h: write("Content-Encoding", "x-custom"), want: OutcomeAlreadyEncoded, in: len(body)},
		{name: "response no-transform", ae: "gzip", h: write("Cache-Control", "no-transform"), want: OutcomeNoTransform, in: len(body)},
		{name: "request no-transform", ae: "gzip", reqHdr: []string{"Cache-Control", "no-transform"}, h: write(), want: OutcomeNoTransform, in: len(body)},
		{name: "204", ae: "gzip", h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }, want: OutcomeStatus},
		{name: "206", ae: "gzip", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Range", "bytes 0-99/8192")
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(body[:100])
		}, want: OutcomeRange, in: 100},
		{name: "Skip", ae: "gzip", h: func(w http.ResponseWriter, r *http.Request) { Skip(w); _, _ = w.Write(body) }, want: OutcomeSkipped, in: len(body)},
		{name: "HEAD", method: http.MethodHead, ae: "br", h: write("Content-Type", "application/json"), want: OutcomeHead, coding: "br", in: len(body), encoded: true},
		{name: "ServeContent (ReadFrom)", ae: "gzip", h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			http.ServeContent(w, r, "a.png", time.Time{}, bytes.NewReader(png))
		}, want: OutcomeType, in: len(png)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []Stats
			var gotReq *http.Request
			h := Middleware(append(tt.opts, Observe(func(r *http.Request, s Stats) {
				gotReq = r
				got = append(got, s)
			}))...)(tt.h)
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, "/x", nil)
			if tt.ae != "" {
				req.Header.Set("Accept-Encoding", tt.ae)
			}
			for i := 0; i+1 < len(tt.reqHdr); i += 2 {
				req.Header.Set(tt.reqHdr[i], tt.reqHdr[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Len(t, got, 1, "one call per response")
			assert.Same(t, req, gotReq)
			s := got[0]
			assert.Equal(t, tt.want, s.Outcome, "outcome %s", s.Outcome)
			assert.Equal(t, tt.coding, s.Coding)
			assert.Equal(t, int64(tt.in), s.BytesIn, "bytes in")
			switch {
			case tt.encoded:
				assert.Equal(t, int64(rec.Body.Len()), s.BytesOut, "bytes out: what was sent")
				if method != http.MethodHead {
					assert.Less(t, s.BytesOut, s.BytesIn)
				}
			default:
				assert.Equal(t, s.BytesIn, s.BytesOut, "bytes out of a plain response")
				assert.Equal(t, int64(rec.Body.Len()), s.BytesOut)
			}
		})
	}
}

func TestObserveHijackAndPanic(t *testing.T) {
	t.Parallel()
	calls := make(chan Stats, 4)
	mw := Middleware(Observe(func(r *http.Request, s Stats) { calls <- s }))
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			_, _ = w.Write(jsonBody(4 << 10))
			panic(http.ErrAbortHandler)
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})))
	t.Cleanup(srv.Close)
	_, _ = rawClient().Get(srv.URL + "/hijack")
	select {
	case s := <-calls:
		assert.Equal(t, OutcomeHijacked, s.Outcome)
	case <-time.After(5 * time.Second):
		t.Fatal("no call for the hijacked response")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/panic", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if resp, err := rawClient().Do(req); err == nil {
		resp.Body.Close()
	}
	select {
	case s := <-calls:
		t.Fatalf("called for a panicking handler: %+v", s)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestObserveAddsNoAllocation: an Observe hook adds no allocation to a
// response, and Stats is passed by value.
func TestObserveAddsNoAllocation(t *testing.T) { //nolint:paralleltest // AllocsPerRun
	if raceEnabled {
		t.Skip("allocation counts are random under the race detector")
	}
	body := jsonBody(8 << 10)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(body)
	})
	var saved int64
	for _, ae := range []string{"gzip", "zstd", "br", ""} {
		allocs := func(h http.Handler) float64 {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if ae != "" {
				req.Header.Set("Accept-Encoding", ae)
			}
			w := &countingWriter{h: http.Header{}}
			return testing.AllocsPerRun(200, func() {
				clear(w.h)
				h.ServeHTTP(w, req)
			})
		}
		without := allocs(Middleware()(handler))
		with := allocs(Middleware(Observe(func(r *http.Request, s Stats) { saved += s.BytesIn - s.BytesOut }))(handler))
		assert.Equal(t, without, with, "allocations per response with Accept-Encoding %q", ae)
	}
	assert.Positive(t, saved)
}

type countingWriter struct {
	h http.Header
	n int
}

func (c *countingWriter) Header() http.Header         { return c.h }
func (c *countingWriter) WriteHeader(int)             {}
func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func TestOutcomeString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "compressed", OutcomeCompressed.String())
	assert.Equal(t, "not_accepted", OutcomeNotAccepted.String())
	assert.Equal(t, "hijacked", OutcomeHijacked.String())
	assert.Equal(t, "Outcome(0)", Outcome(0).String())
	assert.Equal(t, "Outcome(200)", Outcome(200).String())
	assert.PanicsWithValue(t, "compress.Observe: nil function", func() { Observe(nil) })
}
