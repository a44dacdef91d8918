package requestid

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/google/uuid"
)

// randBatch is how many random bytes one crypto/rand read fetches: 256
// UUIDs' worth. One getrandom call per 256 requests instead of one per
// request is what keeps generation cheaper than chi's counter-based IDs.
const randBatch = 16 * 256

// uuidGen generates UUIDs from a buffer of crypto/rand bytes that belongs to
// one Middleware: no package-level state is read or changed (unlike
// uuid.EnableRandPool, which switches the whole process). Request IDs are
// correlation handles, not secrets, so holding future random bytes in memory
// costs nothing in security.
type uuidGen struct {
	mu     sync.Mutex
	buf    [randBatch]byte
	pos    int
	lastV7 int64            // last (unix ms << 12 | sub-ms fraction) handed out, for monotonic v7
	now    func() time.Time // the clock for v7; time.Now unless a test injects one
}

func newUUIDGen() *uuidGen {
	return &uuidGen{pos: randBatch, now: time.Now}
}

// random16 returns 16 fresh random bytes. The caller holds g.mu.
func (g *uuidGen) random16() (b [16]byte) {
	if g.pos+16 > len(g.buf) {
		// crypto/rand.Read never fails and always fills the buffer (Go 1.24+).
		_, _ = rand.Read(g.buf[:])
		g.pos = 0
	}
	copy(b[:], g.buf[g.pos:g.pos+16])
	g.pos += 16
	return b
}

// v4 returns a random (version 4, RFC 9562) UUID string.
func (g *uuidGen) v4() string {
	g.mu.Lock()
	b := g.random16()
	g.mu.Unlock()
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return uuid.UUID(b).String()
}

// v7 returns a time-ordered (version 7, RFC 9562) UUID string: 48 bits of
// Unix milliseconds, then 12 bits of sub-millisecond fraction (RFC 9562
// section 6.2, method 3) that is bumped when needed so IDs from one
// Middleware are strictly increasing, then 62 random bits.
func (g *uuidGen) v7() string {
	g.mu.Lock()
	b := g.random16()
	ns := g.now().UnixNano()
	ms := ns / int64(time.Millisecond)
	frac := (ns % int64(time.Millisecond)) * 4096 / int64(time.Millisecond)
	t := ms<<12 | frac
	if t <= g.lastV7 {
		t = g.lastV7 + 1
	}
	g.lastV7 = t
	g.mu.Unlock()

	ms, frac = t>>12, t&0xfff
	b[0] = byte(ms >> 40)
	b[1] = byte(ms >> 32)
	b[2] = byte(ms >> 24)
	b[3] = byte(ms >> 16)
	b[4] = byte(ms >> 8)
	b[5] = byte(ms)
	b[6] = 0x70 | byte(frac>>8) // version 7
	b[7] = byte(frac)
	b[8] = b[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return uuid.UUID(b).String()
}
