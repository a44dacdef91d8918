package server

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// EventBus is an event source shared by several replicas (Options.Events),
// such as package cluster's Redis Streams bus. The in-process hub is used
// when Options.Events is nil.
//
// An EventBus stamps each event with an ID that orders it on the bus (a
// position, the same on every replica) and fans it out to its subscribers.
type EventBus interface {
	// Publish sends a change after its commit. It never blocks on the
	// network for long and never fails the write that made the change: a
	// bus that cannot publish delivers locally and tells clients to reload
	// later (a reset event).
	Publish(ctx context.Context, kind string, data any)
	// Subscribe registers a client. deliver is called with each encoded
	// event, in bus order, and must not block: it returns false when the
	// client's queue is full, and the bus then drops the subscriber.
	// since, backlog, resumed and lastID mean what they mean for the
	// in-process hub (see serveWS): with since == "" the client starts at
	// the next event; otherwise backlog holds the events after since and
	// resumed is false when the bus cannot tell what came after it.
	// cancel ends the subscription.
	Subscribe(since string, deliver func(msg []byte) bool) (backlog [][]byte, resumed bool, lastID string, cancel func())
	// Clients is the number of subscribers on this replica.
	Clients() int
}

// RateLimitParams describes the rate limit of /api/ and /ws for a
// SharedRateLimit: Limit requests per Window for each Key.
type RateLimitParams struct {
	Limit  int
	Window time.Duration
	// Key is the client's key: its address (the one address rule of the
	// server).
	Key func(r *http.Request) string
	// Reject answers a refused request: the 429 envelope. Retry-After and
	// the X-RateLimit-* headers are set before it is called.
	Reject http.HandlerFunc
}

// SharedRateLimit builds a rate limiter shared by every replica. next is
// the handler behind the limiter; local is next behind the in-process
// limiter, which a shared limiter uses while its store fails.
type SharedRateLimit func(p RateLimitParams, next, local http.Handler) http.Handler

// eventBus adapts an EventBus to the WebSocket handler's bus.
type eventBus struct {
	ext     EventBus
	mu      sync.Mutex
	cancels map[*subscriber]func()
}

var _ bus = (*eventBus)(nil)

func newEventBus(ext EventBus) *eventBus {
	return &eventBus{ext: ext, cancels: make(map[*subscriber]func())}
}

func (b *eventBus) publish(kind string, data any) { b.ext.Publish(context.Background(), kind, data) }

func (b *eventBus) subscribe(since string) (*subscriber, [][]byte, bool, string) {
	s := &subscriber{send: make(chan []byte, subscriberQueue), dropped: make(chan struct{})}
	var once sync.Once
	backlog, resumed, last, cancel := b.ext.Subscribe(since, func(msg []byte) bool {
		select {
		case s.send <- msg:
			return true
		default:
			once.Do(func() { close(s.dropped) })
			return false
		}
	})
	b.mu.Lock()
	b.cancels[s] = cancel
	b.mu.Unlock()
	return s, backlog, resumed, last
}

func (b *eventBus) unsubscribe(s *subscriber) {
	b.mu.Lock()
	cancel := b.cancels[s]
	delete(b.cancels, s)
	b.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

func (b *eventBus) count() int { return b.ext.Clients() }
