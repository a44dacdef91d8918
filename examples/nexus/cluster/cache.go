package cluster

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// DefaultCacheTTL bounds how long a cached page lives in Redis; a write
// makes it unreachable long before (its key holds the bus position).
const DefaultCacheTTL = time.Minute

// CachedStore wraps st so that module list pages are cached in Redis,
// keyed by the stream's epoch and this node's bus position: any write on
// any replica moves the position, so old entries become unreachable (and
// expire after DefaultCacheTTL) rather than being invalidated one by one.
// Every other call goes to st.
//
// A replica that wrote reads from st until its reader has seen its own
// events on the bus (Bus.Publish counts them), so the writer's replica never
// serves a page older than its own write. Other replicas may serve the
// previous page until their reader reaches the write's event, a few
// milliseconds after the commit. While Redis fails, reads go to st; each
// cache call is bounded by CallTimeout.
func (n *Node) CachedStore(st store.Store) store.Store { return &cachedStore{Store: st, n: n} }

type cachedStore struct {
	store.Store
	n *Node
}

type cachedPage struct {
	Modules []store.Module `json:"m"`
	Total   int            `json:"t"`
}

func (c *cachedStore) ListModules(ctx context.Context, offset, limit int) ([]store.Module, int, error) {
	key, ok := c.n.bus.cacheKey()
	if !ok || !c.n.Up() {
		return c.Store.ListModules(ctx, offset, limit)
	}
	key = c.n.key("cache:modules:") + key + ":" + strconv.Itoa(offset) + ":" + strconv.Itoa(limit)
	gctx, cancel := context.WithTimeout(ctx, c.n.opts.CallTimeout)
	raw, err := c.n.rdb.Get(gctx, key).Bytes()
	cancel()
	if err == nil {
		var p cachedPage
		if json.Unmarshal(raw, &p) == nil {
			return p.Modules, p.Total, nil
		}
	} else if ctx.Err() == nil {
		c.n.fail(err) // redis.Nil (a miss) is no failure
	}
	mods, total, err := c.Store.ListModules(ctx, offset, limit)
	if err != nil || !c.n.Up() {
		return mods, total, err
	}
	if raw, jerr := json.Marshal(cachedPage{mods, total}); jerr == nil {
		sctx, cancel := context.WithTimeout(ctx, c.n.opts.CallTimeout)
		if serr := c.n.rdb.Set(sctx, key, raw, DefaultCacheTTL).Err(); serr != nil && ctx.Err() == nil {
			c.n.fail(serr)
		}
		cancel()
	}
	return mods, total, nil
}
