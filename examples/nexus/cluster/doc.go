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
package cluster
