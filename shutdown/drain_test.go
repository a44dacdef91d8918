package shutdown_test

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/shutdown"
)

// TestDrainDelayTellsClientsToStopReusingConnections: during the drain
// delay every response ends its connection (Connection: close on
// HTTP/1.1, GOAWAY on HTTP/2), so the client's next request opens a new
// connection (which a load balancer would send to another replica) instead
// of racing the idle close at the end of the delay.
func TestDrainDelayTellsClientsToStopReusingConnections(t *testing.T) {
	t.Parallel()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	cert := ts.TLS.Certificates
	h2Client := ts.Client()
	ts.Close()

	for _, tt := range []struct {
		name  string
		h2    bool
		proto string
	}{{"HTTP/1.1", false, "HTTP/1.1"}, {"HTTP/2", true, "HTTP/2.0"}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			e := newEnv(t, shutdown.WithClock(clk), shutdown.DrainDelay(5*time.Second), shutdown.Timeout(20*time.Second))
			var conns atomic.Int32
			srv := &http.Server{
				Handler:           http.HandlerFunc(ok),
				ReadHeaderTimeout: 5 * time.Second,
				ConnState: func(_ net.Conn, s http.ConnState) {
					if s == http.StateNew {
						conns.Add(1)
					}
				},
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			base := "http://" + ln.Addr().String()
			client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			if tt.h2 {
				srv.TLSConfig = &tls.Config{Certificates: cert}
				base = "https://" + ln.Addr().String()
				client = h2Client
			}
			defer client.CloseIdleConnections()
			e.m.ServeListener(srv, ln)
			done := e.run(context.Background())

			do := func() *http.Response {
				t.Helper()
				resp, err := client.Post(base+"/", "text/plain", nil)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Equal(t, tt.proto, resp.Proto)
				return resp
			}
			assert.False(t, do().Close, "Connection: close before the shutdown")
			do()
			require.EqualValues(t, 1, conns.Load(), "keep-alive: one connection before the shutdown")

			e.signals.send(t, syscall.SIGTERM)
			waitUntil(t, "readiness 503", func() bool { return probe(e.m.ReadinessHandler()) == http.StatusServiceUnavailable })
			resp := do()
			if !tt.h2 {
				assert.True(t, resp.Close, "no Connection: close during the drain delay")
			}
			// The client must not send the next request on the old
			// connection: the server has ended it (HTTP/1.1) or sent
			// GOAWAY (HTTP/2).
			waitUntil(t, "the next request on a new connection", func() bool {
				do()
				return conns.Load() >= 2
			})
			clk.Advance(5 * time.Second)
			require.NoError(t, waitErr(t, done))
		})
	}
}

// TestDrainDelayLeavesUpgradesAlone: an upgrade request (a WebSocket
// handshake) during the drain delay does not get Connection: close; its
// handler answers Connection: Upgrade and ends on Draining.
func TestDrainDelayLeavesUpgradesAlone(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	e := newEnv(t, shutdown.WithClock(clk), shutdown.DrainDelay(5*time.Second), shutdown.Timeout(20*time.Second))
	seen := make(chan string, 2)
	_, url := e.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Upgrade") + "|" + w.Header().Get("Connection")
	}))
	done := e.run(context.Background())
	e.signals.send(t, syscall.SIGTERM)
	waitUntil(t, "readiness 503", func() bool { return probe(e.m.ReadinessHandler()) == http.StatusServiceUnavailable })

	for _, upgrade := range []string{"websocket", ""} {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		if upgrade != "" {
			req.Header.Set("Upgrade", upgrade)
			req.Header.Set("Connection", "Upgrade")
		}
		c := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
		resp, err := c.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		c.CloseIdleConnections()
	}
	assert.Equal(t, "websocket|", <-seen, "an upgrade request was told Connection: close")
	assert.Equal(t, "|close", <-seen)
	waitUntil(t, "drain-delay timer", func() bool { return clk.Pending() == 3 })
	clk.Advance(5 * time.Second)
	require.NoError(t, waitErr(t, done))
}
