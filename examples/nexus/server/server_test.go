package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/internal/testlog"
	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// brokenStore fails in the ways a real database can.
type brokenStore struct {
	store.Store
	panicList bool
	err       error
}

func (b brokenStore) ListModules(ctx context.Context, offset, limit int) ([]store.Module, int, error) {
	if b.panicList {
		panic("nil map in the storage layer: secret-panic-detail")
	}
	return nil, 0, b.err
}

func (b brokenStore) Ping(context.Context) error { return b.err }

func newTestServer(t *testing.T, st store.Store) *httptest.Server {
	t.Helper()
	srv := New(Options{Store: st, Signer: wsauth.NewSigner([]byte("server-test-key-0123456789abcdef0123"))})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func getEnvelope(t *testing.T, url string) (*http.Response, string, map[string]any) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var env map[string]any
	require.NoError(t, json.Unmarshal(raw, &env), "%s", raw)
	return res, string(raw), env
}

func TestFailuresAreEnvelopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		st     brokenStore
		path   string
		status int
		code   string
		hidden string
	}{
		{"panic", brokenStore{Store: store.NewMemory(), panicList: true}, "/api/modules", 500, "INTERNAL_ERROR", "secret-panic-detail"},
		{"store error", brokenStore{Store: store.NewMemory(), err: errors.New("dial tcp db:5432: password=hunter2 rejected")}, "/api/modules", 500, "INTERNAL_ERROR", "hunter2"},
		{"store down", brokenStore{Store: store.NewMemory(), err: errors.New("connection refused hunter2")}, "/readyz", 503, "SERVICE_UNAVAILABLE", "hunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tt.st)
			res, raw, env := getEnvelope(t, ts.URL+tt.path)
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, false, env["success"])
			assert.Equal(t, tt.code, env["error"].(map[string]any)["code"])
			assert.Equal(t, res.Header.Get("X-Request-ID"), env["requestId"])
			assert.NotContains(t, raw, tt.hidden, "internal details never reach the client")
		})
	}
}

func TestNewRequiresStoreAndSigner(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "server: Options.Store is required", func() { New(Options{}) })
	assert.PanicsWithValue(t, "server: Options.Signer is required", func() { New(Options{Store: store.NewMemory()}) })
}

func TestHubDropsSlowSubscribers(t *testing.T) {
	t.Parallel()
	h := newHub(0)
	slow, _, _, _ := h.subscribe("")
	fast, _, _, _ := h.subscribe("")
	for i := range subscriberQueue + 1 {
		h.publish("module.updated", i)
		<-fast.send
	}
	select {
	case <-slow.dropped:
	default:
		t.Fatal("a subscriber whose queue overflowed must be dropped")
	}
	select {
	case <-fast.dropped:
		t.Fatal("a subscriber that keeps up stays")
	default:
	}
	assert.Equal(t, 1, h.count())
	h.unsubscribe(fast)
	assert.Zero(t, h.count())
	h.publish("module.updated", "nobody listens") // must not block or panic
}

// TestProbesAreEnvelopes: the shutdown manager's probes, rendered through
// WriteProbe, answer envelopes with the request ID; before the manager
// serves, /readyz is a 503 SERVICE_UNAVAILABLE envelope naming the state.
func TestProbesAreEnvelopes(t *testing.T) {
	t.Parallel()
	var srv *Server
	mgr := shutdown.New(shutdown.ProbeResponder(func(w http.ResponseWriter, r *http.Request, status int, state string) {
		srv.WriteProbe(w, r, status, state)
	}))
	srv = New(Options{Store: store.NewMemory(), Signer: wsauth.NewSigner([]byte("server-test-key-0123456789abcdef0123")),
		Liveness: mgr.LivenessHandler(), Readiness: mgr.ReadinessHandler()})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	res, _, env := getEnvelope(t, ts.URL+"/healthz")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, true, env["success"])
	assert.Equal(t, map[string]any{"status": "ok"}, env["data"])
	assert.Equal(t, res.Header.Get("X-Request-ID"), env["requestId"])

	res, _, env = getEnvelope(t, ts.URL+"/readyz") // the manager is not running yet
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, false, env["success"])
	assert.Equal(t, "SERVICE_UNAVAILABLE", env["error"].(map[string]any)["code"])
	assert.Equal(t, "not ready: starting", env["error"].(map[string]any)["message"])
	assert.Equal(t, res.Header.Get("X-Request-ID"), env["requestId"])
}

