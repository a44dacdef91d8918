package requestid

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want rejection
	}{
		{"uuid", "0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e", accepted},
		{"ulid", "01ARZ3NDEKTSV4RRFFQ69G5FAV", accepted},
		{"base64 std", "q83vEjRWeJA+/w==", accepted},
		{"xray style", "Root=1-5759e988-bd862e3fe1be46a994272793", accepted},
		{"dots colons", "svc.a:42_b", accepted},
		{"one byte", "a", accepted},
		{"128 bytes", strings.Repeat("a", 128), accepted},
		{"empty", "", rejectEmpty},
		{"129 bytes", strings.Repeat("a", 129), rejectTooLong},
		{"space", "abc def", rejectCharacter},
		{"newline", "abc\nlevel=ERROR msg=forged", rejectCharacter},
		{"carriage return", "abc\r", rejectCharacter},
		{"nul", "abc\x00", rejectCharacter},
		{"del", "abc\x7f", rejectCharacter},
		{"tab", "\tabc", rejectCharacter},
		{"quote", `abc"`, rejectCharacter},
		{"comma", "a,b", rejectCharacter},
		{"semicolon", "a;b", rejectCharacter},
		{"non-ascii", "café", rejectCharacter},
		{"high byte", "abc\xff", rejectCharacter},
		{"ansi escape", "\x1b[31mred", rejectCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, check(tt.id))
			assert.Equal(t, tt.want == accepted, valid(tt.id))
		})
	}
}

func TestRejectionStrings(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range []rejection{accepted, rejectEmpty, rejectTooLong, rejectCharacter, rejectMultiple} {
		s := r.String()
		assert.NotEmpty(t, s)
		assert.False(t, seen[s], "reason %q is not unique", s)
		seen[s] = true
	}
}

var referenceID = regexp.MustCompile(`^[A-Za-z0-9._:+/=-]{1,128}$`)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// FuzzIncomingID checks the header check against a regular expression and,
// end to end through Middleware, that the ID a handler sees is always well
// formed, equals the incoming value exactly when that value is well formed,
// and that a rejected value never reaches a log record.
func FuzzIncomingID(f *testing.F) {
	for _, s := range []string{"", "a", "abc-123", "0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e", "a b", "x\ny", "é", "\x00", strings.Repeat("z", 129), "q83vEjRWeJA+/w=="} {
		f.Add(s)
	}
	rec := &recordingHandler{}
	mw := Middleware(Logger(slog.New(rec)))
	f.Fuzz(func(t *testing.T, raw string) {
		ok := check(raw) == accepted
		require.Equal(t, referenceID.MatchString(raw), ok, "check(%q)", raw)

		var got string
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = FromContext(r.Context())
		}))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header["X-Request-Id"] = []string{raw}
		rec.reset()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)

		require.True(t, valid(got), "handler saw a malformed ID %q", got)
		require.Equal(t, got, w.Header().Get("X-Request-ID"))
		if ok {
			require.Equal(t, raw, got)
			require.Empty(t, rec.all(), "an accepted ID is not logged about")
			return
		}
		require.Regexp(t, uuidV4, got)
		logged := rec.all()
		require.Len(t, logged, 1, "one debug record per rejected ID")
		a := attrs(logged[0])
		require.ElementsMatch(t, []string{"reason", "header", "request_id"}, keys(a), "only these attributes, never the raw value")
		require.Equal(t, got, a["request_id"].String())
		require.Equal(t, check(raw).String(), a["reason"].String())
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
