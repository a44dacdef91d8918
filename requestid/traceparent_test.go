package requestid

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	validTP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" // the W3C specification's example
	validTI = "4bf92f3577b34da6a3ce929d0e0e4736"
)

func TestTraceID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"specification example", validTP, validTI},
		{"not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", validTI},
		{"future version, exact length", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", validTI},
		{"future version, more fields", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-the-future-holds", validTI},
		{"future version, no dash after flags", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09x", ""},
		{"version 00 with more fields", validTP + "-01", ""},
		{"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ""},
		{"uppercase version", "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ""},
		{"uppercase trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", ""},
		{"uppercase parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", ""},
		{"uppercase flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A", ""},
		{"zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", ""},
		{"zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", ""},
		{"short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", ""},
		{"long trace id", "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01", ""},
		{"short parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01", ""},
		{"non-hex", "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", ""},
		{"wrong separator", "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", ""},
		{"leading space", " " + validTP[:54], ""},
		{"trailing space", validTP + " ", ""},
		{"empty", "", ""},
		{"newline inside", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, traceID(tt.in))
		})
	}
}

// referenceTraceID is the W3C rule written a second, independent way, for
// the fuzz target to compare against.
var traceparentRE = regexp.MustCompile(`(?s)^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$`)

func referenceTraceID(v string) string {
	m := traceparentRE.FindStringSubmatch(v)
	if m == nil || m[1] == "ff" || (m[1] == "00" && m[4] != "") {
		return ""
	}
	if strings.Trim(m[2], "0") == "" || strings.Trim(m[3], "0") == "" {
		return ""
	}
	return m[2]
}

func FuzzTraceParent(f *testing.F) {
	for _, s := range []string{validTP, "cc-" + validTP[3:] + "-x", "ff-" + validTP[3:], strings.ToUpper(validTP), "", "00-", validTP[:54]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := traceID(v)
		if want := referenceTraceID(v); got != want {
			t.Fatalf("traceID(%q) = %q, reference says %q", v, got, want)
		}
		if got != "" && (len(got) != 32 || !valid(got)) {
			t.Fatalf("traceID(%q) = %q is not a 32-digit request ID", v, got)
		}
	})
}

// TestMiddlewareTraceParent: with TraceParent, a request with a valid
// traceparent has its trace-id as the request ID in the context, the
// response header and the access log.
func TestMiddlewareTraceParent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []Option
		remote string
		tp     []string
		header string
		want   string // "" means a generated UUIDv4
	}{
		{"trace id used", []Option{TraceParent()}, "", []string{validTP}, "", validTI},
		{"trace id before the ID header", []Option{TraceParent()}, "", []string{validTP}, "abc-1", validTI},
		{"invalid traceparent: the ID header", []Option{TraceParent()}, "", []string{strings.ToUpper(validTP)}, "abc-1", "abc-1"},
		{"invalid traceparent, no header: generated", []Option{TraceParent()}, "", []string{"00-" + strings.Repeat("0", 32) + "-00f067aa0ba902b7-01"}, "", ""},
		{"two traceparents: ignored", []Option{TraceParent()}, "", []string{validTP, validTP}, "", ""},
		{"off by default", nil, "", []string{validTP}, "", ""},
		{"Edge ignores it", []Option{TraceParent(), Edge()}, "", []string{validTP}, "", ""},
		{"trusted peer", []Option{TraceParent(), TrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, "10.1.2.3:5000", []string{validTP}, "", validTI},
		{"untrusted peer", []Option{TraceParent(), TrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, "203.0.113.9:5000", []string{validTP}, "abc-1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logger, logs := newJSONLogger()
			var seen string
			h := Middleware(tt.opts...)(AccessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = FromContext(r.Context())
			})))
			req := httptest.NewRequest(http.MethodGet, "/t", nil)
			if tt.remote != "" {
				req.RemoteAddr = tt.remote
			}
			for _, v := range tt.tp {
				req.Header.Add("traceparent", v)
			}
			if tt.header != "" {
				req.Header.Set(DefaultHeader, tt.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if tt.want == "" {
				assert.Regexp(t, uuidV4, seen)
			} else {
				assert.Equal(t, tt.want, seen)
			}
			assert.Equal(t, seen, w.Header().Get(DefaultHeader), "the response header carries the same ID")
			recs := logs.Records(t)
			require.Len(t, recs, 1)
			assert.Equal(t, seen, recs[0]["request_id"], "the access record carries the same ID")
		})
	}
}

type spanKey struct{}

func TestGeneratorContext(t *testing.T) {
	t.Parallel()
	fromSpan := func(ctx context.Context) string { s, _ := ctx.Value(spanKey{}).(string); return s }
	tests := []struct {
		name   string
		opts   []Option
		span   string // value an outer tracing middleware put in the context
		want   string // exact, or "v4"/"v7"
		logged bool   // an error record about a malformed ID
	}{
		{"takes the context's value", []Option{GeneratorContext(fromSpan)}, validTI, validTI, false},
		{"empty falls back to UUIDv4", []Option{GeneratorContext(fromSpan)}, "", "v4", false},
		{"empty falls back to UUIDv7 when chosen", []Option{GeneratorContext(fromSpan), UUIDv7()}, "", "v7", false},
		{"malformed is replaced and logged", []Option{GeneratorContext(fromSpan)}, "bad id\n", "v4", true},
		{"Generator after it replaces it", []Option{GeneratorContext(fromSpan), Generator(func() string { return "gen-1" })}, validTI, "gen-1", false},
		{"it replaces an earlier Generator", []Option{Generator(func() string { return "gen-1" }), GeneratorContext(fromSpan)}, validTI, validTI, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rh := &recordingHandler{}
			var seen string
			h := Middleware(append(tt.opts, Logger(slog.New(rh)))...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = FromContext(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req = req.WithContext(context.WithValue(req.Context(), spanKey{}, tt.span))
			h.ServeHTTP(httptest.NewRecorder(), req)
			switch tt.want {
			case "v4":
				assert.Regexp(t, uuidV4, seen)
			case "v7":
				assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, seen)
			default:
				assert.Equal(t, tt.want, seen)
			}
			if tt.logged {
				require.Len(t, rh.all(), 1)
				assert.Contains(t, rh.all()[0].Message, "GeneratorContext")
				assert.NotContains(t, rh.all()[0].Message, "bad id")
			} else {
				assert.Empty(t, rh.all())
			}
		})
	}
}
