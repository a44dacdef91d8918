// Package cluster runs several replicas of the NEXUS reference server as
// one: PostgreSQL holds the truth, Redis (7 or newer) carries what the
// replicas share.
//
//   - Bus: the WebSocket's events on a Redis stream. Every write appends
//     its event after the commit; each replica runs one reader that feeds
//     its clients, so all clients see one order, and an event's ID is its
//     stream position: /ws?since=<id> resumes on any replica. A gap the
//     stream cannot fill becomes one reset event (the client reloads).
//   - RateLimit: the API's rate limit shared by the replicas (GCRA in
//     Redis, go-redis/redis_rate), falling back to each replica's own
//     limiter while Redis fails.
//   - A heartbeat registry: each node says every second that it is alive
//     and how many WebSocket clients it has; /api/system lists the nodes
//     seen within NodeTTL and whether Redis is up (Status).
//   - CachedStore (ENABLE_REDIS_CACHE): module list pages cached in Redis,
//     keyed by the stream's epoch and the bus position, so a write on any
//     replica makes every older page unreachable. The replica that wrote
//     bypasses the cache until its reader has read its own events back: it
//     never serves a page older than its own write. Measured on 100,000
//     modules in PostgreSQL, a deep page (page 9,000 of 10) answers in
//     0.3-0.5 ms instead of 16-41 ms at p50 (BenchmarkListCache).
//
// The reference server (examples/nexus, ENABLE_DISTRIBUTED_SYSTEM=true)
// also gives wsauth the Redis throttle store (wsauth/redisthrottle), so
// refused credentials count on every replica together.
//
// # Wiring
//
//	rdb, _ := cluster.NewClient(redisURL)
//	node := cluster.New(cluster.Options{Client: rdb, NodeID: nodeID})
//	go node.Run(ctx)
//	srv := server.New(server.Options{
//		Store: node.CachedStore(st), Events: node.Bus(), SharedRateLimit: node.RateLimit,
//		NodeID: node.ID(), Cluster: func() any { return node.Status() }, ...})
//
// # Outages
//
// Every shared component has a defined behaviour while Redis fails, and
// none of them gates readiness: one Redis outage must not take every
// replica out of the load balancer.
//
//   - A failed or slow call (CallTimeout, 50ms by default) marks Redis down
//     and is logged once; until a probe (every ProbeInterval, 250ms) gets
//     an answer, requests use the local fallbacks at once.
//   - Rate limits are per replica (N replicas admit up to N times the
//     limit) until Redis answers again.
//   - Writes still succeed: their events reach the writing replica's own
//     clients without an ID, and once Redis answers the replica publishes
//     a reset so that the clients of every replica reload.
//   - A Redis that comes back without its data (a restart without
//     persistence) starts a new stream epoch; every reader notices and
//     resets its clients. IDs of the old epoch are not resumable.
//
// Clocks: stream IDs and heartbeat times come from Redis's clock, never
// from a replica's.
//
// Keys: everything lives under Options.Prefix ("nexus:"): events and
// events:epoch (the stream and its epoch), nodes and nodeinfo (the
// registry), rate:* (inside redis_rate's own "rate:" prefix), cache:* and
// {wsauth}:* (the WebSocket throttle).
package cluster
