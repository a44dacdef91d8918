package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/internal/redistest"

	"github.com/nexuskit/nexus/examples/nexus/cluster"
	"github.com/nexuskit/nexus/examples/nexus/internal/pgtest"
)

// replica is one server of a distributed test deployment.
type replica struct {
	*testServer
	NodeID string
}

// deployment is N replicas sharing one PostgreSQL schema and one real
// redis-server.
type deployment struct {
	Redis    *redistest.Server
	Replicas []replica
	DBURL    string
}

// distributedEnv is the environment of one replica.
func distributedEnv(t *testing.T, dbURL, redisAddr string) map[string]string {
	env := baseEnv(t)
	env["DATABASE_URL"] = dbURL
	env["REDIS_URL"] = "redis://" + redisAddr
	env["ENABLE_DISTRIBUTED_SYSTEM"] = "true"
	env["ENABLE_REDIS_CACHE"] = "true"
	env["NODE_ID"] = uuid.NewString()
	env["LOG_LEVEL"] = "info"
	return env
}

// startDeployment starts n replicas; edit changes each one's environment.
func startDeployment(t *testing.T, n int, edit func(env map[string]string)) *deployment {
	t.Helper()
	d := &deployment{DBURL: pgtest.URL(t), Redis: redistest.Start(t)}
	for range n {
		env := distributedEnv(t, d.DBURL, d.Redis.Addr())
		if edit != nil {
			edit(env)
		}
		d.Replicas = append(d.Replicas, replica{startServer(t, env), env["NODE_ID"]})
	}
	return d
}

// busEvent is an event as the distributed bus sends it.
type busEvent struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
	Timestamp time.Time       `json:"timestamp"`
	Node      string          `json:"node"`
}

func readBusEvent(t testing.TB, c *websocket.Conn, timeout time.Duration) (busEvent, error) {
	ctx, cancel := contextWithTimeout(timeout)
	defer cancel()
	_, msg, err := c.Read(ctx)
	if err != nil {
		return busEvent{}, err
	}
	var ev busEvent
	if err := json.Unmarshal(msg, &ev); err != nil {
		t.Errorf("event is not JSON: %s", msg)
	}
	return ev, nil
}

func mustBusEvent(t *testing.T, c *websocket.Conn) busEvent {
	t.Helper()
	ev, err := readBusEvent(t, c, 10*time.Second)
	require.NoError(t, err)
	return ev
}

