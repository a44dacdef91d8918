package validate_test

// These tests run validate behind respond.Error on a real server: the contract of issue 4 is
// that respond renders validate's errors (400 VALIDATION_ERROR with the list as details, 413,
// 415, 400 BAD_REQUEST) although validate does not import respond. Importing respond here is
// test-only and creates no cycle.

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/validate"
)

// wireStatus is the resource of the wire tests, after the NEXUS safety status.
type wireStatus struct {
	Level  int               `json:"level" validate:"min=0,max=10"`
	Active bool              `json:"active" validate:"required"`
	Note   *string           `json:"note" validate:"omitempty,max=20"`
	Safety Safety            `json:"safety"`
	Backup *Safety           `json:"backup"`
	Tags   []string          `json:"tags" validate:"max=3,dive,alphanum"`
	Items  []Item            `json:"items" validate:"dive"`
	Labels map[string]string `json:"labels"`
}

// storedStatus is what the PATCH handler patches; every request starts from a fresh copy.
const storedStatus = `{"level":5,"active":true,"note":"old","safety":{"ethicalCompliance":90,"valueAlignment":80,"reviewer":"ana"},` +
	`"backup":{"ethicalCompliance":1,"valueAlignment":2,"reviewer":"bob"},"tags":["a","b"],` +
	`"items":[{"sku":"x1","qty":1}],"labels":{"team":"blue","tier":"1"}}`

