package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/nexuskit/nexus/examples/nexus/server"
)

// Bus is the event bus on a Redis stream: Publish appends an event (XADD)
// after its commit; one reader per replica (XREAD) feeds the replica's
// subscribers, so every client on every replica sees the same events in
// the same order, and an event's ID is its stream position, the same on
// every replica: a client resumes with /ws?since=<id> on any of them.
//
// The stream begins with an epoch marker (a random ID, also kept in a key
// beside the stream). A Redis that restarted without its data, or whose
// stream was deleted, has a new epoch: readers notice and send their
// clients one reset event; IDs from before it are not resumable. A client
// whose position was trimmed away (StreamMaxLen) gets a reset too.
//
// While Redis fails, Publish delivers the event to this replica's clients
// (without an ID: it has no position) and, once Redis answers again,
// publishes a reset so that every client reloads what it missed. A publish
// never fails the write that made the change: it runs in the background,
// in order.
type Bus struct {
	n *Node

	mu         sync.Mutex
	subs       map[*busSub]struct{}
	ring       []ringEntry // the last events read, oldest first once full
	next       int
	stored     int
	floor      streamID // the ring holds every event after floor
	last       streamID // the newest position read
	epoch      string   // the stream's epoch as the reader knows it ("" before the first sync)
	epochStart streamID // the epoch marker's ID: older IDs are not resumable

	queue        chan pubReq
	pendingReset atomic.Bool
	// ownPending counts this node's events published but not yet read
	// back: while it is above zero, this node's reads bypass the cache.
	ownPending atomic.Int64
	// unpublished counts this node's events that never reached the stream;
	// covered is the count its last reset read back accounted for. While
	// unpublished > covered the bus position does not reflect this node's
	// writes, and its reads bypass the cache.
	unpublishedN, covered atomic.Int64
	lastPubFail           atomic.Int64 // unix nanoseconds of the last failed XADD
	synced                chan struct{}
	syncOnce              sync.Once
}

type busSub struct {
	deliver func([]byte) bool
	after   streamID // events up to here were in the backlog or seen
}

type ringEntry struct {
	id  streamID
	msg []byte
}

type pubReq struct {
	kind string
	data json.RawMessage
	ts   time.Time
}

// wireEvent is the JSON of an event on the WebSocket, the same as the
// in-process hub's plus the node that made the change.
type wireEvent struct {
	ID        string          `json:"id,omitempty"`
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
	Timestamp time.Time       `json:"timestamp"`
	Node      string          `json:"node,omitempty"`
}

const (
	publishQueue   = 4096
	publishTimeout = 250 * time.Millisecond
	readBlock      = time.Second
	readBatch      = 512
)

var _ server.EventBus = (*Bus)(nil)

func newBus(n *Node) *Bus {
	return &Bus{n: n, subs: make(map[*busSub]struct{}), ring: make([]ringEntry, n.opts.History),
		queue: make(chan pubReq, publishQueue), synced: make(chan struct{})}
}

func (b *Bus) streamKey() string { return b.n.key("events") }
func (b *Bus) epochKey() string  { return b.n.key("events:epoch") }

// Synced is closed once the reader has found its position on the stream
// (the first time Redis answered).
func (b *Bus) Synced() <-chan struct{} { return b.synced }

// Publish queues the event for the stream; see Bus. It implements
// server.EventBus.
func (b *Bus) Publish(ctx context.Context, kind string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		b.n.log.ErrorContext(ctx, "event bus: cannot encode event", "type", kind, "err", err)
		return
	}
	req := pubReq{kind: kind, data: raw, ts: time.Now().UTC()}
	b.ownPending.Add(1)
	select {
	case b.queue <- req:
	default:
		b.n.log.WarnContext(ctx, "event bus: publish queue full; delivering on this node only", "type", kind)
		b.unpublished(req)
	}
}

// unpublished delivers an event that could not be published to this
// node's clients and remembers to publish a reset.
func (b *Bus) unpublished(req pubReq) {
	b.unpublishedN.Add(1)
	b.pendingReset.Store(true)
	b.ownDone()
	msg, _ := json.Marshal(wireEvent{Type: req.kind, Data: req.data, Timestamp: req.ts, Node: b.n.opts.NodeID})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fanout(streamID{}, msg)
}

