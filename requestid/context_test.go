package requestid

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestContextRoundTrip(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "", FromContext(context.Background()), "no ID in a bare context")
	ctx := NewContext(context.Background(), "abc-123")
	assert.Equal(t, "abc-123", FromContext(ctx))
	assert.Equal(t, "def", FromContext(NewContext(ctx, "def")), "a nested NewContext wins")
}

// TestNewContextValidates: an ID placed with NewContext is checked like an
// incoming one; a malformed one is ignored, so it never reaches the response
// header, the access log or a log record.
func TestNewContextValidates(t *testing.T) {
	t.Parallel()
	bad := []string{"", "esc\x1b[31mred", "line\nlevel=ERROR", "with space", strings.Repeat("a", MaxLength+1), "é"}
	for _, id := range bad {
		assert.Equal(t, "", FromContext(NewContext(context.Background(), id)), "%q is ignored", id)
		outer := NewContext(context.Background(), "outer-1")
		assert.Equal(t, "outer-1", FromContext(NewContext(outer, id)), "%q leaves the outer ID in place", id)
	}

	// Through Middleware, AccessLog and NewLogHandler.
	logs := &logBuffer{}
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(logs, nil)))
	h := Middleware()(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "inside")
	})))
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req = req.WithContext(NewContext(req.Context(), "esc\x1b[31mred"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	assert.Regexp(t, uuidV4, w.Header().Get(DefaultHeader), "a fresh ID replaces the malformed one")
	assert.NotContains(t, logs.String(), "red", "the malformed ID is not logged")
	assert.NotContains(t, logs.String(), `\u001b`)
	for _, rec := range logs.Records(t) {
		assert.Equal(t, w.Header().Get(DefaultHeader), rec["request_id"])
	}
}
