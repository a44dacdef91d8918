package cluster_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// seedModules inserts n modules straight into the schema of dbURL.
func seedModules(tb testing.TB, dbURL string, n int) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), `INSERT INTO modules
		(id, name, type, status, integration_level, description, created_at, updated_at, version)
		SELECT gen_random_uuid(), 'module ' || g, 'cognitive', 'active', g % 101, 'seeded',
			now() + g * interval '1 microsecond', now(), 1
		FROM generate_series(1, $1) AS g`, n)
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	if _, err := db.ExecContext(context.Background(), `ANALYZE modules`); err != nil {
		tb.Fatal(err)
	}
}

type page struct {
	Data []store.Module
	Meta struct{ Total int }
}

func getPage(tb testing.TB, base string, n int) page {
	status, raw, err := do(http.MethodGet, base+"/api/modules?limit=10&page="+strconv.Itoa(n), "", nil)
	if err != nil || status != http.StatusOK {
		tb.Fatalf("page %d: %d %v %s", n, status, err, raw)
	}
	var p page
	if err := json.Unmarshal(raw, &p); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestCacheNoStaleReadOnWriter: with the cache, a read on the replica that
// wrote always shows the write, at once; the other replica shows it as
// soon as its reader has the event.
func TestCacheNoStaleReadOnWriter(t *testing.T) {
	d := &deployment{Redis: newRedis(t), DBURL: newDB(t)}
	a := d.startWith(t, 0, true)
	b := d.startWith(t, 0, true)
	tok := token(t)
	var mods []store.Module
	for i := range 3 {
		mods = append(mods, createModule(t, a.URL, tok, "cached-"+strconv.Itoa(i)))
	}
	for i := range 30 {
		m := mods[i%len(mods)]
		w, other := a, b
		if i%2 == 1 {
			w, other = b, a
		}
		getPage(t, w.URL, 1) // fill the cache at this position
		getPage(t, other.URL, 1)
		status, raw, err := do(http.MethodPatch, w.URL+"/api/modules/"+m.ID.String(), tok,
			map[string]any{"integrationLevel": i + 1})
		if err != nil || status != http.StatusOK {
			t.Fatalf("patch: %d %v %s", status, err, raw)
		}
		var env struct{ Data store.Module }
		_ = json.Unmarshal(raw, &env)
		for _, got := range getPage(t, w.URL, 1).Data {
			if got.ID == m.ID && got.Version != env.Data.Version {
				t.Fatalf("write %d: the writer's replica served version %d after writing %d", i, got.Version, env.Data.Version)
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			var v int64
			for _, got := range getPage(t, other.URL, 1).Data {
				if got.ID == m.ID {
					v = got.Version
				}
			}
			if v == env.Data.Version {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("write %d: the other replica still serves version %d", i, v)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// BenchmarkListCache is the cache's measurement: p50 of a deep list page
// (page 9,000 of 10 on 100,000 modules in PostgreSQL) without the cache and
// with it (a hit: the page at this bus position is in Redis). Run with
// -benchtime 1x; each run seeds its own table.
func BenchmarkListCache(b *testing.B) {
	for range b.N {
		d := &deployment{Redis: newRedis(b), DBURL: newDB(b)}
		plain := d.startWith(b, 0, false)
		cached := d.startWith(b, 0, true)
		seedModules(b, d.DBURL, 100_000)
		const deep, n = 9000, 200
		measure := func(base string) time.Duration {
			getPage(b, base, deep) // warm: connections, plans, the cache
			var lat []time.Duration
			for range n {
				start := time.Now()
				p := getPage(b, base, deep)
				lat = append(lat, time.Since(start))
				if len(p.Data) != 10 || p.Meta.Total != 100_000 {
					b.Fatalf("page: %d modules of %d", len(p.Data), p.Meta.Total)
				}
			}
			return percentile(lat, 0.5)
		}
		without, with := measure(plain.URL), measure(cached.URL)
		b.ReportMetric(float64(without)/float64(time.Millisecond), "p50-ms-without")
		b.ReportMetric(float64(with)/float64(time.Millisecond), "p50-ms-with")
		b.ReportMetric(float64(without)/float64(with), "speedup")
	}
}

// TestCacheAfterUnpublishedWrite: a write whose event never reached the
// stream (the network dropped it) leaves the bus position where it was;
// once Redis answers again, the writer's replica must not serve the page
// cached at that position before its reset has gone round the bus.
func TestCacheAfterUnpublishedWrite(t *testing.T) {
	d := &deployment{Redis: newRedis(t), DBURL: newDB(t)}
	proxy := newBlackhole(t, d.Redis.Addr())
	d.RedisAddr, d.CallTimeout = proxy.Addr(), 50*time.Millisecond
	a := d.startWith(t, 0, true)
	tok := token(t)
	m := createModule(t, a.URL, tok, "unpublished")
	time.Sleep(200 * time.Millisecond) // the create's event read back
	getPage(t, a.URL, 1)               // the page cached at this position
	getPage(t, a.URL, 1)

	proxy.drop.Store(true)
	status, raw, err := do(http.MethodPatch, a.URL+"/api/modules/"+m.ID.String(), tok, map[string]any{"integrationLevel": 99})
	if err != nil || status != http.StatusOK {
		t.Fatalf("patch while Redis is unreachable: %d %v %s", status, err, raw)
	}
	time.Sleep(600 * time.Millisecond) // the publish times out: delivered locally only
	proxy.drop.Store(false)
	proxy.cut()
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		if v := getPage(t, a.URL, 1).Data[0].Version; v != 2 {
			t.Fatalf("the writer's replica served version %d after its unpublished write made 2", v)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
