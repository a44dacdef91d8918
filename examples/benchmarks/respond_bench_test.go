package benchmarks

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/respond"
	"github.com/stretchr/testify/require"
)

// benchModule is a typical API object.
type benchModule struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	Load        float64   `json:"load"`
	Tags        []string  `json:"tags"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func benchModules(n int) []benchModule {
	out := make([]benchModule, n)
	for i := range out {
		out[i] = benchModule{
			ID: "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f", Name: "Perception", Description: "Processes sensory input",
			Status: "active", Load: 0.42, Tags: []string{"core", "realtime"},
			UpdatedAt: time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC),
		}
	}
	return out
}

// plainEnvelope is the same envelope written by hand with encoding/json: the
// baseline respond.OK is measured against.
type plainEnvelope struct {
	Success   bool          `json:"success"`
	Data      any           `json:"data"`
	Meta      *respond.Meta `json:"meta,omitempty"`
	Timestamp string        `json:"timestamp"`
	RequestID string        `json:"requestId,omitempty"`
}

// plainOK is what a handler writes without respond: Content-Type, status and
// json.NewEncoder(w).Encode of the envelope.
func plainOK(w http.ResponseWriter, r *http.Request, data any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(plainEnvelope{
		Success:   true,
		Data:      data,
		Timestamp: time.Now().UTC().Format(respond.TimestampLayout),
		RequestID: requestid.FromContext(r.Context()),
	})
}

func BenchmarkRespondOK(b *testing.B) {
	sizes := []struct {
		name string
		data any
	}{
		{"object", benchModules(1)[0]},
		{"list20", benchModules(20)},
	}
	impls := []struct {
		name string
		fn   func(http.ResponseWriter, *http.Request, any)
	}{
		{"encoding_json", plainOK},
		{"respond", respond.OK},
	}
	r := httptest.NewRequest(http.MethodGet, "/api/modules", nil)
	r = r.WithContext(requestid.NewContext(r.Context(), "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"))
	for _, size := range sizes {
		for _, impl := range impls {
			b.Run("size="+size.name+"/impl="+impl.name, func(b *testing.B) {
				w := &discardWriter{h: make(http.Header, 4)}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					impl.fn(w, r, size.data)
				}
				b.SetBytes(int64(w.n / max(b.N, 1)))
			})
		}
	}
}

// TestRespondBenchmarkIsFair checks that both sides of BenchmarkRespondOK
// write the same envelope (apart from the timestamp's value and the
// newline json.Encoder adds).
func TestRespondBenchmarkIsFair(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(requestid.NewContext(r.Context(), "id-1"))
	plain, ours := httptest.NewRecorder(), httptest.NewRecorder()
	plainOK(plain, r, benchModules(2))
	respond.OK(ours, r, benchModules(2))
	var a, b respond.Envelope[[]benchModule]
	require.NoError(t, json.Unmarshal(plain.Body.Bytes(), &a))
	require.NoError(t, json.Unmarshal(ours.Body.Bytes(), &b))
	require.WithinDuration(t, a.Timestamp, b.Timestamp, time.Second)
	a.Timestamp, b.Timestamp = time.Time{}, time.Time{}
	require.Equal(t, a, b)
	trim := func(s string) string { return s[strings.Index(s, `"data"`):strings.Index(s, `,"timestamp"`)] }
	require.Equal(t, trim(plain.Body.String()), trim(ours.Body.String()))
}