// ownDone records that one of this node's events was read back (or will
// never be).
func (b *Bus) ownDone() {
	for {
		v := b.ownPending.Load()
		if v <= 0 || b.ownPending.CompareAndSwap(v, v-1) {
			return
		}
	}
}

// cacheKey is the part of a cache key that a write anywhere changes: the
// stream's epoch and this node's position. ok is false while this node has
// events of its own not yet read back, or before the first sync.
func (b *Bus) cacheKey() (string, bool) {
	if b.ownPending.Load() > 0 || b.unpublishedN.Load() > b.covered.Load() {
		return "", false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.epoch == "" {
		return "", false
	}
	return b.epoch + ":" + b.last.String(), true
}

// publishScript appends to the stream, creating it with an epoch marker
// when it does not exist (or its epoch key is gone). KEYS: stream, epoch
// key. ARGV: MAXLEN, a new epoch, then the entry's field/value pairs (none:
// only make sure the stream exists). Returns {epoch, id}.
var publishScript = redis.NewScript(`
local e = redis.call('GET', KEYS[2])
if (not e) or redis.call('EXISTS', KEYS[1]) == 0 then
  e = ARGV[2]
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], e)
  redis.call('XADD', KEYS[1], '*', 'epoch', e)
end
if #ARGV < 3 then return {e, ''} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))
return {e, id}
`)

func (b *Bus) xadd(ctx context.Context, fields ...any) (epoch, id string, err error) {
	args := append([]any{b.n.opts.StreamMaxLen, uuid.NewString()}, fields...)
	res, err := publishScript.Run(ctx, b.n.rdb, []string{b.streamKey(), b.epochKey()}, args...).StringSlice()
	if err != nil {
		return "", "", err
	}
	if len(res) != 2 {
		return "", "", errors.New("cluster: unexpected answer from the publish script")
	}
	return res[0], res[1], nil
}

// publishLoop publishes the queued events in order, and a reset once Redis
// answers again after events could not be published.
func (b *Bus) publishLoop(ctx context.Context) {
	tick := time.NewTicker(b.n.opts.ProbeInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			b.drain()
			return
		case <-tick.C:
			b.flushReset(ctx)
		case req := <-b.queue:
			b.flushReset(ctx)
			b.publish(ctx, req)
		}
	}
}

// drain publishes what requests still in flight at shutdown queue (the
// node's context ends when the servers stop accepting, before the last
// requests finish): until the queue has been empty for 100ms, at most 2 s.
func (b *Bus) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for {
		select {
		case req := <-b.queue:
			b.publish(ctx, req)
		case <-time.After(100 * time.Millisecond):
			return
		case <-ctx.Done():
			return
		}
	}
}

// publish appends one event to the stream, or delivers it locally when
// Redis fails.
//
// A node marked down by another component's slow call still tries (the
// publish is in the background: no request waits for it); only a publish
// that failed within the last ProbeInterval, with Redis still down, skips
// the attempt, so that a hung Redis does not hold every queued event for
// publishTimeout.
func (b *Bus) publish(ctx context.Context, req pubReq) {
	recent := time.Since(time.Unix(0, b.lastPubFail.Load())) < b.n.opts.ProbeInterval
	if (!b.n.Up() && recent) || ctx.Err() != nil {
		b.unpublished(req)
		return
	}
	pctx, cancel := context.WithTimeout(ctx, publishTimeout)
	_, _, err := b.xadd(pctx, "t", req.kind, "d", string(req.data), "n", b.n.opts.NodeID,
		"ts", req.ts.Format(time.RFC3339Nano))
	cancel()
	if err != nil {
		b.lastPubFail.Store(time.Now().UnixNano())
		if ctx.Err() == nil {
			b.n.fail(err)
		}
		b.unpublished(req)
	}
}

