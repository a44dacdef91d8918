package server

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzPageParams feeds arbitrary page and limit query values: the answer is
// either an error or a page from 1 and a limit within 1..maxLimit.
func FuzzPageParams(f *testing.F) {
	for _, seed := range [][2]string{{"", ""}, {"1", "10"}, {"0", "0"}, {"-1", "101"}, {"9223372036854775807", "100"}, {"x", "1.5"}, {"1e3", " 7"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, page, limit string) {
		q := url.Values{"page": {page}, "limit": {limit}}
		r := httptest.NewRequest("GET", "/api/modules?"+q.Encode(), nil)
		p, l, err := pageParams(r)
		if err != nil {
			return
		}
		if p < 1 || l < 1 || l > maxLimit {
			t.Fatalf("page %d limit %d accepted from %q %q", p, l, page, limit)
		}
	})
}

// FuzzEventID feeds arbitrary since values to the hub: never a panic, and a
// value accepted as resumable is one of the hub's own IDs.
func FuzzEventID(f *testing.F) {
	h := newHub(8)
	for i := range 10 {
		h.publish("x", i)
	}
	_, _, _, last := h.subscribe("")
	for _, seed := range []string{"", last, h.epoch + "-3", h.epoch + "-0", "a-1", "-", "1-", h.epoch + "-18446744073709551616", h.epoch + "-+5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, since string) {
		sub, backlog, resumed, _ := h.subscribe(since)
		h.unsubscribe(sub)
		if since == "" {
			return
		}
		epoch, seq, ok := parseEventID(since)
		if resumed && (!ok || epoch != h.epoch || seq > 10 || h.idOf(seq) != since) {
			t.Fatalf("%q resumed", since)
		}
		if !resumed && len(backlog) > 0 {
			t.Fatalf("%q: backlog without resume", since)
		}
	})
}
