package main

import (
	"context"
	"errors"
	"log/slog"

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
