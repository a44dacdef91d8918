package requestid

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonLine logs through build(logger) with a context carrying id and returns
// the decoded record.
func jsonLine(t *testing.T, id string, log func(ctx context.Context, l *slog.Logger)) (map[string]any, string) {
	t.Helper()
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	})))
	ctx := context.Background()
	if id != "" {
		ctx = NewContext(ctx, id)
	}
	log(ctx, l)
	require.Equal(t, 1, strings.Count(buf.String(), "\n"), "one line: %s", buf.String())
	var m map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m), buf.String())
	return m, buf.String()
}

func TestLogHandlerShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		log  func(ctx context.Context, l *slog.Logger)
		want string // JSON of the record without time and level
	}{
		{"plain", "r1", func(ctx context.Context, l *slog.Logger) { l.InfoContext(ctx, "m", "a", 1) },
			`{"msg":"m","a":1,"request_id":"r1"}`},
		{"six attrs", "r1", func(ctx context.Context, l *slog.Logger) {
			l.InfoContext(ctx, "m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6)
		}, `{"msg":"m","a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"request_id":"r1"}`},
		{"no id in context", "", func(ctx context.Context, l *slog.Logger) { l.InfoContext(ctx, "m", "a", 1) },
			`{"msg":"m","a":1}`},
		{"no context", "", func(_ context.Context, l *slog.Logger) { l.Info("m") },
			`{"msg":"m"}`},
		{"with attrs", "r1", func(ctx context.Context, l *slog.Logger) { l.With("svc", "x").InfoContext(ctx, "m") },
			`{"msg":"m","svc":"x","request_id":"r1"}`},
		{"group stays below request_id", "r2", func(ctx context.Context, l *slog.Logger) {
			l.WithGroup("g").InfoContext(ctx, "m", "a", 1)
		}, `{"msg":"m","request_id":"r2","g":{"a":1}}`},
		{"nested groups with attrs", "r3", func(ctx context.Context, l *slog.Logger) {
			l.With("top", 0).WithGroup("g").With("a", 1).WithGroup("h").With("b", 2).InfoContext(ctx, "m", "c", 3)
		}, `{"msg":"m","top":0,"request_id":"r3","g":{"a":1,"h":{"b":2,"c":3}}}`},
		{"empty inner group dropped", "r4", func(ctx context.Context, l *slog.Logger) {
			l.WithGroup("g").With("a", 1).WithGroup("h").InfoContext(ctx, "m")
		}, `{"msg":"m","request_id":"r4","g":{"a":1}}`},
		{"all groups empty", "r5", func(ctx context.Context, l *slog.Logger) {
			l.WithGroup("g").WithGroup("h").InfoContext(ctx, "m")
		}, `{"msg":"m","request_id":"r5"}`},
		{"group without id", "", func(ctx context.Context, l *slog.Logger) {
			l.WithGroup("g").InfoContext(ctx, "m", "a", 1)
		}, `{"msg":"m","g":{"a":1}}`},
		{"empty group name is no group", "r6", func(ctx context.Context, l *slog.Logger) {
			l.WithGroup("").InfoContext(ctx, "m", "a", 1)
		}, `{"msg":"m","a":1,"request_id":"r6"}`},
		{"record's own request_id wins", "r7", func(ctx context.Context, l *slog.Logger) {
			l.InfoContext(ctx, "m", "request_id", "explicit")
		}, `{"msg":"m","request_id":"explicit"}`},
		{"With request_id wins", "r8", func(ctx context.Context, l *slog.Logger) {
			l.With("request_id", "explicit").WithGroup("g").InfoContext(ctx, "m", "a", 1)
		}, `{"msg":"m","request_id":"explicit","g":{"a":1}}`},
		{"request_id inside a group is not top-level", "r9", func(ctx context.Context, l *slog.Logger) {
			l.WithGroup("g").InfoContext(ctx, "m", "request_id", "inner")
		}, `{"msg":"m","request_id":"r9","g":{"request_id":"inner"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, line := jsonLine(t, tt.id, tt.log)
			assert.Equal(t, strings.Count(tt.want, `"request_id"`), strings.Count(line, `"request_id"`), "no duplicate keys: %s", line)
			var want map[string]any
			require.NoError(t, json.Unmarshal([]byte(tt.want), &want))
			assert.Equal(t, want, got)
		})
	}
}

func TestLogHandlerKeepsOrderAndSource(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{AddSource: true})))
	ctx := NewContext(context.Background(), "r1")
	l.With("pre", 1).WithGroup("g").InfoContext(ctx, "m", "x", 2)
	line := buf.String()
	assert.Contains(t, line, "loghandler_test.go", "the caller's PC survives regrouping")
	assert.Less(t, strings.Index(line, "pre=1"), strings.Index(line, "request_id=r1"))
	assert.Less(t, strings.Index(line, "request_id=r1"), strings.Index(line, "g.x=2"))
}

// TestLogHandlerRecordCopies checks that the handler never appends into the
// caller's record: handling one record twice (a fan-out handler does that)
// gives the same result, without slog's "!BUG" marker.
func TestLogHandlerRecordCopies(t *testing.T) {
	t.Parallel()
	rec := &recordingHandler{}
	h := NewLogHandler(rec)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
	for i := range 8 { // past the five inline attributes, into a back array with spare room
		r.AddAttrs(slog.Int("a"+string(rune('0'+i)), i))
	}
	ctx := NewContext(context.Background(), "r1")
	require.NoError(t, h.Handle(ctx, r))
	require.NoError(t, h.Handle(ctx, r))
	assert.Equal(t, 8, r.NumAttrs(), "the caller's record is unchanged")
	for _, got := range rec.all() {
		a := attrs(got)
		assert.Len(t, a, 9)
		assert.Equal(t, "r1", a[LogKey].String())
		assert.NotContains(t, a, "!BUG")
	}
}

func TestLogHandlerEnabled(t *testing.T) {
	t.Parallel()
	h := NewLogHandler(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	assert.False(t, h.Enabled(context.Background(), slog.LevelInfo))
	assert.True(t, h.Enabled(context.Background(), slog.LevelWarn))
	assert.False(t, h.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("a", 1)}).Enabled(context.Background(), slog.LevelInfo))
}

// TestLogHandlerSlogtest runs the standard library's conformance suite for
// handlers, which covers the WithGroup/WithAttrs emulation.
func TestLogHandlerSlogtest(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", "r1"} {
		t.Run("id="+id, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			h := NewLogHandler(slog.NewJSONHandler(&buf, nil))
			if id != "" {
				h = fixedContext{Handler: h, ctx: NewContext(context.Background(), id)}
			}
			results := func(t *testing.T) map[string]any {
				line := buf.String()
				buf.Reset()
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &m), line)
				if id != "" {
					assert.Equal(t, id, m[LogKey], "top-level request_id in %s", line)
					delete(m, LogKey)
				}
				return m
			}
			slogtest.Run(t, func(*testing.T) slog.Handler { return h }, results)
		})
	}
}

// fixedContext handles every record as if logged with ctx, so slogtest
// (which logs without a context) exercises the request_id path too.
type fixedContext struct {
	slog.Handler
	ctx context.Context
}

func (f fixedContext) Handle(_ context.Context, r slog.Record) error {
	return f.Handler.Handle(f.ctx, r)
}
func (f fixedContext) WithAttrs(as []slog.Attr) slog.Handler {
	return fixedContext{Handler: f.Handler.WithAttrs(as), ctx: f.ctx}
}
func (f fixedContext) WithGroup(name string) slog.Handler {
	return fixedContext{Handler: f.Handler.WithGroup(name), ctx: f.ctx}
}