// flushReset publishes the pending reset once Redis answers.
func (b *Bus) flushReset(ctx context.Context) {
	if !b.pendingReset.Load() || !b.n.Up() {
		return
	}
	data, _ := json.Marshal(map[string]string{
		"reason": "events of node " + b.n.opts.NodeID + " could not be published while Redis was unreachable: reload",
	})
	pctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	b.pendingReset.Store(false)
	covers := b.unpublishedN.Load() // read after clearing: a later failure sets it again
	_, _, err := b.xadd(pctx, "t", "reset", "d", string(data), "n", b.n.opts.NodeID,
		"ts", time.Now().UTC().Format(time.RFC3339Nano), "g", covers)
	if err != nil {
		b.pendingReset.Store(true)
		if ctx.Err() == nil {
			b.n.fail(err)
		}
		return
	}
	b.n.log.Info("event bus: published a reset for the events this node could not publish")
}

// read is the replica's one reader: it follows the stream and feeds the
// subscribers until ctx ends.
func (b *Bus) read(ctx context.Context) {
	backoff := 50 * time.Millisecond
	check := true
	for ctx.Err() == nil {
		if check {
			if err := b.sync(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				b.n.fail(err)
				sleep(ctx, backoff)
				backoff = min(backoff*2, 500*time.Millisecond)
				continue
			}
			check = false
		}
		b.mu.Lock()
		from := b.last.String()
		b.mu.Unlock()
		rctx, cancel := context.WithTimeout(ctx, readBlock+500*time.Millisecond)
		res, err := b.n.rdb.XRead(rctx, &redis.XReadArgs{Streams: []string{b.streamKey(), from},
			Count: readBatch, Block: readBlock}).Result()
		cancel()
		switch {
		case errors.Is(err, redis.Nil):
			check = true // quiet: make sure the stream is still ours
			continue
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			b.n.fail(err)
			check = true
			sleep(ctx, backoff)
			backoff = min(backoff*2, 500*time.Millisecond)
			continue
		}
		backoff = 50 * time.Millisecond
		n := 0
		b.mu.Lock()
		for _, s := range res {
			for _, m := range s.Messages {
				b.deliverEntry(m)
				n++
			}
		}
		b.mu.Unlock()
		if n >= readBatch {
			check = true // behind: make sure nothing was trimmed past us
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// sync finds the reader's position: at the first call, the end of the
// stream; later, it checks that the stream is the one it was reading
// (same epoch, nothing trimmed past the reader, not rolled back) and
// otherwise resets the clients.
func (b *Bus) sync(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	epoch, _, err := b.xadd(ctx)
	if err != nil {
		return err
	}
	info, err := b.n.rdb.XInfoStream(ctx, b.streamKey()).Result()
	if err != nil {
		return err
	}
	lastGen, _ := parseStreamID(info.LastGeneratedID)
	maxDel, _ := parseStreamID(info.MaxDeletedEntryID)
	start := maxDel
	if _, ok := info.FirstEntry.Values["epoch"]; ok {
		if id, ok := parseStreamID(info.FirstEntry.ID); ok {
			start = id
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.epoch == "":
		b.epoch, b.epochStart, b.last, b.floor = epoch, start, lastGen, lastGen
		b.syncOnce.Do(func() { close(b.synced) })
	case epoch != b.epoch:
		// A new stream: read it from its start, after a reset.
		b.resetLocked("the event stream was lost (Redis restarted without its data?): reload")
		b.epoch, b.epochStart, b.last, b.floor = epoch, start, streamID{}, streamID{}
		b.ownPending.Store(0) // lost events never come back
		b.covered.Store(b.unpublishedN.Load())
	case lastGen.less(b.last):
		b.resetLocked("the event stream went back in time (Redis restored from an older copy?): reload")
		b.epochStart, b.last, b.floor = lastGen, lastGen, lastGen
	case b.last.less(maxDel) || trimmedAfter(info, b.last):
		b.resetLocked("events were trimmed before this server read them: reload")
		b.last, b.floor = lastGen, lastGen
	}
	return nil
}

// resetLocked sends every subscriber a reset and forgets the history.
func (b *Bus) resetLocked(reason string) {
	b.n.log.Warn("event bus: clients must reload", "reason", reason)
	data, _ := json.Marshal(map[string]string{"reason": reason, "lastEventId": ""})
	msg, _ := json.Marshal(wireEvent{Type: "reset", Data: data, Timestamp: time.Now().UTC(), Node: b.n.opts.NodeID})
	b.next, b.stored = 0, 0
	for s := range b.subs {
		s.after = streamID{}
		if !s.deliver(msg) {
			delete(b.subs, s)
		}
	}
}

// deliverEntry hands one stream entry to the subscribers. b.mu is held.
func (b *Bus) deliverEntry(m redis.XMessage) {
	id, ok := parseStreamID(m.ID)
	if !ok || !b.last.less(id) {
		return
	}
	b.last = id
	if e, ok := m.Values["epoch"].(string); ok {
		if e != b.epoch {
			b.resetLocked("the event stream was replaced (Redis restarted without its data?): reload")
			b.epoch, b.floor = e, id
		}
		b.epochStart = id
		return
	}
	if node, _ := m.Values["n"].(string); node == b.n.opts.NodeID {
		if kind, _ := m.Values["t"].(string); kind != "reset" {
			b.ownDone()
		} else if g, err := strconv.ParseInt(fmt.Sprint(m.Values["g"]), 10, 64); err == nil {
			for cur := b.covered.Load(); g > cur && !b.covered.CompareAndSwap(cur, g); cur = b.covered.Load() {
			}
		}
	}
	msg, ok := b.encode(id, m)
	if !ok {
		return
	}
	if f := b.n.opts.ObserveEvent; f != nil {
		f(max(0, time.Since(time.UnixMilli(int64(id.ms)))))
	}
	if len(b.ring) > 0 {
		if b.stored == len(b.ring) {
			b.floor = b.ring[b.next].id
		}
		b.ring[b.next] = ringEntry{id: id, msg: msg}
		b.next = (b.next + 1) % len(b.ring)
		b.stored = min(b.stored+1, len(b.ring))
	} else {
		b.floor = id
	}
	b.fanout(id, msg)
}

// encode turns a stream entry into the WebSocket's JSON.
func (b *Bus) encode(id streamID, m redis.XMessage) ([]byte, bool) {
	kind, _ := m.Values["t"].(string)
	data, _ := m.Values["d"].(string)
	node, _ := m.Values["n"].(string)
	tsRaw, _ := m.Values["ts"].(string)
	if kind == "" || !json.Valid([]byte(data)) {
		return nil, false
	}
	ts, err := time.Parse(time.RFC3339Nano, tsRaw)
	if err != nil {
		ts = time.UnixMilli(int64(id.ms)).UTC()
	}
	raw := json.RawMessage(data)
	if kind == "reset" {
		// A node that could not publish: clients reload, then resume from
		// this event.
		var d map[string]any
		_ = json.Unmarshal(raw, &d)
		if d == nil {
			d = map[string]any{}
		}
		d["lastEventId"] = id.String()
		raw, _ = json.Marshal(d)
	}
	msg, err := json.Marshal(wireEvent{ID: id.String(), Type: kind, Data: raw, Timestamp: ts, Node: node})
	return msg, err == nil
}

// fanout delivers msg to every subscriber not past id (zero id: to all).
// b.mu is held.
func (b *Bus) fanout(id streamID, msg []byte) {
	for s := range b.subs {
		if !id.isZero() && !s.after.less(id) {
			continue
		}
		if !s.deliver(msg) {
			delete(b.subs, s)
		}
	}
}

// Clients is the number of subscribers on this node.
func (b *Bus) Clients() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

func (b *Bus) lastPosition() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.isZero() {
		return ""
	}
	return b.last.String()
}

// Subscribe implements server.EventBus: since is a stream position; the
// events after it come from this node's history or, for older ones, from
// the stream. It is not resumable (resumed false) when it is not a stream
// ID, older than the stream's epoch, trimmed away, unknown to Redis, or
// Redis cannot be asked.
func (b *Bus) Subscribe(since string, deliver func([]byte) bool) ([][]byte, bool, string, func()) {
	s := &busSub{deliver: deliver}
	cancel := func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
	}
	b.mu.Lock()
	register := func(resumed bool, backlog [][]byte) ([][]byte, bool, string, func()) {
		b.subs[s] = struct{}{}
		last := ""
		if !b.last.isZero() {
			last = b.last.String()
		}
		b.mu.Unlock()
		return backlog, resumed, last, cancel
	}
	if since == "" {
		s.after = b.last
		return register(true, nil)
	}
	sid, ok := parseStreamID(since)
	if !ok || b.epoch == "" || sid.less(b.epochStart) {
		s.after = b.last
		return register(false, nil)
	}
	if !sid.less(b.floor) && !b.last.less(sid) {
		// In the history.
		var backlog [][]byte
		for i := b.stored; i > 0; i-- {
			e := b.ring[(b.next-i+len(b.ring))%len(b.ring)]
			if sid.less(e.id) {
				backlog = append(backlog, e.msg)
			}
		}
		s.after = b.last
		return register(true, backlog)
	}
	b.mu.Unlock()
	// Older than the history, or newer than this reader (another replica
	// read it first): ask the stream.
	entries, ok := b.fill(sid)
	b.mu.Lock()
	if !ok {
		s.after = b.last
		return register(false, nil)
	}
	var backlog [][]byte
	upto := sid
	for _, m := range entries {
		id, _ := parseStreamID(m.ID)
		if _, marker := m.Values["epoch"]; marker {
			continue
		}
		if msg, ok := b.encode(id, m); ok {
			backlog = append(backlog, msg)
			upto = id
		}
	}
	// Events the reader delivered meanwhile beyond the stream's answer.
	for i := b.stored; i > 0; i-- {
		e := b.ring[(b.next-i+len(b.ring))%len(b.ring)]
		if upto.less(e.id) {
			backlog = append(backlog, e.msg)
			upto = e.id
		}
	}
	s.after = max2(upto, b.last)
	return register(true, backlog)
}

func max2(a, b streamID) streamID {
	if a.less(b) {
		return b
	}
	return a
}

// fill reads the events after since from the stream; ok is false when
// they cannot all be had (trimmed, unknown position, more than the
// history, Redis failing).
func (b *Bus) fill(since streamID) ([]redis.XMessage, bool) {
	if !b.n.Up() {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*b.n.opts.CallTimeout)
	defer cancel()
	pipe := b.n.rdb.Pipeline()
	infoCmd := pipe.XInfoStream(ctx, b.streamKey())
	rangeCmd := pipe.XRangeN(ctx, b.streamKey(), "("+since.String(), "+", int64(b.n.opts.History)+1)
	if _, err := pipe.Exec(ctx); err != nil {
		b.n.fail(err)
		return nil, false
	}
	info, err := infoCmd.Result()
	if err != nil {
		return nil, false
	}
	lastGen, _ := parseStreamID(info.LastGeneratedID)
	maxDel, _ := parseStreamID(info.MaxDeletedEntryID)
	entries := rangeCmd.Val()
	if lastGen.less(since) || since.less(maxDel) || trimmedAfter(info, since) || len(entries) > b.n.opts.History {
		return nil, false
	}
	return entries, true
}

// trimmedAfter reports whether entries after pos may have been trimmed
// away. Trimming (MAXLEN) removes the oldest entries and, in Redis 7.0,
// does not move max-deleted-entry-id (only XDEL does): the stream's first
// entry is the epoch marker until the first trim, so once the marker is
// gone, a position older than the first entry left may have lost its
// successors. (A position just before the first entry left gets a reset it
// might not have needed: the stream cannot tell.)
func trimmedAfter(info *redis.XInfoStream, pos streamID) bool {
	if _, marker := info.FirstEntry.Values["epoch"]; marker || info.Length == 0 {
		return false
	}
	first, ok := parseStreamID(info.FirstEntry.ID)
	return ok && pos.less(first)
}