// TestErrorsLogThroughServerLogger: the cause of a 500 (a store error, a
// panic) is logged by the server's own logger, as JSON with the request ID,
// never by respond's default logger on stderr.
func TestErrorsLogThroughServerLogger(t *testing.T) {
	t.Parallel()
	for name, st := range map[string]brokenStore{
		"store error": {Store: store.NewMemory(), err: errors.New("disk on fire")},
		"panic":       {Store: store.NewMemory(), panicList: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs testlog.Buffer
			logger := slog.New(requestid.NewLogHandler(slog.NewJSONHandler(&logs, nil)))
			srv := New(Options{Store: st, Signer: wsauth.NewSigner([]byte("server-test-key-0123456789abcdef0123")), Logger: logger})
			ts := httptest.NewServer(srv.Handler())
			t.Cleanup(ts.Close)
			res, _, _ := getEnvelope(t, ts.URL+"/api/modules")
			require.Equal(t, http.StatusInternalServerError, res.StatusCode)
			id := res.Header.Get("X-Request-ID")
			var found bool
			for line := range strings.Lines(logs.String()) {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec), "every line is JSON: %s", line)
				if rec["level"] == "ERROR" && rec["request_id"] == id && rec["msg"] != "http request" {
					found = true
				}
			}
			assert.True(t, found, "the cause is logged with request_id %s in the server's log:\n%s", id, logs.String())
		})
	}
}

// TestHubResume: every event has an ID; a subscriber that gives the last ID
// it saw gets exactly the events after it, and is told to reload (resumed
// false) when the hub cannot know what came after: another process's IDs,
// IDs from the future, malformed IDs, or older than the history.
func TestHubResume(t *testing.T) {
	t.Parallel()
	h := newHub(4)
	_, backlog, resumed, last := h.subscribe("")
	assert.Empty(t, backlog)
	assert.True(t, resumed)
	assert.Empty(t, last, "no event yet")
	var ids []string
	for i := range 6 {
		h.publish("module.updated", i)
		_, _, _, last = h.subscribe("")
		ids = append(ids, last)
	}
	for i := 1; i < len(ids); i++ {
		assert.NotEqual(t, ids[i-1], ids[i], "every event has its own ID")
	}
	// The history holds the last 4 (events 2..5): resuming after event 1
	// (index 1) gives 2..5, after 3 gives 4 and 5, after the last nothing.
	for since, want := range map[int][]int{1: {2, 3, 4, 5}, 3: {4, 5}, 5: nil} {
		_, backlog, resumed, last := h.subscribe(ids[since])
		require.True(t, resumed, "since %d", since)
		assert.Equal(t, ids[5], last)
		var got []int
		for _, msg := range backlog {
			var ev struct {
				ID   string
				Data int
			}
			require.NoError(t, json.Unmarshal(msg, &ev))
			assert.Equal(t, ids[ev.Data], ev.ID)
			got = append(got, ev.Data)
		}
		assert.Equal(t, want, got, "since %d", since)
	}
	other := newHub(4)
	other.publish("module.updated", 0)
	_, _, _, foreign := other.subscribe("")
	for _, since := range []string{ids[0], foreign, h.epoch + "-99", "garbage", "-1", h.epoch + "-01", strings.Repeat("a", 100) + "-1"} {
		_, backlog, resumed, _ := h.subscribe(since)
		assert.False(t, resumed, "%q cannot be resumed", since)
		assert.Empty(t, backlog, since)
	}
}
