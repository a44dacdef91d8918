package compress

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

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
