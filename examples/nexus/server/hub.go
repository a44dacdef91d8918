package server

import (
	"encoding/json"
	"sync"
	"time"
)

// event is one message pushed to WebSocket clients.
type event struct {
	Type      string    `json:"type"`
	Data      any       `json:"data"`
	Timestamp time.Time `json:"timestamp"`
}

// subscriber is one connected client's queue. dropped is closed when the
// client fell so far behind that its queue overflowed.
type subscriber struct {
	send    chan []byte
	dropped chan struct{}
}

// hub fans events out to every subscriber without ever blocking a
// publisher: a client that cannot keep up is dropped, not waited for.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

const subscriberQueue = 64

func newHub() *hub { return &hub{subs: make(map[*subscriber]struct{})} }

func (h *hub) subscribe() *subscriber {
	s := &subscriber{send: make(chan []byte, subscriberQueue), dropped: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *hub) publish(kind string, data any) {
	msg, err := json.Marshal(event{Type: kind, Data: data, Timestamp: time.Now().UTC()})
	if err != nil {
		return // the payloads are our own structs; they always encode
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.send <- msg:
		default:
			delete(h.subs, s)
			close(s.dropped)
		}
	}
}
