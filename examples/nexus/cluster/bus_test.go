package cluster_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nexuskit/nexus/examples/nexus/cluster"
)

// firstEvents dials with since and returns the first n events after hello.
func firstEvents(tb testing.TB, base, tok, since string, n int) []event {
	c := dial(tb, base+"?since="+since, tok, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, err := c.snapshot()
		if len(evs) >= n || err != nil || time.Now().After(deadline) {
			c.close()
			return evs
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestResumeFromStream: a replica that started after the events a client
// missed reads them from the stream (its own history does not have them);
// once the stream was trimmed past the client's position, the client gets
// one reset instead of a silent gap.
func TestResumeFromStream(t *testing.T) {
	d := newDeployment(t, 1, 0)
	a := d.Replicas[0]
	tok := token(t)
	w := dial(t, a.URL, tok, nil)
	for i := range 3 {
		createModule(t, a.URL, tok, "early-"+itoa(i))
	}
	for w.count("module.created") < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	evs, _ := w.snapshot()
	b := d.start(t, 0) // its history begins after those three

	got := firstEvents(t, b.URL, tok, evs[0].ID, 2)
	if len(got) < 2 || got[0].ID != evs[1].ID || got[1].ID != evs[2].ID {
		t.Fatalf("resumed from the stream: got %+v, want %s and %s", got, evs[1].ID, evs[2].ID)
	}

	rdb := redis.NewClient(&redis.Options{Addr: d.Redis.Addr()})
	defer rdb.Close()
	if err := rdb.XTrimMaxLen(context.Background(), cluster.DefaultPrefix+"events", 1).Err(); err != nil {
		t.Fatal(err)
	}
	got = firstEvents(t, b.URL, tok, evs[0].ID, 1)
	if len(got) != 1 || got[0].Type != "reset" {
		t.Fatalf("after trimming: got %+v, want one reset", got)
	}
}

// TestObserveEventLag: the reader reports each event it delivers with its
// lag since the append to the stream (what nexus_bus_lag_seconds shows).
func TestObserveEventLag(t *testing.T) {
	var (
		mu   sync.Mutex
		lags []time.Duration
	)
	d := &deployment{Redis: newRedis(t), DBURL: newDB(t), ObserveEvent: func(lag time.Duration) {
		mu.Lock()
		lags = append(lags, lag)
		mu.Unlock()
	}}
	a := d.start(t, 0)
	tok := token(t)
	w := dial(t, a.URL, tok, nil)
	for i := range 3 {
		createModule(t, a.URL, tok, "lag-"+itoa(i))
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.count("module.created") < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lags) < 3 {
		t.Fatalf("ObserveEvent saw %d events, want at least the 3 created", len(lags))
	}
	for _, l := range lags {
		if l < 0 || l > 10*time.Second {
			t.Errorf("lag %v, want between 0 and the test's 10 s", l)
		}
	}
}
