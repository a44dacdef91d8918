package wsauth

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// BenchmarkThrottleChurn: one failing attempt from each of b.N distinct
// addresses (half IPv4, half IPv6 from distinct /48s, so three keys each)
// against a default-capacity store; it reports the live heap the store
// holds afterwards (live-B) and per tracked key (B/key). Run with
// -benchtime 1000000x (and 10000000x) for the figures in
// MemoryThrottleStore's doc.
func BenchmarkThrottleChurn(b *testing.B) {
	ctx := context.Background()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := NewMemoryThrottleStore(DefaultThrottleCapacity)
	c := defaultConfig()
	c.failures56, c.failures48 = 4*c.failures, 16*c.failures
	var dst [3]ThrottleKey
	a := &ThrottleAttempt{Window: time.Minute}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		var addr netip.Addr
		if i%2 == 0 {
			addr = netip.AddrFrom4([4]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
		} else {
			addr = netip.AddrFrom16([16]byte{0x20, 0x01, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 15: 1})
		}
		a.Keys = c.throttleKeys(&dst, addr)
		if res, _ := s.Admit(ctx, a); res.Verdict == ThrottleAdmitted {
			_ = s.Done(ctx, a, true)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	live := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	b.ReportMetric(live, "live-B")
	b.ReportMetric(live/float64(max(s.size(), 1)), "B/key")
	b.ReportMetric(float64(s.size()), "keys")
	runtime.KeepAlive(s)
}
