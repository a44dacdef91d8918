package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is written by the server's goroutines and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestHello(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		send string // X-Request-ID sent, "" for none
		want string // expected ID, "" for a generated UUIDv4
	}{
		{"client id", "basic-test-1", "basic-test-1"},
		{"generated", "", ""},
		{"malformed replaced", "no spaces allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			srv := httptest.NewServer(newHandler(newLogger(logs)))
			defer srv.Close()
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/hello", nil)
			require.NoError(t, err)
			if tt.send != "" {
				req.Header.Set("X-Request-ID", tt.send)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.StatusCode)

			id := res.Header.Get("X-Request-ID")
			if tt.want != "" {
				assert.Equal(t, tt.want, id)
			} else {
				assert.Regexp(t, uuidV4, id)
			}
			assert.Contains(t, string(body), `hello, request "`+id+`"`)

			// Both the handler's line and the access log line carry the ID.
			require.Eventually(t, func() bool { return strings.Count(logs.String(), "\n") == 2 }, 5*time.Second, 5*time.Millisecond)
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			assert.Contains(t, lines[0], `msg="saying hello"`)
			assert.Contains(t, lines[1], `msg="http request"`)
			assert.Contains(t, lines[1], "status=200")
			for _, line := range lines {
				assert.Equal(t, 1, strings.Count(line, "request_id="+id), line)
			}
			if tt.send != "" && tt.want == "" {
				assert.NotContains(t, logs.String(), tt.send, "a rejected ID is never logged")
			}
		})
	}
}