// systemCluster reads /api/system's cluster part.
func systemCluster(t *testing.T, base string) (string, cluster.Status) {
	t.Helper()
	res, env := call[struct {
		Node    string         `json:"node"`
		Cluster cluster.Status `json:"cluster"`
	}](t, http.MethodGet, base+"/api/system", "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	return env.Data.Node, env.Data.Cluster
}

// TestReplicasShareEvents: a write on one replica reaches the clients of
// both, with one ID (its stream position) and the writer's NODE_ID; a
// client resumes with that ID on either replica; an ID the bus cannot
// resume gets one reset; /api/system lists both nodes and their clients;
// every log record names its node.
func TestReplicasShareEvents(t *testing.T) {
	t.Parallel()
	d := startDeployment(t, 2, nil)
	a, b := d.Replicas[0], d.Replicas[1]
	tok := issueToken(t, time.Hour)

	cb, _, err := dialWS(t, b.URL, tok, nil)
	require.NoError(t, err)
	ca, _, err := dialWS(t, a.URL, tok, nil)
	require.NoError(t, err)
	require.Equal(t, "hello", mustBusEvent(t, cb).Type)
	require.Equal(t, "hello", mustBusEvent(t, ca).Type)

	m := createModule(t, a.URL, tok, "first")
	evB := mustBusEvent(t, cb)
	evA := mustBusEvent(t, ca)
	assert.Equal(t, "module.created", evB.Type)
	assert.Equal(t, a.NodeID, evB.Node, "the event names the node that made the change")
	assert.Regexp(t, `^[0-9]+-[0-9]+$`, evB.ID, "event ids are stream positions")
	assert.Equal(t, evA.ID, evB.ID, "one id on every replica")
	assert.Contains(t, string(evB.Data), m.ID.String())

	// Two more writes, on B this time; a client that saw only the first
	// resumes on either replica with the other two, in order.
	second := createModule(t, b.URL, tok, "second")
	third := createModule(t, b.URL, tok, "third")
	var want []string
	for range 2 {
		ev := mustBusEvent(t, ca)
		assert.Equal(t, b.NodeID, ev.Node)
		want = append(want, ev.ID)
	}
	for _, r := range []replica{a, b} {
		c, _, err := dialWS(t, r.URL+"?since="+evB.ID, tok, nil)
		require.NoError(t, err)
		hello := mustBusEvent(t, c)
		require.Equal(t, "hello", hello.Type)
		assert.Contains(t, string(hello.Data), want[1], "hello names the newest position")
		e1, e2 := mustBusEvent(t, c), mustBusEvent(t, c)
		assert.Equal(t, want, []string{e1.ID, e2.ID}, "resumed on %s", r.URL)
		assert.Contains(t, string(e1.Data), second.ID.String())
		assert.Contains(t, string(e2.Data), third.ID.String())
		_ = c.Close(websocket.StatusNormalClosure, "")
	}

	// Positions the bus cannot resume: not an ID, before the stream began.
	for _, since := range []string{"not-an-id", "1-0", "99999999999999-0"} {
		c, _, err := dialWS(t, b.URL+"?since="+since, tok, nil)
		require.NoError(t, err)
		require.Equal(t, "hello", mustBusEvent(t, c).Type)
		assert.Equal(t, "reset", mustBusEvent(t, c).Type, "since=%s", since)
		_ = c.Close(websocket.StatusNormalClosure, "")
	}

	// The cluster as /api/system reports it, from either replica.
	require.Eventually(t, func() bool {
		node, st := systemCluster(t, a.URL)
		if node != a.NodeID || st.Redis != "up" || len(st.Nodes) != 2 {
			return false
		}
		for _, n := range st.Nodes {
			if n.WebSocketClients != 1 {
				return false
			}
		}
		return true
	}, 5*time.Second, 50*time.Millisecond, "both nodes listed, one client each")
	_, st := systemCluster(t, b.URL)
	ids := []string{st.Nodes[0].ID, st.Nodes[1].ID}
	assert.ElementsMatch(t, []string{a.NodeID, b.NodeID}, ids)

	for _, r := range []replica{a, b} {
		for _, rec := range logRecords(t, r.logs.String()) {
			if rec["msg"] == nil {
				continue
			}
			assert.Equal(t, r.NodeID, rec["node_id"], "log record without its node: %v", rec)
		}
	}
}

// TestReplicasShareRateLimit: two replicas admit the limit in all, with the
// single instance's headers and envelope; with Redis gone each falls back
// to its own limiter, and /readyz stays 200.
func TestReplicasShareRateLimit(t *testing.T) {
	t.Parallel()
	d := startDeployment(t, 2, func(env map[string]string) {
		env["RATE_LIMIT_MAX_REQUESTS"] = "10"
		env["RATE_LIMIT_WINDOW_MS"] = "60000"
		// A loaded test machine must not make a call slow enough to fall
		// back to the local limiters (which would admit more).
		env["REDIS_TIMEOUT"] = "1s"
	})
	admitted := 0
	var refused *http.Response
	for i := range 20 {
		r := d.Replicas[i%2]
		res, env := call[any](t, http.MethodGet, r.URL+"/api/modules", "", nil)
		switch res.StatusCode {
		case http.StatusOK:
			admitted++
			assert.Equal(t, "10", res.Header.Get("X-RateLimit-Limit"))
			assert.NotEmpty(t, res.Header.Get("X-RateLimit-Remaining"))
			assert.NotEmpty(t, res.Header.Get("X-RateLimit-Reset"))
		case http.StatusTooManyRequests:
			refused = res
			require.NotNil(t, env.Error)
			assert.Equal(t, "RATE_LIMIT_EXCEEDED", string(env.Error.Code))
		default:
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	assert.Equal(t, 10, admitted, "the limit is shared, not per replica")
	require.NotNil(t, refused)
	assert.NotEmpty(t, refused.Header.Get("Retry-After"))
	assert.Equal(t, "0", refused.Header.Get("X-RateLimit-Remaining"))

	d.Redis.Stop()
	for _, r := range d.Replicas {
		res, _ := call[any](t, http.MethodGet, r.URL+"/readyz", "", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode, "readiness never depends on Redis")
		res, _ = call[any](t, http.MethodGet, r.URL+"/api/modules", "", nil)
		assert.Equal(t, http.StatusOK, res.StatusCode, "the local limiter has its own allowance")
		_, st := systemCluster(t, r.URL)
		assert.Equal(t, "down", st.Redis)
	}
	d.Redis.Restart()
	for _, r := range d.Replicas {
		require.Eventually(t, func() bool {
			_, st := systemCluster(t, r.URL)
			return st.Redis == "up"
		}, 5*time.Second, 50*time.Millisecond)
	}
}

// TestDistributedConfig: every missing piece of distributed mode at once,
// never a value.
func TestDistributedConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"ENABLE_DISTRIBUTED_SYSTEM": "true",
		"DATABASE_URL":              "sqlite:x.db",
		"NODE_ID":                   "node-1",
	}
	_, err := loadConfig(t.Context(), getenvFrom(env), "", discardLogger(), true)
	require.Error(t, err)
	for _, v := range []string{"REDIS_URL", "DATABASE_URL", "NODE_ID"} {
		assert.Contains(t, err.Error(), v)
	}
	env = map[string]string{
		"REDIS_URL": "http://user:hunter2-secret@example:1",
	}
	_, err = loadConfig(t.Context(), getenvFrom(env), "", discardLogger(), true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "REDIS_URL")
	assert.NotContains(t, err.Error(), "hunter2")

	env = map[string]string{
		"ENABLE_DISTRIBUTED_SYSTEM": "true",
		"DATABASE_URL":              "postgres://u:p@db:5432/nexus",
		"REDIS_URL":                 "redis://:pw@redis:6379/0",
		"NODE_ID":                   "6f1c7f3e-4a43-4d4c-9a55-2b1f7e8b9c0d",
	}
	cfg, err := loadConfig(t.Context(), getenvFrom(env), "", discardLogger(), true)
	require.NoError(t, err)
	assert.Equal(t, env["NODE_ID"], cfg.nodeID())
	cfg.NodeID = ""
	_, err = uuid.Parse(cfg.nodeID())
	assert.NoError(t, err, "an unset NODE_ID is a new UUID")
	assert.False(t, strings.Contains(cfg.nodeID(), " "))
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// TestReplicasShareWSAuthThrottle: wsauth's throttle of refused
// credentials counts on both replicas together (the Redis throttle store):
// 10 failures spread over the two make the 11th refused with 429 on
// either.
func TestReplicasShareWSAuthThrottle(t *testing.T) {
	t.Parallel()
	d := startDeployment(t, 2, nil)
	for i := range 10 {
		_, res, err := dialWS(t, d.Replicas[i%2].URL, "not-a-valid-token", nil)
		require.Error(t, err)
		require.NotNil(t, res)
		require.Equal(t, http.StatusUnauthorized, res.StatusCode, "failure %d", i+1)
	}
	for _, r := range d.Replicas {
		_, res, err := dialWS(t, r.URL, "not-a-valid-token", nil)
		require.Error(t, err)
		require.NotNil(t, res)
		assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "the 11th failure is refused on every replica")
	}
}

// TestReplicaKilled runs two real binaries on one PostgreSQL and one
// redis-server and kills one with SIGKILL: the other keeps serving writes
// and events, the dead node leaves /api/system once its heartbeat expires,
// and a client of the dead replica resumes on the survivor without losing
// an event.
func TestReplicaKilled(t *testing.T) {
	t.Parallel()
	dbURL, rs := pgtest.URL(t), redistest.Start(t)
	envA, envB := distributedEnv(t, dbURL, rs.Addr()), distributedEnv(t, dbURL, rs.Addr())
	a, b := startBinary(t, envA), startBinary(t, envB)
	tok := issueToken(t, time.Hour)

	ca, _, err := dialWS(t, a.URL, tok, nil)
	require.NoError(t, err)
	cb, _, err := dialWS(t, b.URL, tok, nil)
	require.NoError(t, err)
	require.Equal(t, "hello", mustBusEvent(t, ca).Type)
	require.Equal(t, "hello", mustBusEvent(t, cb).Type)
	createModule(t, b.URL, tok, "before")
	last := mustBusEvent(t, ca)
	require.Equal(t, last.ID, mustBusEvent(t, cb).ID)
	require.Eventually(t, func() bool {
		_, st := systemCluster(t, b.URL)
		return len(st.Nodes) == 2
	}, 10*time.Second, 50*time.Millisecond)

	require.NoError(t, a.cmd.Process.Kill()) // SIGKILL: no goodbye
	<-a.exited
	after := createModule(t, b.URL, tok, "after")
	ev := mustBusEvent(t, cb)
	assert.Equal(t, "module.created", ev.Type)
	assert.Equal(t, envB["NODE_ID"], ev.Node)

	// A's client reconnects to B and resumes where it was.
	c, _, err := dialWS(t, b.URL+"?since="+last.ID, tok, nil)
	require.NoError(t, err)
	require.Equal(t, "hello", mustBusEvent(t, c).Type)
	resumed := mustBusEvent(t, c)
	assert.Equal(t, ev.ID, resumed.ID)
	assert.Contains(t, string(resumed.Data), after.ID.String())

	require.Eventually(t, func() bool {
		_, st := systemCluster(t, b.URL)
		return len(st.Nodes) == 1 && st.Nodes[0].ID == envB["NODE_ID"]
	}, 3*cluster.DefaultNodeTTL, 100*time.Millisecond, "the killed node leaves the registry when its heartbeat expires")
	res, _ := call[any](t, http.MethodGet, b.URL+"/readyz", "", nil)
	assert.Equal(t, http.StatusOK, res.StatusCode)
}
