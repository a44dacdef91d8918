package respond

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type module struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func TestSuccessEnvelope(t *testing.T) {
	t.Parallel()
	var nilSlice []module
	var nilMap map[string]int
	var nilPtr *module
	tests := []struct {
		name string
		id   string
		call func(rs *Responder, w http.ResponseWriter, r *http.Request)
		want string
	}{
		{"ok with request id", "req-1", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OK(w, r, module{ID: "m1", Name: "Core"})
		}, `{"success":true,"data":{"id":"m1","name":"Core"},"timestamp":"` + fixedStamp + `","requestId":"req-1"}`},
		{"requestId omitted when empty", "", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OK(w, r, 42)
		}, `{"success":true,"data":42,"timestamp":"` + fixedStamp + `"}`},
		{"meta when given", "req-2", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OKWithMeta(w, r, []module{{ID: "a", Name: "A"}}, Meta{Page: 2, Limit: 10, Total: 11})
		}, `{"success":true,"data":[{"id":"a","name":"A"}],"meta":{"page":2,"limit":10,"total":11},"timestamp":"` + fixedStamp + `","requestId":"req-2"}`},
		{"nil slice is []", "", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OKWithMeta(w, r, nilSlice, Meta{Page: 1, Limit: 10, Total: 0})
		}, `{"success":true,"data":[],"meta":{"page":1,"limit":10,"total":0},"timestamp":"` + fixedStamp + `"}`},
		{"nil map is {}", "", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OK(w, r, nilMap)
		}, `{"success":true,"data":{},"timestamp":"` + fixedStamp + `"}`},
		{"untyped nil is null", "", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OK(w, r, nil)
		}, `{"success":true,"data":null,"timestamp":"` + fixedStamp + `"}`},
		{"nil pointer is null", "", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OK(w, r, nilPtr)
		}, `{"success":true,"data":null,"timestamp":"` + fixedStamp + `"}`},
		// requestid.NewContext ignores a malformed ID, so none reaches the body.
		{"malformed request id is not echoed", "a\"<b>\n", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OK(w, r, "x")
		}, `{"success":true,"data":"x","timestamp":"` + fixedStamp + `"}`},
		{"JSON with status", "", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.JSON(w, r, http.StatusCreated, map[string]string{"k": "v"})
		}, `{"success":true,"data":{"k":"v"},"timestamp":"` + fixedStamp + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, _ := newTestResponder()
			rec := httptest.NewRecorder()
			tt.call(rs, rec, newRequest(t, http.MethodGet, "/", tt.id))
			assert.Equal(t, tt.want, rec.Body.String())
			assert.True(t, json.Valid(rec.Body.Bytes()))
			assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Equal(t, strconv.Itoa(rec.Body.Len()), rec.Header().Get("Content-Length"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			assert.Empty(t, rec.Header().Get("Cache-Control"), "success responses may be cached")
		})
	}
}

func TestStatusOfSuccess(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	rec := httptest.NewRecorder()
	rs.JSON(rec, newRequest(t, http.MethodPost, "/", ""), http.StatusCreated, 1)
	assert.Equal(t, http.StatusCreated, rec.Code)
	rec = httptest.NewRecorder()
	rs.OK(rec, newRequest(t, http.MethodGet, "/", ""), 1)
	assert.Equal(t, http.StatusOK, rec.Code)
}

func TestTimestampLikeToISOString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"milliseconds truncated", time.Date(2025, 11, 13, 10, 0, 0, 999999999, time.UTC), "2025-11-13T10:00:00.999Z"},
		{"zero milliseconds kept", time.Date(2025, 11, 13, 10, 0, 0, 0, time.UTC), "2025-11-13T10:00:00.000Z"},
		{"converted to UTC", time.Date(2025, 11, 13, 12, 30, 5, 7_000_000, time.FixedZone("CEST", 2*3600)), "2025-11-13T10:30:05.007Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := New(WithClock(func() time.Time { return tt.at }))
			rec := httptest.NewRecorder()
			rs.OK(rec, newRequest(t, http.MethodGet, "/", ""), nil)
			var env Envelope[any]
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
			assert.Contains(t, rec.Body.String(), `"timestamp":"`+tt.want+`"`)
			assert.True(t, env.Timestamp.Equal(tt.at.Truncate(time.Millisecond)))
		})
	}
}

func TestNoBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		status     int
		wantLength bool
	}{
		{"HEAD keeps Content-Length, sends no body", http.MethodHead, http.StatusOK, true},
		{"204 sends no body", http.MethodGet, http.StatusNoContent, false},
		{"304 sends no body", http.MethodGet, http.StatusNotModified, false},
		{"205 sends no content (RFC 9110 15.3.6)", http.MethodGet, http.StatusResetContent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, _ := newTestResponder()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rs.JSON(w, r, tt.status, module{ID: "m", Name: "n"})
			}))
			defer srv.Close()
			req, err := http.NewRequest(tt.method, srv.URL, nil)
			require.NoError(t, err)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Empty(t, body)
			assert.Equal(t, tt.status, resp.StatusCode)
			if tt.wantLength {
				get := httptest.NewRecorder()
				rs.JSON(get, newRequest(t, http.MethodGet, "/", ""), tt.status, module{ID: "m", Name: "n"})
				assert.Equal(t, int64(get.Body.Len()), resp.ContentLength, "HEAD announces the GET body's length")
				assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			} else {
				assert.Empty(t, resp.Header.Get("Content-Type"))
				assert.LessOrEqual(t, resp.ContentLength, int64(0), "no content announced")
			}
		})
	}
}

// failingJSON cannot be encoded.
type failingJSON struct{}

func (failingJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("secret-internal-detail") }

func TestEncodingFailureSendsFixed500(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(rs *Responder, w http.ResponseWriter, r *http.Request)
	}{
		{"data with failing MarshalJSON", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OK(w, r, map[string]any{"ok": 1, "bad": failingJSON{}})
		}},
		{"unsupported data type", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.OKWithMeta(w, r, make(chan int), Meta{Page: 1})
		}},
		{"error details that cannot be encoded", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.Error(w, r, &APIError{Status: 400, Code: CodeBadRequest, Message: "m", Details: failingJSON{}})
		}},
		{"invalid status", func(rs *Responder, w http.ResponseWriter, r *http.Request) {
			rs.JSON(w, r, 42, "x")
		}},
	}
	want := `{"success":false,"error":{"code":"INTERNAL_ERROR","message":"An internal error occurred"},"timestamp":"` + fixedStamp + `","requestId":"req-9"}`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, logs := newTestResponder()
			srv := httptest.NewServer(withID("req-9", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tt.call(rs, w, r)
			})))
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
			assert.Equal(t, want, string(body), "exactly the fixed envelope, nothing of the failed body")
			assert.Equal(t, int64(len(want)), resp.ContentLength)
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			assert.Contains(t, logs.String(), `"request_id":"req-9"`)
			assert.Contains(t, logs.String(), `"level":"ERROR"`)
		})
	}
}

func TestDataAndErrorNeverTogether(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	for _, write := range []func(w http.ResponseWriter, r *http.Request){
		func(w http.ResponseWriter, r *http.Request) { rs.OK(w, r, nil) },
		func(w http.ResponseWriter, r *http.Request) { rs.Error(w, r, NewError(CodeConflict, "")) },
	} {
		rec := httptest.NewRecorder()
		write(rec, newRequest(t, http.MethodGet, "/", "id"))
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
		_, hasData := m["data"]
		_, hasError := m["error"]
		assert.True(t, hasData != hasError, "exactly one of data and error: %s", rec.Body)
		assert.Equal(t, strconv.FormatBool(hasData), string(m["success"]))
	}
}

