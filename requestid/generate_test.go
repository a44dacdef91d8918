package requestid

import (
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUUIDv4(t *testing.T) {
	t.Parallel()
	g := newUUIDGen()
	seen := map[string]bool{}
	for range 3 * randBatch / 16 { // crosses two refills of the random buffer
		id := g.v4()
		require.Regexp(t, uuidV4, id)
		u, err := uuid.Parse(id)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(4), u.Version())
		assert.Equal(t, uuid.RFC4122, u.Variant())
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
}

func TestUUIDv7(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 28, 4, 0, 0, 123_456_789, time.UTC)
	tests := []struct {
		name  string
		clock []time.Time // successive clock readings
	}{
		{"advancing clock", []time.Time{at, at.Add(time.Microsecond), at.Add(time.Millisecond), at.Add(time.Second)}},
		{"frozen clock", []time.Time{at, at, at, at, at}},
		{"clock going back", []time.Time{at, at.Add(-time.Second), at.Add(-time.Hour), at}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newUUIDGen()
			i := 0
			g.now = func() time.Time { i++; return tt.clock[i-1] }
			var ids []string
			for range tt.clock {
				id := g.v7()
				u, err := uuid.Parse(id)
				require.NoError(t, err)
				assert.Equal(t, uuid.Version(7), u.Version())
				assert.Equal(t, uuid.RFC4122, u.Variant())
				sec, nsec := u.Time().UnixTime()
				got := time.Unix(sec, nsec)
				assert.WithinDuration(t, tt.clock[0], got, time.Second+time.Millisecond, "timestamp comes from the clock")
				ids = append(ids, id)
			}
			assert.True(t, sort.StringsAreSorted(ids), "strictly increasing: %v", ids)
			for k := 1; k < len(ids); k++ {
				assert.NotEqual(t, ids[k-1], ids[k])
			}
		})
	}
}

func TestUUIDv7Timestamp(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1_700_000_000_123).Add(500 * time.Microsecond)
	g := newUUIDGen()
	g.now = func() time.Time { return at }
	u := uuid.MustParse(g.v7())
	ms := int64(u[0])<<40 | int64(u[1])<<32 | int64(u[2])<<24 | int64(u[3])<<16 | int64(u[4])<<8 | int64(u[5])
	assert.Equal(t, at.UnixMilli(), ms, "48-bit big-endian Unix milliseconds")
	frac := int64(u[6]&0x0f)<<8 | int64(u[7])
	assert.Equal(t, int64(2048), frac, "half a millisecond is half of the 12-bit fraction")
}
