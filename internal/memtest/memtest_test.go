package memtest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIJSON(t *testing.T) {
	for _, n := range []int{1, 200, 4 << 10, 64 << 10} {
		b := APIJSON(n)
		require.Len(t, b, n)
		assert.Equal(t, b, APIJSON(n), "deterministic")
	}
	b := APIJSON(64 << 10)
	assert.True(t, bytes.HasPrefix(b, []byte(`{"success":true,"data":[{"id":"`)))
	assert.Equal(t, b[:4<<10], APIJSON(4<<10), "a shorter one is a prefix of a longer one")
}

func TestLiveHeap(t *testing.T) {
	before := LiveHeap()
	keep := make([]byte, 8<<20)
	after := LiveHeap()
	assert.Greater(t, int64(after)-int64(before), int64(7<<20), "8 MB kept alive is counted")
	keep[0] = 1
	_ = keep[len(keep)-1]
}

// holding is a middleware that holds 1 MB per response until its handler
// returns.
func holding(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1<<20)
		next.ServeHTTP(w, r)
		buf[0] = 1
		_ = buf[len(buf)-1]
	})
}

// TestInFlightHeap: the 1 MB a middleware holds per blocked response is
// what InFlightHeap reports for it, within the handler's own overhead; a
// middleware that holds nothing reports far less; every writer got the
// body.
func TestInFlightHeap(t *testing.T) {
	body := APIJSON(4 << 10)
	newWriters := func() ([]*httptest.ResponseRecorder, []http.ResponseWriter) {
		recs := make([]*httptest.ResponseRecorder, 8)
		ws := make([]http.ResponseWriter, len(recs))
		for i := range recs {
			recs[i] = httptest.NewRecorder()
			recs[i].Body.Grow(8 << 10)
			ws[i] = recs[i]
		}
		return recs, ws
	}
	recs, ws := newWriters()
	held := InFlightHeap(holding, "gzip", body, ws)
	assert.InDelta(t, 1<<20, held, 64<<10, "1 MB held per response")
	for _, rec := range recs {
		assert.Equal(t, body, rec.Body.Bytes())
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	}

	_, ws = newWriters()
	none := InFlightHeap(func(h http.Handler) http.Handler { return h }, "gzip", body, ws)
	assert.Less(t, none, float64(64<<10), "nothing held")
}