// newWireServer serves POST (Decode, 512-byte limit) and PATCH (DecodePatch + Apply) on
// /status, and PATCH on /lenient with AllowUnknownFields, answering through respond.
func newWireServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /status", func(w http.ResponseWriter, r *http.Request) {
		s, err := validate.Decode[wireStatus](r, validate.MaxBytes(512))
		if err != nil {
			// Wrapping must not change the rendering, nor leak the wrapper's text.
			respond.Error(w, r, fmt.Errorf("create status (internal detail): %w", err))
			return
		}
		respond.JSON(w, r, http.StatusCreated, s)
	})
	patch := func(opts ...validate.Option) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			p, err := validate.DecodePatch[wireStatus](r, opts...)
			if err != nil {
				respond.Error(w, r, err)
				return
			}
			var stored wireStatus
			if err := json.Unmarshal([]byte(storedStatus), &stored); err != nil {
				respond.Error(w, r, err)
				return
			}
			p.Apply(&stored)
			respond.OK(w, r, map[string]any{"fields": p.Fields(), "status": stored})
		}
	}
	mux.HandleFunc("PATCH /status", patch())
	mux.HandleFunc("PATCH /lenient", patch(validate.AllowUnknownFields()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// wireReply is a response as the client sees it.
type wireReply struct {
	status      int
	contentType string
	env         respond.Envelope[json.RawMessage]
	raw         string
}

// send makes one request; body nil sends no body, ct "" no Content-Type.
func send(t *testing.T, srv *httptest.Server, method, path string, body io.Reader, ct string, hdr ...string) wireReply {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	require.NoError(t, err)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	rep := wireReply{status: res.StatusCode, contentType: res.Header.Get("Content-Type"), raw: string(raw)}
	require.NoError(t, json.Unmarshal(raw, &rep.env), "body: %s", raw)
	return rep
}

// assertFailure checks an error envelope: status, code, message and details (JSON; "" for none).
func assertFailure(t *testing.T, rep wireReply, status int, code respond.Code, message, details string) {
	t.Helper()
	assert.Equal(t, status, rep.status, rep.raw)
	assert.Equal(t, "application/json; charset=utf-8", rep.contentType)
	assert.False(t, rep.env.Success)
	require.NotNil(t, rep.env.Error, rep.raw)
	assert.Equal(t, code, rep.env.Error.Code)
	assert.Equal(t, message, rep.env.Error.Message)
	if details == "" {
		assert.Empty(t, rep.env.Error.Details)
	} else {
		assert.JSONEq(t, details, string(rep.env.Error.Details))
	}
	assert.NotContains(t, rep.raw, "internal detail")
}

func TestRespondRendersDecodeErrors(t *testing.T) {
	t.Parallel()
	srv := newWireServer(t)
	const valid = `{"level":3,"active":false,"safety":{"reviewer":"ana"}}`
	tests := []struct {
		name    string
		body    func() io.Reader
		ct      string
		status  int
		code    respond.Code
		message string
		details string
		chunked bool
	}{
		{name: "validation errors, all at once", ct: "application/json",
			body: func() io.Reader {
				return strings.NewReader(`{"level":11,"active":true,"note":null,"safety":{"valueAlignment":101,"reviewer":"","ethicalCompliance":"x"},"extra":1}`)
			},
			status: 400, code: respond.CodeValidationError, message: "request validation failed",
			details: `[
				{"field":"safety.ethicalCompliance","rule":"type","param":"number","message":"expected number, got string"},
				{"field":"extra","rule":"unknown","param":"","message":"unknown field"},
				{"field":"level","rule":"max","param":"10","message":"must be at most 10"},
				{"field":"safety.valueAlignment","rule":"max","param":"100","message":"must be at most 100"},
				{"field":"safety.reviewer","rule":"required","param":"","message":"is required"}]`},
		{name: "too large with Content-Length", ct: "application/json",
			body:   func() io.Reader { return strings.NewReader(`{"note":"` + strings.Repeat("a", 600) + `"}`) },
			status: 413, code: respond.CodePayloadTooLarge, message: respond.CodePayloadTooLarge.Message()},
		{name: "too large, chunked", ct: "application/json", chunked: true,
			body:   func() io.Reader { return strings.NewReader(`{"note":"` + strings.Repeat("a", 600) + `"}`) },
			status: 413, code: respond.CodePayloadTooLarge, message: respond.CodePayloadTooLarge.Message()},
		{name: "not JSON", ct: "text/plain", body: func() io.Reader { return strings.NewReader(valid) },
			status: 415, code: respond.CodeUnsupportedMediaType, message: "content type must be application/json"},
		{name: "no Content-Type", body: func() io.Reader { return strings.NewReader(valid) },
			status: 415, code: respond.CodeUnsupportedMediaType, message: "content type must be application/json"},
		{name: "form", ct: "application/x-www-form-urlencoded", body: func() io.Reader { return strings.NewReader("level=3") },
			status: 415, code: respond.CodeUnsupportedMediaType, message: "content type must be application/json"},
		{name: "malformed", ct: "application/json", body: func() io.Reader { return strings.NewReader(`{"level":`) },
			status: 400, code: respond.CodeBadRequest, message: "request body is not valid JSON: unexpected end of input at offset 9"},
		{name: "duplicate key", ct: "application/json", body: func() io.Reader { return strings.NewReader(`{"safety":{"reviewer":"a","reviewer":"b"}}`) },
			status: 400, code: respond.CodeBadRequest, message: `request body has duplicate key "safety.reviewer"`},
		{name: "trailing data", ct: "application/json", body: func() io.Reader { return strings.NewReader(valid + `{}`) },
			status: 400, code: respond.CodeBadRequest, message: "request body has data after the JSON value at offset 54"},
		{name: "empty body", ct: "application/json", body: func() io.Reader { return nil },
			status: 400, code: respond.CodeBadRequest, message: "request body is empty"},
		{name: "not an object", ct: "application/json", body: func() io.Reader { return strings.NewReader(`[1]`) },
			status: 400, code: respond.CodeBadRequest, message: "request body must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := tt.body()
			if tt.chunked { // no Content-Length: only MaxBytesReader can stop it
				src := body
				pr, pw := io.Pipe()
				go func() { _, err := io.Copy(pw, src); pw.CloseWithError(err) }()
				body = pr
			}
			rep := send(t, srv, http.MethodPost, "/status", body, tt.ct)
			assertFailure(t, rep, tt.status, tt.code, tt.message, tt.details)
		})
	}

	// The valid body is created.
	rep := send(t, srv, http.MethodPost, "/status", strings.NewReader(valid), "application/json")
	assert.Equal(t, http.StatusCreated, rep.status, rep.raw)
	assert.True(t, rep.env.Success)
}

func TestRespondRendersValidationAsProblemDetails(t *testing.T) {
	t.Parallel()
	srv := newWireServer(t)
	rep := send(t, srv, http.MethodPost, "/status", strings.NewReader(`{"level":-1,"active":true,"safety":{"reviewer":"ana"}}`), "application/json",
		"Accept", "application/problem+json")
	assert.Equal(t, http.StatusBadRequest, rep.status)
	assert.Equal(t, "application/problem+json", rep.contentType)
	var pd struct {
		Status  int                   `json:"status"`
		Code    string                `json:"code"`
		Detail  string                `json:"detail"`
		Details []validate.FieldError `json:"details"`
	}
	require.NoError(t, json.Unmarshal([]byte(rep.raw), &pd))
	assert.Equal(t, 400, pd.Status)
	assert.Equal(t, "VALIDATION_ERROR", pd.Code)
	assert.Equal(t, "request validation failed", pd.Detail)
	assert.Equal(t, []validate.FieldError{{Field: "level", Rule: "min", Param: "0", Message: "must be at least 0"}}, pd.Details)
}

// TestPatchOverTheWire checks the merge-patch semantics end to end: what a client sends, what
// the stored resource becomes, and how each mistake is reported.
func TestPatchOverTheWire(t *testing.T) {
	t.Parallel()
	srv := newWireServer(t)
	stored := func(edit func(m map[string]any)) string {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(storedStatus), &m))
		edit(m)
		out, err := json.Marshal(m)
		require.NoError(t, err)
		return string(out)
	}
	safety := func(m map[string]any) map[string]any { return m["safety"].(map[string]any) }
	tests := []struct {
		name, body string
		fields     []string
		want       func(m map[string]any)
	}{
		{"empty patch changes nothing", `{}`, nil, func(map[string]any) {}},
		{"zero is a value, absent is not", `{"level":0}`, []string{"level"},
			func(m map[string]any) { m["level"] = 0 }},
		{"false satisfies required", `{"active":false}`, []string{"active"},
			func(m map[string]any) { m["active"] = false }},
		{"null clears a pointer", `{"note":null,"backup":null}`, []string{"note", "backup"},
			func(m map[string]any) { m["note"], m["backup"] = nil, nil }},
		{"empty string is a value", `{"note":""}`, []string{"note"},
			func(m map[string]any) { m["note"] = "" }},
		{"nested object merges; its required fields may be absent", `{"safety":{"valueAlignment":99}}`,
			[]string{"safety", "safety.valueAlignment"},
			func(m map[string]any) { safety(m)["valueAlignment"] = 99 }},
		{"pointer to struct merges", `{"backup":{"reviewer":"cy"}}`, []string{"backup", "backup.reviewer"},
			func(m map[string]any) { m["backup"].(map[string]any)["reviewer"] = "cy" }},
		{"arrays replace", `{"tags":["z"],"items":[{"sku":"n1","qty":2}]}`, []string{"tags", "items"},
			func(m map[string]any) {
				m["tags"] = []any{"z"}
				m["items"] = []any{map[string]any{"sku": "n1", "qty": 2}}
			}},
		{"empty array replaces", `{"tags":[]}`, []string{"tags"}, func(m map[string]any) { m["tags"] = []any{} }},
		{"null clears a slice", `{"tags":null}`, []string{"tags"}, func(m map[string]any) { m["tags"] = nil }},
		{"map merges, null deletes a key", `{"labels":{"tier":null,"zone":"eu"}}`,
			[]string{"labels", "labels.tier", "labels.zone"},
			func(m map[string]any) { m["labels"] = map[string]any{"team": "blue", "zone": "eu"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := send(t, srv, http.MethodPatch, "/status", strings.NewReader(tt.body), "application/merge-patch+json")
			require.Equal(t, http.StatusOK, rep.status, rep.raw)
			var data struct {
				Fields []string        `json:"fields"`
				Status json.RawMessage `json:"status"`
			}
			require.NoError(t, json.Unmarshal(rep.env.Data, &data))
			assert.Equal(t, tt.fields, data.Fields)
			assert.JSONEq(t, stored(tt.want), string(data.Status))
		})
	}
}

