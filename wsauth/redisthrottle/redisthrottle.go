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

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexuskit/nexus/wsauth"
)

// DefaultKeyPrefix starts every key the Store writes. The braces make it a
// Redis Cluster hash tag: all keys in one slot.
const DefaultKeyPrefix = "wsauth:{throttle}:"

// Store is a wsauth.ThrottleStore on Redis. It is safe for concurrent use.
type Store struct {
	rdb      redis.Scripter
	prefix   string
	instance string // makes attempt IDs unique across processes
}

var _ wsauth.ThrottleStore = (*Store)(nil)

// Option configures New.
type Option func(*Store)

// KeyPrefix sets the prefix of every key (default DefaultKeyPrefix), to
// separate applications sharing a Redis. It panics if p is empty. With
// Redis Cluster it should contain a hash tag ("app:{throttle}:").
func KeyPrefix(p string) Option {
	if p == "" {
		panic("redisthrottle: KeyPrefix: empty prefix")
	}
	return func(s *Store) { s.prefix = p }
}

// New returns a Store on rdb (a *redis.Client, *redis.ClusterClient,
// *redis.Ring or any redis.UniversalClient). It panics if rdb is nil.
func New(rdb redis.Scripter, opts ...Option) *Store {
	if rdb == nil {
		panic("redisthrottle: New: nil client")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	s := &Store{rdb: rdb, prefix: DefaultKeyPrefix, instance: hex.EncodeToString(b[:])}
	for _, o := range opts {
		if o == nil {
			panic("redisthrottle: New: nil Option")
		}
		o(s)
	}
	return s
}

// admitScript: KEYS are (failures, in-progress) pairs, one per throttle
// key; ARGV the limits, then the attempt's member and lease in ms.
// Returns {verdict, retry-after ms} with wsauth's verdict numbers.
var admitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS / 2
local member = ARGV[n + 1]
local lease = tonumber(ARGV[n + 2])
local blocked, busy, retry = false, false, 0
for i = 1, n do
  local fkey, ikey = KEYS[2 * i - 1], KEYS[2 * i]
  local limit = tonumber(ARGV[i])
  local failed = tonumber(redis.call('GET', fkey) or '0')
  if failed >= limit then
    blocked = true
    local ttl = redis.call('PTTL', fkey)
    if ttl > retry then retry = ttl end
  else
    redis.call('ZREMRANGEBYSCORE', ikey, '-inf', now)
    if failed + redis.call('ZCARD', ikey) >= limit then busy = true end
  end
end
if blocked then return {2, retry} end
if busy then return {1, 0} end
for i = 1, n do
  local ikey = KEYS[2 * i]
  redis.call('ZADD', ikey, now + lease, member)
  if redis.call('PTTL', ikey) < lease then redis.call('PEXPIRE', ikey, lease) end
end
return {0, 0}
`)

// doneScript: KEYS as for admitScript; ARGV the member, "1" when the
// attempt failed, and the window in ms.
var doneScript = redis.NewScript(`
local member, failed, window = ARGV[1], ARGV[2] == '1', tonumber(ARGV[3])
for i = 1, #KEYS / 2 do
  local fkey, ikey = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('ZREM', ikey, member)
  if failed then
    redis.call('INCR', fkey)
    if redis.call('PTTL', fkey) < 0 then redis.call('PEXPIRE', fkey, window) end
  end
end
return 0
`)

func (s *Store) keys(a *wsauth.ThrottleAttempt) []string {
	keys := make([]string, 0, 2*len(a.Keys))
	for _, k := range a.Keys {
		p := k.Prefix.String()
		keys = append(keys, s.prefix+"f:"+p, s.prefix+"i:"+p)
	}
	return keys
}

func (s *Store) member(a *wsauth.ThrottleAttempt) string {
	return s.instance + ":" + strconv.FormatUint(a.ID, 36)
}

func ms(d time.Duration) int64 { return max(int64(d/time.Millisecond), 1) }

// Admit implements wsauth.ThrottleStore.
func (s *Store) Admit(ctx context.Context, a *wsauth.ThrottleAttempt) (wsauth.ThrottleResult, error) {
	if len(a.Keys) == 0 {
		return wsauth.ThrottleResult{Verdict: wsauth.ThrottleAdmitted}, nil
	}
	args := make([]any, 0, len(a.Keys)+2)
	for _, k := range a.Keys {
		args = append(args, k.Limit)
	}
	args = append(args, s.member(a), ms(a.Lease))
	vals, err := admitScript.Run(ctx, s.rdb, s.keys(a), args...).Int64Slice()
	if err != nil {
		return wsauth.ThrottleResult{}, fmt.Errorf("redisthrottle: admit: %w", err)
	}
	if len(vals) != 2 || vals[0] < 0 || vals[0] > 2 {
		return wsauth.ThrottleResult{}, errors.New("redisthrottle: admit: unexpected script result " + strings.Trim(fmt.Sprint(vals), "[]"))
	}
	res := wsauth.ThrottleResult{Verdict: wsauth.ThrottleVerdict(vals[0])}
	if res.Verdict == wsauth.ThrottleBlocked {
		res.RetryAfter = time.Duration(vals[1]) * time.Millisecond
		if res.RetryAfter <= 0 {
			res.RetryAfter = a.Window
		}
	}
	return res, nil
}

// Done implements wsauth.ThrottleStore.
func (s *Store) Done(ctx context.Context, a *wsauth.ThrottleAttempt, failed bool) error {
	if len(a.Keys) == 0 {
		return nil
	}
	f := "0"
	if failed {
		f = "1"
	}
	if err := doneScript.Run(ctx, s.rdb, s.keys(a), s.member(a), f, ms(a.Window)).Err(); err != nil {
		return fmt.Errorf("redisthrottle: done: %w", err)
	}
	return nil
}
