package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of Options.
const (
	DefaultPrefix            = "nexus:"
	DefaultCallTimeout       = 50 * time.Millisecond
	DefaultHeartbeatInterval = time.Second
	DefaultNodeTTL           = 5 * time.Second
	DefaultProbeInterval     = 250 * time.Millisecond
	DefaultStreamMaxLen      = 10000
	DefaultHistory           = 1024
)

// Options configures a Node. Client and NodeID are required.
type Options struct {
	// Client is the Redis client every component uses. Build it with
	// ContextTimeoutEnabled so that per-call deadlines apply (NewClient
	// does).
	Client *redis.Client
	// NodeID names this replica (a UUID).
	NodeID string
	// Version is reported with the node in the heartbeat.
	Version string
	// Logger receives the state changes of Redis (once per change) and
	// bus resets; default slog.Default().
	Logger *slog.Logger
	// Prefix starts every Redis key; default DefaultPrefix. Replicas of one
	// deployment share it.
	Prefix string
	// CallTimeout bounds each Redis call made while serving a request (rate
	// limit, cache); default DefaultCallTimeout. A call that fails or times
	// out marks Redis down: requests then use the local fallbacks without
	// waiting until a probe (every ProbeInterval) finds it answering again.
	CallTimeout time.Duration
	// ProbeInterval is how often a down Redis is pinged; default
	// DefaultProbeInterval.
	ProbeInterval time.Duration
	// HeartbeatInterval is how often this node says it is alive; NodeTTL
	// how long a node stays listed after its last heartbeat (a node killed
	// without shutting down disappears after NodeTTL). Defaults
	// DefaultHeartbeatInterval and DefaultNodeTTL.
	HeartbeatInterval, NodeTTL time.Duration
	// StreamMaxLen bounds the event stream (approximately: MAXLEN ~);
	// default DefaultStreamMaxLen. A client further behind gets a reset.
	StreamMaxLen int64
	// History is how many events each replica keeps in memory for
	// clients that resume; older ones are read from the stream. Default
	// DefaultHistory.
	History int
	// Clients returns the number of WebSocket clients on this node, for the
	// heartbeat; default the bus's subscribers.
	Clients func() int
	// ObserveEvent, when set, is called by the bus reader for each event it
	// delivers, with the time since the event was appended to the stream
	// (by Redis's clock, the stream id). It runs on the reader's goroutine
	// with the bus locked: it must be fast and must not block.
	ObserveEvent func(lag time.Duration)
}

// NewClient returns a go-redis client for a redis:// or rediss:// URL,
// with per-call deadlines honoured (ContextTimeoutEnabled) and short dial,
// read and write timeouts: a hung Redis must never hold a request long.
// The error never quotes the URL (it may hold a password).
func NewClient(rawURL string) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, errors.New("cluster: REDIS_URL is not a valid Redis URL (expected redis://[:password@]host:port[/db] or rediss://...)")
	}
	opt.ContextTimeoutEnabled = true
	opt.DialTimeout = time.Second
	opt.ReadTimeout = 2 * time.Second
	opt.WriteTimeout = 2 * time.Second
	opt.MaxRetries = -1 // a failed call falls back at once; the caller retries
	opt.PoolSize = max(opt.PoolSize, 64)
	opt.MinIdleConns = 4
	// No CLIENT SETINFO on connect: fewer round trips, older servers too.
	opt.DisableIdentity = true
	return redis.NewClient(opt), nil
}

// Node is one replica's membership of the cluster: Redis health, the
// heartbeat registry of nodes, the event bus and the shared rate limiter.
type Node struct {
	opts Options
	rdb  *redis.Client
	log  *slog.Logger
	bus  *Bus

	up       atomic.Bool
	stateMu  sync.Mutex // orders state changes and their logs
	started  time.Time
	peersMu  sync.Mutex
	peers    []NodeInfo
	peersAt  time.Time
	closed   chan struct{}
	closeOne sync.Once
}

