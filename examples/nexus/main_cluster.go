package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"
	"github.com/nexuskit/nexus/wsauth/redisthrottle"

	"github.com/nexuskit/nexus/examples/nexus/cluster"
	"github.com/nexuskit/nexus/examples/nexus/server"
)

// nodeID is NODE_ID, or a new UUID for this run.
func (c *Config) nodeID() string {
	if c.NodeID != "" {
		return c.NodeID
	}
	return uuid.NewString()
}

// joinCluster, in distributed mode (ENABLE_DISTRIBUTED_SYSTEM=true), connects
// to Redis and makes opts use the cluster's event bus, shared rate limit,
// wsauth throttle store, status and, with ENABLE_REDIS_CACHE, the cache of
// module list pages. The node runs as a worker of mgr and leaves the registry at
// shutdown. A Redis that does not answer at start is no error: the server
// starts on its local fallbacks (readiness never depends on Redis).
func joinCluster(cfg *Config, nodeID string, logger *slog.Logger, mgr *shutdown.Manager, opts *server.Options) (*cluster.Node, error) {
	if !cfg.EnableDistributed {
		if cfg.EnableRedisCache {
			logger.Warn("ENABLE_REDIS_CACHE is set but ENABLE_DISTRIBUTED_SYSTEM is not: the cache, keyed by the event bus's position, is not used")
		}
		if cfg.RedisURL != "" {
			logger.Warn("REDIS_URL is set but ENABLE_DISTRIBUTED_SYSTEM is not: Redis is not used")
		}
		return nil, nil
	}
	cluster.LogRedisTo(logger)
	rdb, err := cluster.NewClient(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	node := cluster.New(cluster.Options{Client: rdb, NodeID: nodeID, Version: version, Logger: logger,
		CallTimeout: cfg.RedisTimeout, ObserveEvent: opts.Metrics.ObserveBusLag})
	opts.Metrics.WatchRedis(node.Up) // nexus_redis_up (nothing without METRICS_ADDR)
	mgr.Go("cluster", func(ctx context.Context) error {
		err := node.Run(ctx)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	})
	mgr.OnShutdown("cluster", func(ctx context.Context) error {
		_ = node.Close(ctx) // best effort: a node that cannot say goodbye expires
		return rdb.Close()
	})
	if cfg.EnableRedisCache {
		opts.Store = node.CachedStore(opts.Store)
	}
	opts.Events = node.Bus()
	opts.SharedRateLimit = node.RateLimit
	opts.Cluster = func() any { return node.Status() }
	// wsauth's failed-credential throttle counts on every replica together.
	opts.WSAuthOptions = append(opts.WSAuthOptions, wsauth.ThrottleStorage(
		redisthrottle.New(rdb, redisthrottle.KeyPrefix(cluster.DefaultPrefix+"{wsauth}:"))),
		wsauth.ThrottleStoreTimeout(cfg.RedisTimeout))
	return node, nil
}

// withNodeID adds node_id to every record of l, after the record's own
// attributes (so a record reads "msg", its attributes, then node_id, as
// before the node existed).
func withNodeID(l *slog.Logger, id string) *slog.Logger {
	return slog.New(nodeIDHandler{l.Handler(), slog.String("node_id", id)})
}

type nodeIDHandler struct {
	slog.Handler
	attr slog.Attr
}

func (h nodeIDHandler) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attr)
	return h.Handler.Handle(ctx, r)
}

func (h nodeIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return nodeIDHandler{h.Handler.WithAttrs(as), h.attr}
}

// WithGroup puts node_id before the group, at the top level.
func (h nodeIDHandler) WithGroup(name string) slog.Handler {
	return h.Handler.WithAttrs([]slog.Attr{h.attr}).WithGroup(name)
}

// deferredLog is a slog.Handler that keeps its records (with the WithAttrs
// and WithGroup calls made on the way) until replay hands them to the real
// handler: the server's first records are logged while the configuration
// that names the node is still loading.
type deferredLog struct {
	level slog.Level
	mu    sync.Mutex
	held  []heldRecord
}

type heldRecord struct {
	ctx context.Context
	r   slog.Record
	ops []func(slog.Handler) slog.Handler
}

// deferredView is the handler a logger holds: the shared store plus the
// WithAttrs/WithGroup calls that led to it.
type deferredView struct {
	d   *deferredLog
	ops []func(slog.Handler) slog.Handler
}

func (d *deferredLog) Enabled(ctx context.Context, l slog.Level) bool {
	return deferredView{d: d}.Enabled(ctx, l)
}
func (d *deferredLog) Handle(ctx context.Context, r slog.Record) error {
	return deferredView{d: d}.Handle(ctx, r)
}
func (d *deferredLog) WithAttrs(as []slog.Attr) slog.Handler { return deferredView{d: d}.WithAttrs(as) }
func (d *deferredLog) WithGroup(name string) slog.Handler    { return deferredView{d: d}.WithGroup(name) }

func (v deferredView) Enabled(_ context.Context, l slog.Level) bool { return l >= v.d.level }

func (v deferredView) Handle(ctx context.Context, r slog.Record) error {
	v.d.mu.Lock()
	defer v.d.mu.Unlock()
	v.d.held = append(v.d.held, heldRecord{ctx: context.WithoutCancel(ctx), r: r.Clone(), ops: v.ops})
	return nil
}

func (v deferredView) WithAttrs(as []slog.Attr) slog.Handler {
	return v.with(func(h slog.Handler) slog.Handler { return h.WithAttrs(as) })
}

func (v deferredView) WithGroup(name string) slog.Handler {
	return v.with(func(h slog.Handler) slog.Handler { return h.WithGroup(name) })
}

func (v deferredView) with(op func(slog.Handler) slog.Handler) slog.Handler {
	return deferredView{d: v.d, ops: append(slices.Clone(v.ops), op)}
}

// replay logs the held records through h, in order, and forgets them.
func (d *deferredLog) replay(h slog.Handler) {
	d.mu.Lock()
	held := d.held
	d.held = nil
	d.mu.Unlock()
	for _, e := range held {
		hh := h
		for _, op := range e.ops {
			hh = op(hh)
		}
		if hh.Enabled(e.ctx, e.r.Level) {
			_ = hh.Handle(e.ctx, e.r)
		}
	}
}