func TestPatchErrorsOverTheWire(t *testing.T) {
	t.Parallel()
	srv := newWireServer(t)
	const vErr, vMsg = respond.CodeValidationError, "request validation failed"
	tests := []struct {
		name, path, body string
		code             respond.Code
		message, details string
	}{
		{"null for a number", "/status", `{"level":null}`, vErr, vMsg,
			`[{"field":"level","rule":"null","param":"","message":"must not be null"}]`},
		{"null for a bool", "/status", `{"active":null}`, vErr, vMsg,
			`[{"field":"active","rule":"null","param":"","message":"must not be null"}]`},
		{"null for a struct", "/status", `{"safety":null}`, vErr, vMsg,
			`[{"field":"safety","rule":"null","param":"","message":"must not be null"}]`},
		{"null nested", "/status", `{"safety":{"valueAlignment":null}}`, vErr, vMsg,
			`[{"field":"safety.valueAlignment","rule":"null","param":"","message":"must not be null"}]`},
		{"null array element", "/status", `{"tags":["a",null]}`, vErr, vMsg,
			`[{"field":"tags[1]","rule":"null","param":"","message":"must not be null"}]`},
		{"present but empty required", "/status", `{"safety":{"reviewer":""}}`, vErr, vMsg,
			`[{"field":"safety.reviewer","rule":"required","param":"","message":"is required"}]`},
		{"replaced array is validated whole", "/status", `{"items":[{"qty":1}]}`, vErr, vMsg,
			`[{"field":"items[0].sku","rule":"required","param":"","message":"is required"}]`},
		{"unknown keys with full paths", "/status",
			`{"safety":{"reviewer":"x","extra":1},"backup":{"deep":{"x":1}},"items":[{"sku":"a1","qty":1},{"sku":"b2","qty":1,"color":"red"}],"top":[]}`,
			vErr, vMsg, `[
				{"field":"safety.extra","rule":"unknown","param":"","message":"unknown field"},
				{"field":"backup.deep","rule":"unknown","param":"","message":"unknown field"},
				{"field":"items[1].color","rule":"unknown","param":"","message":"unknown field"},
				{"field":"top","rule":"unknown","param":"","message":"unknown field"}]`},
		{"case-insensitive near misses", "/status", `{"Level":3,"safety":{"REVIEWER":"x"}}`, vErr, vMsg, `[
				{"field":"Level","rule":"unknown","param":"level","message":"unknown field; did you mean \"level\"?"},
				{"field":"safety.REVIEWER","rule":"unknown","param":"reviewer","message":"unknown field; did you mean \"reviewer\"?"}]`},
		{"near misses rejected even when unknown keys are allowed", "/lenient", `{"whatever":1,"LEVEL":3}`, vErr, vMsg,
			`[{"field":"LEVEL","rule":"unknown","param":"level","message":"unknown field; did you mean \"level\"?"}]`},
		{"duplicate key", "/status", `{"level":1,"level":2}`, respond.CodeBadRequest,
			`request body has duplicate key "level"`, ""},
		{"duplicate key, lenient", "/lenient", `{"x":1,"x":2}`, respond.CodeBadRequest,
			`request body has duplicate key "x"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := send(t, srv, http.MethodPatch, tt.path, strings.NewReader(tt.body), "application/json")
			assertFailure(t, rep, http.StatusBadRequest, tt.code, tt.message, tt.details)
		})
	}

	// The lenient endpoint accepts unknown keys and applies only known ones.
	rep := send(t, srv, http.MethodPatch, "/lenient", strings.NewReader(`{"whatever":{"a":1},"level":2}`), "application/json")
	require.Equal(t, http.StatusOK, rep.status, rep.raw)
	assert.JSONEq(t, `["level"]`, fieldsJSON(t, rep))
}

func fieldsJSON(t *testing.T, rep wireReply) string {
	t.Helper()
	var data struct {
		Fields json.RawMessage `json:"fields"`
	}
	require.NoError(t, json.Unmarshal(rep.env.Data, &data))
	return string(data.Fields)
}

// TestErrorsCarryNoRespondDependency pins the contract from validate's side: the error types
// satisfy respond's interfaces structurally, and the package itself does not import respond.
func TestErrorsCarryNoRespondDependency(t *testing.T) {
	t.Parallel()
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	for _, imp := range pkg.Imports {
		assert.False(t, strings.HasPrefix(imp, "github.com/nexuskit/nexus/"), "validate imports %s", imp)
	}
	var _ respond.ValidationError = validate.Errors{}
	var _ respond.StatusCoder = (*validate.DecodeError)(nil)
	_, err = validate.Decode[wireStatus](requestCT(`{}`, "text/plain"))
	var sc respond.StatusCoder
	require.True(t, errors.As(err, &sc))
	assert.Equal(t, http.StatusUnsupportedMediaType, sc.StatusCode())
}