func TestLargeThenSmallResponses(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	big := strings.Repeat("x", 3*maxPooledBuffer)
	for _, data := range []string{big, "small", big, "tiny"} {
		rec := httptest.NewRecorder()
		rs.OK(rec, newRequest(t, http.MethodGet, "/", ""), data)
		var env Envelope[string]
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
		assert.Equal(t, data, env.Data, "no bytes of an earlier response leak into a pooled buffer")
	}
}

func TestPackageFunctionsUseDefaults(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	before := time.Now().UTC().Truncate(time.Millisecond)
	OKWithMeta(rec, newRequest(t, http.MethodGet, "/", "pkg-id"), []int{1}, Meta{Page: 1, Limit: 1, Total: 1})
	var env Envelope[[]int]
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
	assert.True(t, env.Success)
	assert.Equal(t, []int{1}, env.Data)
	assert.Equal(t, &Meta{Page: 1, Limit: 1, Total: 1}, env.Meta)
	assert.Equal(t, "pkg-id", env.RequestID)
	assert.False(t, env.Timestamp.Before(before), "time.Now is the default clock")

	rec = httptest.NewRecorder()
	JSON(rec, newRequest(t, http.MethodPost, "/", ""), http.StatusAccepted, "queued")
	assert.Equal(t, http.StatusAccepted, rec.Code)

	rec = httptest.NewRecorder()
	OK(rec, newRequest(t, http.MethodGet, "/", ""), "x")
	assert.Equal(t, http.StatusOK, rec.Code)

	rec = httptest.NewRecorder()
	Error(rec, newRequest(t, http.MethodGet, "/", ""), NewError(CodeForbidden, "no"))
	assert.Equal(t, http.StatusForbidden, rec.Code)
}

func TestZeroAndNilResponder(t *testing.T) {
	t.Parallel()
	var zero Responder
	rec := httptest.NewRecorder()
	zero.OK(rec, newRequest(t, http.MethodGet, "/", ""), 1)
	assert.Equal(t, http.StatusOK, rec.Code)
	var nilRS *Responder
	rec = httptest.NewRecorder()
	nilRS.Error(rec, newRequest(t, http.MethodGet, "/", ""), NewError(CodeGone, ""))
	assert.Equal(t, http.StatusGone, rec.Code)
}

func TestNilRequest(t *testing.T) {
	t.Parallel()
	rs, _ := newTestResponder()
	rec := httptest.NewRecorder()
	rs.Error(rec, nil, NewError(CodeNotFound, ""))
	assert.Equal(t, `{"success":false,"error":{"code":"NOT_FOUND","message":"Resource not found"},"timestamp":"`+fixedStamp+`"}`, rec.Body.String())
}

func TestOptionsPanicOnInvalidValues(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "respond: WithLogger: logger must not be nil", func() { WithLogger(nil) })
	assert.PanicsWithValue(t, "respond: WithClock: clock must not be nil", func() { WithClock(nil) })
	assert.PanicsWithValue(t, "respond: New: nil Option", func() { New(nil) })
	assert.PanicsWithValue(t, "respond: Recover: next handler must not be nil", func() { Recover()(nil) })
	assert.PanicsWithValue(t, "respond: MuxErrors: next handler must not be nil", func() { MuxErrors()(nil) })
}

func TestContentLengthOverTheWire(t *testing.T) {
	t.Parallel()
	// 64 KiB is far beyond net/http's 2 KiB buffer, where it would switch to
	// chunked encoding without an explicit Content-Length.
	big := strings.Repeat("n", 64<<10)
	rs, _ := newTestResponder()
	srv := httptest.NewServer(withID("cl-1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.OK(w, r, big)
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, int64(len(body)), resp.ContentLength)
	assert.Empty(t, resp.TransferEncoding, "not chunked")
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	var env Envelope[string]
	require.NoError(t, json.Unmarshal(body, &env))
	assert.Equal(t, big, env.Data)
	assert.Equal(t, "cl-1", env.RequestID)
}
