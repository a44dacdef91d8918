package respond

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestWantsProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"application/json"}, false},
		{[]string{"*/*"}, false},
		{[]string{"application/*"}, false},
		{[]string{"application/problem+json"}, true},
		{[]string{"Application/Problem+JSON"}, true},
		{[]string{" application/problem+json ; charset=utf-8"}, true},
		{[]string{"application/problem+json, application/json"}, true},
		{[]string{"application/json", "application/problem+json"}, true},
		{[]string{"application/json, application/problem+json;q=0.9"}, false},
		{[]string{"application/json;q=0.5, application/problem+json;q=0.9"}, true},
		{[]string{"application/problem+json;q=0"}, false},
		{[]string{"application/problem+json;q=0.000"}, false},
		{[]string{"application/problem+json;q=0.001"}, true},
		{[]string{"application/problem+json; Q=1.000"}, true},
		{[]string{"application/problem+json;q=2"}, false},
		{[]string{"application/problem+json;q=1.5"}, false},
		{[]string{"application/problem+json;q=0.1234"}, false},
		{[]string{"application/problem+json;q=abc"}, false},
		{[]string{"application/problem+json;q="}, false},
		{[]string{"application/problem+json;level=1;q=0.8, application/json;q=0.7"}, true},
		{[]string{"application/problem+json;q=0.5, application/problem+json;q=0.9, application/json;q=0.8"}, true},
		{[]string{"text/html, application/problem+json;q=0.1"}, true},
		{[]string{",,,application/problem+json,,"}, true},
		{[]string{"application/problem+xml"}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, wantsProblem(tt.accept), "%q", tt.accept)
	}
}

func TestParseQ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"0.", 0, true}, {"1.", 1, true}, {"0.5", 0.5, true},
		{"0.125", 0.125, true}, {"1.000", 1, true}, {"1.001", 0, false}, {"0.1234", 0, false},
		{"2", 0, false}, {"", 0, false}, {".5", 0, false}, {"0,5", 0, false}, {"0.a", 0, false}, {"-0", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseQ(tt.in)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		if tt.ok {
			assert.InDelta(t, tt.want, got, 1e-9, "%q", tt.in)
		}
	}
}

func TestProblemDetailsResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []Option
		accept   string
		err      error
		wantCT   string
		wantBody string
	}{
		{"asked for", nil, "application/problem+json", fieldErrors{{"field": "name"}}, "application/problem+json",
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"request validation failed","code":"VALIDATION_ERROR","details":[{"field":"name"}],"timestamp":"` + fixedStamp + `","requestId":"p-1"}`},
		{"not asked for", nil, "application/json", NewError(CodeTimeout, ""), "application/json; charset=utf-8",
			`{"success":false,"error":{"code":"TIMEOUT","message":"The request timed out"},"timestamp":"` + fixedStamp + `","requestId":"p-1"}`},
		{"turned off", []Option{WithProblemDetails(false)}, "application/problem+json", NewError(CodeTimeout, ""), "application/json; charset=utf-8",
			`{"success":false,"error":{"code":"TIMEOUT","message":"The request timed out"},"timestamp":"` + fixedStamp + `","requestId":"p-1"}`},
		{"turned on explicitly", []Option{WithProblemDetails(true)}, "application/problem+json", NewError(CodeTimeout, ""), "application/problem+json",
			`{"type":"about:blank","title":"Gateway Timeout","status":504,"detail":"The request timed out","code":"TIMEOUT","timestamp":"` + fixedStamp + `","requestId":"p-1"}`},
		{"details that fail fall back to a fixed 500", nil, "application/problem+json", &APIError{Status: 400, Details: failingJSON{}}, "application/problem+json",
			`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"An internal error occurred","code":"INTERNAL_ERROR","timestamp":"` + fixedStamp + `","requestId":"p-1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, _ := newTestResponder(tt.opts...)
			r := newRequest(t, http.MethodGet, "/", "p-1")
			r.Header.Set("Accept", tt.accept)
			rec := httptest.NewRecorder()
			rs.Error(rec, r, tt.err)
			assert.Equal(t, tt.wantCT, rec.Header().Get("Content-Type"))
			assert.Equal(t, tt.wantBody, rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
	// Success responses always use the envelope.
	rs, _ := newTestResponder()
	r := newRequest(t, http.MethodGet, "/", "")
	r.Header.Set("Accept", "application/problem+json")
	rec := httptest.NewRecorder()
	rs.OK(rec, r, 1)
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
}

func FuzzWantsProblem(f *testing.F) {
	for _, s := range []string{"application/problem+json", "application/json;q=0.5, application/problem+json;q=0.9",
		"*/*", "application/problem+json;q=1.0000", ";;;,,q=", "application/problem+json;q=0.", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		got := wantsProblem([]string{accept})
		if got && !strings.Contains(strings.ToLower(accept), "application/problem+json") {
			t.Fatalf("problem details chosen for %q, which does not name them", accept)
		}
		for _, elem := range strings.Split(accept, ",") {
			_, params, _ := strings.Cut(elem, ";")
			if q, ok := qValue(params); ok && (q < 0 || q > 1) {
				t.Fatalf("q %v out of range in %q", q, accept)
			}
		}
		if utf8.ValidString(accept) {
			// Splitting one header into several values must not change the result.
			assert.Equal(t, got, wantsProblem(strings.Split(accept, ",")), "%q", accept)
		}
	})
}

func TestErrorsVaryOnAccept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []Option
		existing []string
		want     []string
	}{
		{"added", nil, nil, []string{"Accept"}},
		{"appended to others", nil, []string{"Origin"}, []string{"Origin", "Accept"}},
		{"not repeated", nil, []string{"Origin, accept"}, []string{"Origin, accept"}},
		{"star covers it", nil, []string{"*"}, []string{"*"}},
		{"absent when problem details are off", []Option{WithProblemDetails(false)}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs, _ := newTestResponder(tt.opts...)
			rec := httptest.NewRecorder()
			for _, v := range tt.existing {
				rec.Header().Add("Vary", v)
			}
			rs.Error(rec, newRequest(t, http.MethodGet, "/", ""), NewError(CodeConflict, ""))
			assert.Equal(t, tt.want, rec.Header().Values("Vary"))
		})
	}
}
