package requestid

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTransport(t *testing.T) {
	t.Parallel()
	// The downstream service reports the header it received.
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Header.Get(DefaultHeader))
	}))
	t.Cleanup(downstream.Close)

	tests := []struct {
		name   string
		ctxID  string // "" for none
		header string // header already on the request, "" for none
		want   string
	}{
		{"propagates", "abc-123", "", "abc-123"},
		{"no id, no header", "", "", ""},
		{"request's own header wins", "abc-123", "explicit-1", "explicit-1"},
		{"own header without id", "", "explicit-2", "explicit-2"},
		{"malformed context id is not sent", "bad id\r\nX-Evil: 1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			if tt.ctxID != "" {
				ctx = NewContext(ctx, tt.ctxID)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, downstream.URL, nil)
			require.NoError(t, err)
			if tt.header != "" {
				req.Header.Set(DefaultHeader, tt.header)
			}
			before := req.Header.Clone()
			client := &http.Client{Transport: Transport(downstream.Client().Transport)}
			res, err := client.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.NoError(t, res.Body.Close())
			assert.Equal(t, tt.want, string(body))
			assert.Equal(t, before, req.Header, "the caller's request is not modified")
		})
	}
}

func TestTransportNilBase(t *testing.T) {
	t.Parallel()
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Header.Get(DefaultHeader))
	}))
	t.Cleanup(downstream.Close)
	req, err := http.NewRequestWithContext(NewContext(context.Background(), "via-default"), http.MethodGet, downstream.URL, nil)
	require.NoError(t, err)
	res, err := (&http.Client{Transport: Transport(nil)}).Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	assert.Equal(t, "via-default", string(body))
}

// TestTransportEndToEnd: a service behind Middleware calls another one with
// the request context; both see the same ID.
func TestTransportEndToEnd(t *testing.T) {
	t.Parallel()
	seenDownstream := make(chan string, 1)
	downstream := httptest.NewServer(Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenDownstream <- FromContext(r.Context())
	})))
	t.Cleanup(downstream.Close)
	client := &http.Client{Transport: Transport(nil)}
	upstream := httptest.NewServer(Middleware(Edge())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, downstream.URL, nil)
		if !assert.NoError(t, err) {
			return
		}
		res, err := client.Do(req)
		if !assert.NoError(t, err) {
			return
		}
		_ = res.Body.Close()
		_, _ = io.WriteString(w, FromContext(r.Context()))
	})))
	t.Cleanup(upstream.Close)
	_, upstreamID := get(t, upstream.URL, DefaultHeader)
	assert.Regexp(t, uuidV4, upstreamID)
	assert.Equal(t, upstreamID, <-seenDownstream)
}

type fakeRT struct {
	closed int
	req    *http.Request
}

func (f *fakeRT) RoundTrip(r *http.Request) (*http.Response, error) {
	f.req = r
	return nil, errors.New("fake: no network")
}
func (f *fakeRT) CloseIdleConnections() { f.closed++ }

func TestTransportDetails(t *testing.T) {
	t.Parallel()
	base := &fakeRT{}
	client := &http.Client{Transport: Transport(base)}
	client.CloseIdleConnections()
	assert.Equal(t, 1, base.closed, "CloseIdleConnections reaches the base transport")

	// A request built by hand may have a nil Header.
	req := &http.Request{Method: http.MethodGet, URL: mustURL(t, "http://example.invalid/"), Host: "example.invalid"}
	req = req.WithContext(NewContext(context.Background(), "id-7"))
	_, err := Transport(base).RoundTrip(req)
	require.Error(t, err)
	assert.Nil(t, req.Header, "the caller's request is not modified")
	require.NotNil(t, base.req)
	assert.NotSame(t, req, base.req, "a clone is sent")
	assert.Equal(t, "id-7", base.req.Header.Get(DefaultHeader))

	// Without an ID the request goes through untouched.
	plain := httptest.NewRequest(http.MethodGet, "http://example.invalid/", nil)
	_, _ = Transport(base).RoundTrip(plain)
	assert.Same(t, plain, base.req)
}

// TestTransportHeader: a fleet on another header propagates that header, as
// the Middleware that stored the ID names it, or as TransportHeader says.
func TestTransportHeader(t *testing.T) {
	t.Parallel()
	type seen struct{ requestID, correlationID, other string }
	got := make(chan seen, 1)
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Header.Get("X-Request-ID"), r.Header.Get("X-Correlation-ID"), r.Header.Get("X-Other-ID")}
	}))
	t.Cleanup(downstream.Close)
	tests := []struct {
		name   string
		mw     []Option // nil: no Middleware, the ID comes from NewContext
		topts  []TransportOption
		preset string // header already on the outgoing request
		want   seen
	}{
		{"middleware's header", []Option{Header("x-correlation-id")}, nil, "", seen{correlationID: "corr-1"}},
		{"default header", []Option{}, nil, "", seen{requestID: "corr-1"}},
		{"NewContext uses the default", nil, nil, "", seen{requestID: "corr-1"}},
		{"TransportHeader wins", []Option{Header("X-Correlation-ID")}, []TransportOption{TransportHeader("X-Other-ID")}, "", seen{other: "corr-1"}},
		{"own header of that name wins", []Option{Header("X-Correlation-ID")}, nil, "X-Correlation-ID", seen{correlationID: "mine"}},
		{"own header of another name does not stop it", []Option{Header("X-Correlation-ID")}, nil, "X-Request-ID", seen{requestID: "mine", correlationID: "corr-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := &http.Client{Transport: Transport(downstream.Client().Transport, tt.topts...)}
			call := func(ctx context.Context) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, downstream.URL, nil)
				require.NoError(t, err)
				if tt.preset != "" {
					req.Header.Set(tt.preset, "mine")
				}
				res, err := client.Do(req)
				require.NoError(t, err)
				require.NoError(t, res.Body.Close())
			}
			if tt.mw == nil {
				call(NewContext(context.Background(), "corr-1"))
			} else {
				h := Middleware(tt.mw...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { call(r.Context()) }))
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("X-Correlation-ID", "corr-1")
				req.Header.Set("X-Request-ID", "corr-1")
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
			assert.Equal(t, tt.want, <-got)
		})
	}
}