// New builds a Node; Run starts it. It panics when Client or NodeID is
// missing or an option is negative (programmer errors).
func New(opts Options) *Node {
	if opts.Client == nil {
		panic("cluster: Options.Client is required")
	}
	if opts.NodeID == "" {
		panic("cluster: Options.NodeID is required")
	}
	for name, d := range map[string]*time.Duration{
		"CallTimeout": &opts.CallTimeout, "ProbeInterval": &opts.ProbeInterval,
		"HeartbeatInterval": &opts.HeartbeatInterval, "NodeTTL": &opts.NodeTTL,
	} {
		if *d < 0 {
			panic(fmt.Sprintf("cluster: Options.%s must not be negative, got %v", name, *d))
		}
	}
	if opts.StreamMaxLen < 0 || opts.History < 0 {
		panic("cluster: Options.StreamMaxLen and Options.History must not be negative")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.ProbeInterval == 0 {
		opts.ProbeInterval = DefaultProbeInterval
	}
	if opts.HeartbeatInterval == 0 {
		opts.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if opts.NodeTTL == 0 {
		opts.NodeTTL = DefaultNodeTTL
	}
	if opts.StreamMaxLen == 0 {
		opts.StreamMaxLen = DefaultStreamMaxLen
	}
	if opts.History == 0 {
		opts.History = DefaultHistory
	}
	n := &Node{opts: opts, rdb: opts.Client, log: opts.Logger, started: time.Now(), closed: make(chan struct{})}
	n.up.Store(true) // optimistic: the first failure says otherwise
	n.bus = newBus(n)
	if n.opts.Clients == nil {
		n.opts.Clients = n.bus.Clients
	}
	return n
}

// ID is the node's NODE_ID.
func (n *Node) ID() string { return n.opts.NodeID }

// Bus is the node's event bus (a server.EventBus).
func (n *Node) Bus() *Bus { return n.bus }

// Client is the node's Redis client.
func (n *Node) Client() *redis.Client { return n.rdb }

// Up reports whether Redis answered the last call. While it is false the
// shared components use their local fallbacks.
func (n *Node) Up() bool { return n.up.Load() }

// fail records a failed Redis call: Redis is down until a probe answers.
// The change is logged once.
func (n *Node) fail(err error) {
	if err == nil || errors.Is(err, redis.Nil) {
		return
	}
	n.stateMu.Lock()
	defer n.stateMu.Unlock()
	if n.up.Swap(false) {
		n.log.Warn("redis unreachable: rate limits are local, events reach this node's clients only, until it answers again",
			"err", redactErr(err))
	}
}

// recovered records a successful probe. The bus publishes its pending
// reset on its own (publishLoop checks every ProbeInterval).
func (n *Node) recovered() {
	n.stateMu.Lock()
	defer n.stateMu.Unlock()
	if !n.up.Swap(true) {
		n.log.Info("redis reachable again: shared rate limits and the event bus resume")
	}
}

// redactErr keeps Redis errors from ever carrying a URL or password: only
// the error's own text, which go-redis builds from the address.
func redactErr(err error) string { return err.Error() }

// Run runs the node until ctx ends: the bus reader and publisher, the
// heartbeat and the probe of a down Redis. It returns nil when ctx ends.
// Close then removes the node from the registry.
func (n *Node) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { n.bus.read(ctx) })
	wg.Go(func() { n.bus.publishLoop(ctx) })
	wg.Go(func() { n.heartbeatLoop(ctx) })
	wg.Wait()
	return nil
}

// Close removes the node from the registry (a node that exits cleanly
// disappears at once; one that is killed, after NodeTTL).
func (n *Node) Close(ctx context.Context) error {
	var err error
	n.closeOne.Do(func() {
		close(n.closed)
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		pipe := n.rdb.TxPipeline()
		pipe.ZRem(ctx, n.key("nodes"), n.opts.NodeID)
		pipe.HDel(ctx, n.key("nodeinfo"), n.opts.NodeID)
		_, err = pipe.Exec(ctx)
	})
	return err
}

func (n *Node) key(name string) string { return n.opts.Prefix + name }

