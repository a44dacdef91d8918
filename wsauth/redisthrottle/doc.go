// Package redisthrottle is a wsauth.ThrottleStore on Redis, so that every
// replica of a server counts a client's refused credentials together: with
// N replicas, an address gets wsauth's 10 failures per minute in all, not
// N x 10.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
//	mw := wsauth.Middleware(signer, wsauth.ThrottleStorage(redisthrottle.New(rdb)))
//
// It lives in its own module so that importing nexuskit never pulls a
// Redis client.
//
// Each Admit and Done is one Lua script, so a call is atomic across all
// the keys of an attempt (an IPv6 client's /64, /56 and /48): concurrent
// attempts on any replica never get more guesses through than the limit.
// Windows and leases use the Redis server's clock (TIME), never the
// replicas', so replicas with skewed clocks agree. Per key, failures are a
// counter that expires with its window, and attempts in progress a sorted
// set of attempt IDs scored by their lease's end, so an attempt whose
// replica died before Done stops counting when its lease (10 s, set by
// wsauth) ends.
//
// Create the client with ContextTimeoutEnabled: wsauth bounds every call
// by wsauth.ThrottleStoreTimeout whatever the client does, but without it
// go-redis ignores the deadline and holds the connection until its own
// ReadTimeout (3 s).
//
// When Redis fails or is slower than wsauth.ThrottleStoreTimeout (50 ms by
// default), wsauth throttles with the replica's own in-memory counts until
// Redis answers again, and logs each change once (see
// wsauth.ThrottleStorage). Counts made meanwhile stay local; Redis's own
// are kept (or, after a restart without persistence, start empty).
//
// With Redis Cluster, all keys live in one hash slot (the "{...}" tag of
// the key prefix), as a script needs.
package redisthrottle
