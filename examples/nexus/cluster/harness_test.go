package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/nexuskit/nexus/internal/redistest"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/cluster"
	"github.com/nexuskit/nexus/examples/nexus/internal/pgtest"
	"github.com/nexuskit/nexus/examples/nexus/server"
	"github.com/nexuskit/nexus/examples/nexus/store"
)

const testSecret = "cluster-test-secret-0123456789abcdef"

var signer = wsauth.NewSigner([]byte(testSecret))

// replica is one server of a test deployment: server.Server with a
// cluster.Node, on an httptest server, sharing PostgreSQL and Redis with
// the others.
type replica struct {
	URL   string
	Node  *cluster.Node
	Store store.Store
}

type deployment struct {
	Redis    *redistest.Server
	DBURL    string
	Replicas []*replica
	// RedisAddr, if set, is where the replicas started next connect
	// instead of Redis (a proxy).
	RedisAddr string
	// CallTimeout of the replicas started next: 0 for 1 s, so that a
	// loaded test machine does not fall back by accident; the hang test
	// sets the production default.
	CallTimeout time.Duration
	// ObserveEvent, if set, is the ObserveEvent of the replicas started next.
	ObserveEvent func(time.Duration)
}

// newDeployment starts n replicas on one PostgreSQL schema
// (NEXUS_TEST_DATABASE_URL) and one real redis-server. limit is the rate
// limit per minute (0: none).
func newDeployment(tb testing.TB, n, limit int, callTimeout ...time.Duration) *deployment {
	tb.Helper()
	d := &deployment{Redis: newRedis(tb), DBURL: newDB(tb)}
	if len(callTimeout) > 0 {
		d.CallTimeout = callTimeout[0]
	}
	for range n {
		d.Replicas = append(d.Replicas, d.start(tb, limit))
	}
	return d
}

func (d *deployment) start(tb testing.TB, limit int) *replica { return d.startWith(tb, limit, false) }

// startWith starts one more replica; cached puts Node.CachedStore in front
// of its store.
func (d *deployment) startWith(tb testing.TB, limit int, cached bool) *replica {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, d.DBURL)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	addr := d.Redis.Addr()
	if d.RedisAddr != "" {
		addr = d.RedisAddr
	}
	rdb, err := cluster.NewClient("redis://" + addr)
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	callTimeout := d.CallTimeout
	if callTimeout == 0 {
		callTimeout = time.Second
	}
	node := cluster.New(cluster.Options{Client: rdb, NodeID: uuid.NewString(), Logger: logger, Version: "test",
		CallTimeout: callTimeout, ObserveEvent: d.ObserveEvent})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = node.Run(ctx)
	}()
	draining := make(chan struct{})
	var served store.Store = st
	if cached {
		served = node.CachedStore(st)
	}
	opts := server.Options{Store: served, Signer: signer, Logger: logger, Draining: draining,
		Events: node.Bus(), NodeID: node.ID(), Cluster: func() any { return node.Status() }}
	if limit > 0 {
		opts.RateLimit, opts.RateWindow, opts.SharedRateLimit = limit, time.Minute, node.RateLimit
	}
	srv := server.New(opts)
	ts := httptest.NewServer(srv.Handler())
	tb.Cleanup(func() {
		close(draining)
		ts.Close()
		cancel()
		<-done
		_ = node.Close(context.Background())
		_ = rdb.Close()
		_ = st.Close()
	})
	select {
	case <-node.Bus().Synced():
	case <-time.After(10 * time.Second):
		tb.Fatal("the bus did not sync with Redis within 10s")
	}
	return &replica{URL: ts.URL, Node: node, Store: st}
}

func token(tb testing.TB) string {
	tok, err := signer.Issue("tester", time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}

// do sends a request and returns the status and body.
func do(method, url, tok string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, err
}

func createModule(tb testing.TB, base, tok, name string) store.Module {
	tb.Helper()
	status, raw, err := do(http.MethodPost, base+"/api/modules", tok, map[string]any{
		"name": name, "type": "cognitive", "status": "active", "integrationLevel": 1})
	if err != nil || status != http.StatusCreated {
		tb.Fatalf("create module: %d %v %s", status, err, raw)
	}
	var env struct{ Data store.Module }
	_ = json.Unmarshal(raw, &env)
	return env.Data
}

// event is an event as a client receives it.
type event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
	Timestamp time.Time       `json:"timestamp"`
	Node      string          `json:"node"`
	received  time.Time
}

// wsClient is one WebSocket client reading in the background.
type wsClient struct {
	c      *websocket.Conn
	mu     sync.Mutex
	events []event
	err    error // why reading stopped
	done   chan struct{}
	// onEvent, if set, runs in the reading goroutine for each event.
	onEvent func(event)
}

func dial(tb testing.TB, base, tok string, onEvent func(event)) *wsClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base, query, _ := strings.Cut(base, "?")
	if query != "" {
		query = "?" + query
	}
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws"+query, &websocket.DialOptions{
		Subprotocols: []string{server.Subprotocol, wsauth.SubprotocolEntry(wsauth.DefaultSubprotocolPrefix, tok)}})
	if err != nil {
		tb.Fatalf("dial %s: %v", base, err)
	}
	c.SetReadLimit(1 << 20)
	w := &wsClient{c: c, done: make(chan struct{}), onEvent: onEvent}
	hello := make(chan struct{})
	go func() {
		defer close(w.done)
		first := true
		for {
			_, msg, err := c.Read(context.Background())
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
				return
			}
			ev := event{received: time.Now()}
			_ = json.Unmarshal(msg, &ev)
			if first {
				first = false
				close(hello)
				continue
			}
			if w.onEvent != nil {
				w.onEvent(ev)
			}
			w.mu.Lock()
			w.events = append(w.events, ev)
			w.mu.Unlock()
		}
	}()
	select {
	case <-hello:
	case <-time.After(10 * time.Second):
		tb.Fatal("no hello within 10s")
	}
	tb.Cleanup(w.close)
	return w
}

func (w *wsClient) close() {
	_ = w.c.CloseNow()
	<-w.done
}

func (w *wsClient) snapshot() ([]event, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.events), w.err
}

// count is how many events of type kind the client has.
func (w *wsClient) count(kind string) int {
	evs, _ := w.snapshot()
	n := 0
	for _, e := range evs {
		if e.Type == kind {
			n++
		}
	}
	return n
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// rateKeys lists the shared limiter's keys in Redis.
func rateKeys(tb testing.TB, addr string) []string {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "*"+cluster.DefaultPrefix+"rate:*").Result()
	if err != nil {
		tb.Errorf("keys: %v", err)
	}
	return keys
}

func delRateKeys(tb testing.TB, addr string) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if keys := rateKeys(tb, addr); len(keys) > 0 {
		_ = rdb.Del(context.Background(), keys...).Err()
	}
}

func newRedis(tb testing.TB) *redistest.Server { return redistest.Start(tb) }
func newDB(tb testing.TB) string               { return pgtest.URL(tb) }