// heartbeatLoop beats every HeartbeatInterval while Redis is up and probes
// it every ProbeInterval while it is down.
func (n *Node) heartbeatLoop(ctx context.Context) {
	tick := time.NewTicker(n.opts.ProbeInterval)
	defer tick.Stop()
	var last time.Time
	n.beat(ctx)
	last = time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !n.Up() {
			pctx, cancel := context.WithTimeout(ctx, max(n.opts.ProbeInterval, 200*time.Millisecond))
			err := n.rdb.Ping(pctx).Err()
			cancel()
			if err != nil {
				continue
			}
			n.recovered()
			n.beat(ctx)
			last = time.Now()
			continue
		}
		if time.Since(last) >= n.opts.HeartbeatInterval {
			n.beat(ctx)
			last = time.Now()
		}
	}
}

// NodeInfo is one replica as the registry knows it.
type NodeInfo struct {
	ID               string    `json:"id"`
	Version          string    `json:"version"`
	StartedAt        time.Time `json:"startedAt"`
	WebSocketClients int       `json:"webSocketClients"`
	LastSeen         time.Time `json:"lastSeen"`
}

// heartbeatScript registers a node and returns every node seen within the
// TTL, on Redis's clock (replicas' clocks may differ). KEYS: the sorted set
// of nodes by last heartbeat (ms), the hash of their descriptions. ARGV:
// node id, TTL in ms, description (JSON).
var heartbeatScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
for _, id in ipairs(dead) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
local live = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  table.insert(out, live[i + 1])
  table.insert(out, redis.call('HGET', KEYS[2], live[i]) or '')
end
return out
`)

func (n *Node) beat(ctx context.Context) {
	desc, _ := json.Marshal(NodeInfo{ID: n.opts.NodeID, Version: n.opts.Version, StartedAt: n.started.UTC(),
		WebSocketClients: n.opts.Clients()})
	ctx, cancel := context.WithTimeout(ctx, max(n.opts.HeartbeatInterval/2, 200*time.Millisecond))
	defer cancel()
	res, err := heartbeatScript.Run(ctx, n.rdb, []string{n.key("nodes"), n.key("nodeinfo")},
		n.opts.NodeID, n.opts.NodeTTL.Milliseconds(), string(desc)).StringSlice()
	if err != nil {
		if ctx.Err() == nil || errors.Is(err, context.DeadlineExceeded) {
			n.fail(err)
		}
		return
	}
	peers := make([]NodeInfo, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		var info NodeInfo
		if json.Unmarshal([]byte(res[i+1]), &info) != nil {
			continue
		}
		var ms int64
		_, _ = fmt.Sscan(res[i], &ms)
		info.LastSeen = time.UnixMilli(ms).UTC()
		peers = append(peers, info)
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].ID < peers[j].ID })
	n.peersMu.Lock()
	n.peers, n.peersAt = peers, time.Now()
	n.peersMu.Unlock()
}

// Status is what GET /api/system reports under "cluster".
type Status struct {
	// Redis is "up" or "down".
	Redis string `json:"redis"`
	// Nodes are the replicas seen within the node TTL at the last
	// heartbeat (while Redis is down: the last known list), each with its
	// WebSocket clients.
	Nodes []NodeInfo `json:"nodes"`
	// NodesAsOf is when that list was read.
	NodesAsOf time.Time `json:"nodesAsOf,omitzero"`
	// Bus is the position of the newest event this node has read.
	BusPosition string `json:"busPosition"`
}

// Status reports the cluster as this node sees it, without calling Redis
// (the heartbeat keeps it current).
func (n *Node) Status() Status {
	st := Status{Redis: "up", BusPosition: n.bus.lastPosition()}
	if !n.Up() {
		st.Redis = "down"
	}
	n.peersMu.Lock()
	st.Nodes = append([]NodeInfo{}, n.peers...)
	st.NodesAsOf = n.peersAt.UTC()
	n.peersMu.Unlock()
	// This node's own count is current, not a heartbeat old.
	found := false
	for i := range st.Nodes {
		if st.Nodes[i].ID == n.opts.NodeID {
			st.Nodes[i].WebSocketClients = n.opts.Clients()
			found = true
		}
	}
	if !found {
		st.Nodes = append(st.Nodes, NodeInfo{ID: n.opts.NodeID, Version: n.opts.Version,
			StartedAt: n.started.UTC(), WebSocketClients: n.opts.Clients()})
	}
	return st
}
