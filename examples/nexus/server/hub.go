package server

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// event is one message pushed to WebSocket clients. ID orders the events of
// the bus that made them; clients treat it as an opaque string that they
// hand back in /ws?since=<id> to resume. The control messages hello and
// reset carry no ID.
type event struct {
	ID        string    `json:"id,omitempty"`
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

// bus is what the WebSocket handler needs from an event source: publish a
// change, and subscribe from a position. The in-memory hub below is the
// single-instance implementation; a distributed one (Redis Streams) keeps the
// same contract with its own ordered IDs (stream positions).
type bus interface {
	// publish stamps the event with the next ID and fans it out.
	publish(kind string, data any)
	// subscribe registers a subscriber. With since == "" it starts at the
	// next event. Otherwise backlog holds every event after since, and
	// resumed is false when the bus cannot tell what came after since
	// (unknown ID, another process's ID, or older than the history): the
	// client must reload its state. lastID is the newest event's ID ("" if
	// none), for the client's next resume.
	subscribe(since string) (s *subscriber, backlog [][]byte, resumed bool, lastID string)
	unsubscribe(s *subscriber)
	// count is the number of subscribers.
	count() int
}

// hub fans events out to every subscriber without ever blocking a
// publisher (a client that cannot keep up is dropped, not waited for) and
// keeps the last events in a bounded history so that a client that
// reconnects can resume where it left off.
//
// Event IDs are "<epoch>-<seq>": epoch names this hub (a process start), seq
// counts its events from 1. An ID of another epoch (a client that was
// connected to the server before a restart) cannot be resumed.
type hub struct {
	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	epoch   string
	seq     uint64
	history [][]byte // ring of the last len(history) events, encoded
	next    int      // ring position of the next event
	stored  int      // events in the ring
}

const (
	subscriberQueue = 64
	// defaultHistory is how many events a reconnecting client can catch
	// up on.
	defaultHistory = 1024
	// maxEventIDLen bounds the since parameter; longer is never ours.
	maxEventIDLen = 64
)

func newHub(history int) *hub {
	if history <= 0 {
		history = defaultHistory
	}
	return &hub{
		subs:    make(map[*subscriber]struct{}),
		epoch:   strconv.FormatInt(time.Now().UnixNano(), 36),
		history: make([][]byte, history),
	}
}

var _ bus = (*hub)(nil)

// parseEventID splits an event ID into its epoch and sequence number; ok is
// false for anything this hub cannot have written.
func parseEventID(id string) (epoch string, seq uint64, ok bool) {
	if len(id) == 0 || len(id) > maxEventIDLen {
		return "", 0, false
	}
	epoch, num, found := strings.Cut(id, "-")
	if !found || epoch == "" || strings.ContainsFunc(epoch, func(r rune) bool {
		return !('0' <= r && r <= '9' || 'a' <= r && r <= 'z')
	}) {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil || seq == 0 || strconv.FormatUint(seq, 10) != num {
		return "", 0, false
	}
	return epoch, seq, true
}

func (h *hub) idOf(seq uint64) string { return h.epoch + "-" + strconv.FormatUint(seq, 10) }

func (h *hub) subscribe(since string) (*subscriber, [][]byte, bool, string) {
	s := &subscriber{send: make(chan []byte, subscriberQueue), dropped: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[s] = struct{}{}
	last := ""
	if h.seq > 0 {
		last = h.idOf(h.seq)
	}
	if since == "" {
		return s, nil, true, last
	}
	epoch, seq, ok := parseEventID(since)
	if !ok || epoch != h.epoch || seq > h.seq {
		return s, nil, false, last
	}
	missed := h.seq - seq
	if missed > uint64(h.stored) {
		return s, nil, false, last // older than the history
	}
	backlog := make([][]byte, 0, missed)
	n := len(h.history)
	for i := int(missed); i > 0; i-- {
		pos := (h.next - i + n) % n
		backlog = append(backlog, h.history[pos])
	}
	return s, backlog, true, last
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
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	msg, err := json.Marshal(event{ID: h.idOf(h.seq), Type: kind, Data: data, Timestamp: time.Now().UTC()})
	if err != nil {
		h.seq--
		return // the payloads are our own structs; they always encode
	}
	h.history[h.next] = msg
	h.next = (h.next + 1) % len(h.history)
	h.stored = min(h.stored+1, len(h.history))
	for s := range h.subs {
		select {
		case s.send <- msg:
		default:
			delete(h.subs, s)
			close(s.dropped)
		}
	}
}
