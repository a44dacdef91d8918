package validate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"
)

const validModule = `{"name":"core","active":true,"level":3,"safety":{"ethicalCompliance":90,"valueAlignment":80,"reviewer":"ana"}}`

// statusCoder and validationDetails are the interfaces respond.Error looks for.
type statusCoder interface{ StatusCode() int }
type validationDetails interface{ ValidationDetails() any }

func fieldErrors(t *testing.T, err error) validate.Errors {
	t.Helper()
	var errs validate.Errors
	require.ErrorAs(t, err, &errs, "want validate.Errors, got %T: %v", err, err)
	return errs
}

func decodeError(t *testing.T, err error) *validate.DecodeError {
	t.Helper()
	var de *validate.DecodeError
	require.ErrorAs(t, err, &de, "want *validate.DecodeError, got %T: %v", err, err)
	return de
}

func fieldsOf(errs validate.Errors) []string {
	var out []string
	for _, fe := range errs {
		out = append(out, fe.Field+" "+fe.Rule)
	}
	return out
}

func TestDecodeValid(t *testing.T) {
	t.Parallel()
	m, err := validate.Decode[Module](request(validModule))
	require.NoError(t, err)
	assert.Equal(t, "core", m.Name)
	assert.True(t, m.Active)
	assert.Equal(t, int8(3), m.Level)
	assert.Equal(t, "ana", m.Safety.Reviewer)
}

func TestDecodeContentType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ct string
		ok bool
	}{
		{"application/json", true},
		{"Application/JSON", true},
		{"application/json; charset=utf-8", true},
		{"application/json;charset=UTF-8", true},
		{"application/merge-patch+json", true},
		{"application/vnd.api+json; charset=utf-8", true},
		{"", false},
		{"text/plain", false},
		{"text/json", false},
		{"application/jsonx", false},
		{"application/x-www-form-urlencoded", false},
		{"application/json; charset=latin1", false},
		{"application/json; charset", false},
		{"multipart/form-data; boundary=x", false},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			t.Parallel()
			_, err := validate.Decode[Module](requestCT(validModule, tt.ct))
			if tt.ok {
				require.NoError(t, err)
				return
			}
			de := decodeError(t, err)
			assert.Equal(t, http.StatusUnsupportedMediaType, de.StatusCode())
			assert.ErrorIs(t, err, validate.ErrUnsupportedMediaType)
			assert.Equal(t, "content type must be application/json", err.Error())
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	t.Parallel()
	big := `{"name":"` + strings.Repeat("a", 100) + `"}`
	tests := []struct {
		name string
		req  func() *http.Request
		opts []validate.Option
	}{
		{"declared length", func() *http.Request { return request(big) }, []validate.Option{validate.MaxBytes(64)}},
		{"unknown length", func() *http.Request {
			r := request(big)
			r.ContentLength = -1
			return r
		}, []validate.Option{validate.MaxBytes(64)}},
		{"lying length", func() *http.Request {
			r := request(big)
			r.ContentLength = 10
			return r
		}, []validate.Option{validate.MaxBytes(64)}},
		{"default limit", func() *http.Request {
			r := request(`{"name":"` + strings.Repeat("a", 1<<20) + `"}`)
			r.ContentLength = -1
			return r
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := validate.Decode[Module](tt.req(), tt.opts...)
			de := decodeError(t, err)
			assert.Equal(t, http.StatusRequestEntityTooLarge, de.StatusCode())
			assert.ErrorIs(t, err, validate.ErrTooLarge)
			var mbe *http.MaxBytesError
			require.ErrorAs(t, err, &mbe)
			limit := int64(64)
			if tt.opts == nil {
				limit = validate.DefaultMaxBytes
			}
			assert.Equal(t, limit, mbe.Limit)
			assert.Contains(t, err.Error(), fmt.Sprint(limit))
		})
	}
}

func TestDecodeAtLimit(t *testing.T) {
	t.Parallel()
	// A body of exactly 1 MiB passes the default limit.
	type Doc struct {
		Text string `json:"text"`
	}
	prefix, suffix := `{"text":"`, `"}`
	body := prefix + strings.Repeat("x", int(validate.DefaultMaxBytes)-len(prefix)-len(suffix)) + suffix
	require.Len(t, body, int(validate.DefaultMaxBytes))
	r := request(body)
	r.ContentLength = -1
	d, err := validate.Decode[Doc](r)
	require.NoError(t, err)
	assert.Len(t, d.Text, len(body)-len(prefix)-len(suffix))
}

func TestDecodeMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       error
	}{
		{"empty", "", validate.ErrEmptyBody},
		{"whitespace", " \n\t ", validate.ErrEmptyBody},
		{"unterminated object", `{"name":"a"`, validate.ErrSyntax},
		{"unterminated string", `{"name":"a`, validate.ErrSyntax},
		{"missing value", `{"name":}`, validate.ErrSyntax},
		{"missing colon", `{"name" "a"}`, validate.ErrSyntax},
		{"trailing comma", `{"name":"a",}`, validate.ErrSyntax},
		{"single quotes", `{'name':'a'}`, validate.ErrSyntax},
		{"bad escape", `{"name":"a\x"}`, validate.ErrSyntax},
		{"bad unicode escape", `{"name":"\u12G4"}`, validate.ErrSyntax},
		{"control character", "{\"name\":\"a\nb\"}", validate.ErrSyntax},
		{"leading zero", `{"level":01}`, validate.ErrSyntax},
		{"bare minus", `{"level":-}`, validate.ErrSyntax},
		{"dot without digits", `{"level":1.}`, validate.ErrSyntax},
		{"exponent without digits", `{"level":1e}`, validate.ErrSyntax},
		{"plus sign", `{"level":+1}`, validate.ErrSyntax},
		{"bad literal", `{"active":tru}`, validate.ErrSyntax},
		{"truncated literal", `{"active":tr`, validate.ErrSyntax},
		{"NaN", `{"score":NaN}`, validate.ErrSyntax},
		{"trailing object", `{} {}`, validate.ErrTrailingData},
		{"trailing garbage", `{"name":"ab"}x`, validate.ErrTrailingData},
		{"array body", `[]`, validate.ErrNotObject},
		{"string body", `"x"`, validate.ErrNotObject},
		{"null body", `null`, validate.ErrNotObject},
		{"number body", `12`, validate.ErrNotObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := validate.Decode[Module](request(tt.body))
			de := decodeError(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, http.StatusBadRequest, de.StatusCode())
			if tt.want != validate.ErrNotObject {
				// The standard library agrees that these bodies are not valid JSON.
				assert.False(t, json.Valid([]byte(tt.body)))
			}
		})
	}
}

func TestDecodeSyntaxErrorOffset(t *testing.T) {
	t.Parallel()
	_, err := validate.Decode[Module](request(`{"name": "a", "level": 1x}`))
	de := decodeError(t, err)
	assert.Equal(t, int64(24), de.Offset)
	assert.Equal(t, "request body is not valid JSON: expected ',' or '}' at offset 24", err.Error())
}

func TestDecodeTooDeep(t *testing.T) {
	t.Parallel()
	body := `{"meta":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	_, err := validate.Decode[Module](request(body))
	assert.ErrorIs(t, err, validate.ErrSyntax)
	assert.Contains(t, err.Error(), "nests deeper than")
}

func TestDecodeDuplicateKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, path string
	}{
		{"top level", `{"name":"ab","name":"cd"}`, "name"},
		{"nested", `{"safety":{"reviewer":"a","reviewer":"b"}}`, "safety.reviewer"},
		{"escaped spelling", `{"name":"ab","n\u0061me":"cd"}`, "name"},
		{"map key", `{"labels":{"a":"x","a":"y"}}`, "labels.a"},
		{"map key escaped", `{"labels":{"a":"x","\u0061":"y"}}`, "labels.a"},
		{"free-form object", `{"meta":{"k":1,"k":{}}}`, "meta.k"},
		{"deep in free-form", `{"meta":[{"x":{"y":1,"y":2}}]}`, "meta[0].x.y"},
		{"array element", `{"items":[{"sku":"a"},{"sku":"b","sku":"c"}]}`, "items[1].sku"},
		{"unknown key", `{"zzz":1,"zzz":2}`, "zzz"},
		{"inside unknown value", `{"zzz":{"a":1,"a":2}}`, "a"},
		{"many keys", `{"labels":{` + manyKeys(40) + `,"k7":"again"}}`, "labels.k7"},
		{"invalid UTF-8 folds to the same key", "{\"labels\":{\"a\xff\":\"x\",\"a\xfe\":\"y\"}}", "labels.a\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, allow := range []bool{false, true} {
				var opts []validate.Option
				if allow {
					opts = append(opts, validate.AllowUnknownFields())
				}
				_, err := validate.Decode[Module](request(tt.body), opts...)
				de := decodeError(t, err)
				assert.ErrorIs(t, err, validate.ErrDuplicateKey)
				assert.Equal(t, http.StatusBadRequest, de.StatusCode())
				assert.Contains(t, err.Error(), fmt.Sprintf("%q", tt.path))
			}
		})
	}
}

func manyKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"k%d":"v"`, i)
	}
	return strings.Join(parts, ",")
}

func TestDecodeUnknownFields(t *testing.T) {
	t.Parallel()
	body := `{"name":"core","active":true,"x":1,"safety":{"reviewer":"a","y":{"deep":[1]}},` +
		`"items":[{"sku":"a1","qty":1},{"sku":"b2","qty":1,"z":null}],"backup":{"reviewer":"b","w":true},"ignored":"x","unexposed":"x"}`
	_, err := validate.Decode[Module](request(body))
	errs := fieldErrors(t, err)
	assert.Equal(t, []string{
		"x unknown", "safety.y unknown", "items[1].z unknown", "backup.w unknown",
		"ignored unknown", "unexposed unknown",
	}, fieldsOf(errs))
	for _, fe := range errs {
		assert.Equal(t, "unknown field", fe.Message)
	}

	// AllowUnknownFields accepts them all and decodes the rest.
	m, err := validate.Decode[Module](request(body), validate.AllowUnknownFields())
	require.NoError(t, err)
	assert.Equal(t, "core", m.Name)
	assert.Empty(t, m.Ignored)
	assert.Empty(t, m.unexposed)
}

func TestDecodeCaseMismatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body, field, param string
	}{
		{`{"Name":"core","active":true}`, "Name", "name"},
		{`{"name":"core","active":true,"NAME":"other"}`, "NAME", "name"},
		{`{"name":"core","active":true,"safety":{"Reviewer":"a"}}`, "safety.Reviewer", "reviewer"},
		{`{"name":"core","active":true,"ethicalcompliance":1,"safety":{"reviewer":"a","ETHICALCOMPLIANCE":1}}`, "safety.ETHICALCOMPLIANCE", "ethicalCompliance"},
		{"{\"name\":\"core\",\"active\":true,\"bac\u212Aup\":null}", "bac\u212Aup", "backup"}, // Kelvin sign folds to k
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			// Rejected even when unknown fields are allowed: encoding/json would match them.
			for _, opts := range [][]validate.Option{nil, {validate.AllowUnknownFields()}} {
				_, err := validate.Decode[Module](request(tt.body), opts...)
				errs := fieldErrors(t, err)
				var found bool
				for _, fe := range errs {
					if fe.Field == tt.field {
						found = true
						assert.Equal(t, "unknown", fe.Rule)
						assert.Equal(t, tt.param, fe.Param)
						assert.Equal(t, fmt.Sprintf("unknown field; did you mean %q?", tt.param), fe.Message)
					}
				}
				assert.True(t, found, "no error for %s in %v", tt.field, errs)
			}
		})
	}
}

func TestDecodeTypeMismatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       validate.FieldError
	}{
		{"string for number", `{"safety":{"ethicalCompliance":"high"}}`,
			validate.FieldError{Field: "safety.ethicalCompliance", Rule: "type", Param: "number", Message: "expected number, got string"}},
		{"object for string", `{"name":{}}`,
			validate.FieldError{Field: "name", Rule: "type", Param: "string", Message: "expected string, got object"}},
		{"number for bool", `{"active":1}`,
			validate.FieldError{Field: "active", Rule: "type", Param: "boolean", Message: "expected boolean, got number"}},
		{"array for object", `{"safety":[]}`,
			validate.FieldError{Field: "safety", Rule: "type", Param: "object", Message: "expected object, got array"}},
		{"string for array", `{"tags":"a"}`,
			validate.FieldError{Field: "tags", Rule: "type", Param: "array", Message: "expected array, got string"}},
		{"array element", `{"tags":["a",2]}`,
			validate.FieldError{Field: "tags[1]", Rule: "type", Param: "string", Message: "expected string, got number"}},
		{"field of array element", `{"items":[{"sku":"a","qty":"1"}]}`,
			validate.FieldError{Field: "items[0].qty", Rule: "type", Param: "integer", Message: "expected integer, got string"}},
		{"map value", `{"labels":{"a":1}}`,
			validate.FieldError{Field: "labels.a", Rule: "type", Param: "string", Message: "expected string, got number"}},
		{"map key", `{"limits":{"x":1}}`,
			validate.FieldError{Field: "limits.x", Rule: "type", Param: "key", Message: "invalid key for this object"}},
		{"fraction for int", `{"level":1.5}`,
			validate.FieldError{Field: "level", Rule: "type", Param: "integer", Message: "expected integer, got number"}},
		{"exponent for int", `{"level":1e1}`,
			validate.FieldError{Field: "level", Rule: "type", Param: "integer", Message: "expected integer, got number"}},
		{"int8 overflow", `{"level":128}`,
			validate.FieldError{Field: "level", Rule: "type", Param: "integer", Message: "integer out of range"}},
		{"int8 underflow", `{"level":-129}`,
			validate.FieldError{Field: "level", Rule: "type", Param: "integer", Message: "integer out of range"}},
		{"huge int", `{"level":123456789012345678901234567890}`,
			validate.FieldError{Field: "level", Rule: "type", Param: "integer", Message: "integer out of range"}},
		{"negative uint", `{"count":-1}`,
			validate.FieldError{Field: "count", Rule: "type", Param: "integer", Message: "integer out of range"}},
		{"minus zero uint", `{"count":-0}`,
			validate.FieldError{Field: "count", Rule: "type", Param: "integer", Message: "integer out of range"}},
		{"uint16 overflow", `{"count":65536}`,
			validate.FieldError{Field: "count", Rule: "type", Param: "integer", Message: "integer out of range"}},
		{"float32 overflow", `{"score":1e39}`,
			validate.FieldError{Field: "score", Rule: "type", Param: "number", Message: "number out of range"}},
		{"float32 overflow without exponent", `{"score":` + strings.Repeat("9", 40) + `}`,
			validate.FieldError{Field: "score", Rule: "type", Param: "number", Message: "number out of range"}},
		{"time not RFC 3339", `{"created":"yesterday"}`,
			validate.FieldError{Field: "created", Rule: "format", Param: "RFC 3339", Message: "must be an RFC 3339 date-time"}},
		{"time as number", `{"created":12}`,
			validate.FieldError{Field: "created", Rule: "type", Param: "string", Message: "expected string, got number"}},
		{"bad base64", `{"blob":"!!!"}`,
			validate.FieldError{Field: "blob", Rule: "format", Param: "base64", Message: "must be base64-encoded"}},
		{"array too long", `{"matrix":[1,2,3]}`,
			validate.FieldError{Field: "matrix", Rule: "type", Param: "array", Message: "expected an array of at most 2 items"}},
		{"string option not a string", `{"quoted":5}`,
			validate.FieldError{Field: "quoted", Rule: "type", Param: "string", Message: "expected string, got number"}},
		{"string option bad content", `{"quoted":"five"}`,
			validate.FieldError{Field: "quoted", Rule: "type", Param: "string", Message: "expected a string holding a JSON integer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := validate.Decode[Module](request(tt.body))
			errs := fieldErrors(t, err)
			assert.Contains(t, errs, tt.want)
		})
	}
}

func TestDecodeAllProblemsAtOnce(t *testing.T) {
	t.Parallel()
	body := `{"name":"x","active":true,"level":11,"safety":{"ethicalCompliance":"high","valueAlignment":101},` +
		`"tags":["ok","not ok","a"],"items":[{"sku":"","qty":0}],"extra":1}`
	_, err := validate.Decode[Module](request(body))
	errs := fieldErrors(t, err)
	assert.ElementsMatch(t, []string{
		"safety.ethicalCompliance type", "extra unknown",
		"name min", "level max", "safety.valueAlignment max", "safety.reviewer required",
		"tags[1] alphanum", "items[0].sku required", "items[0].qty min",
	}, fieldsOf(errs))
	assert.Contains(t, errs, validate.FieldError{Field: "safety.valueAlignment", Rule: "max", Param: "100", Message: "must be at most 100"})
	assert.Contains(t, errs, validate.FieldError{Field: "name", Rule: "min", Param: "2", Message: "must be at least 2 characters long"})
}

func TestDecodeNull(t *testing.T) {
	t.Parallel()
	base := `"name":"core","active":true,"safety":{"reviewer":"a"}`
	tests := []struct {
		name, body string
		errField   string // "" when accepted
	}{
		{"pointer", `{` + base + `,"note":null,"backup":null}`, ""},
		{"slice", `{` + base + `,"tags":null,"items":null,"blob":null}`, ""},
		{"map", `{` + base + `,"labels":null}`, ""},
		{"interface", `{` + base + `,"meta":null}`, ""},
		{"map value of pointer-free type", `{` + base + `,"labels":{"a":null}}`, "labels.a"},
		{"string", `{"name":null,"active":true,"safety":{"reviewer":"a"}}`, "name"},
		{"bool", `{"name":"core","active":null,"safety":{"reviewer":"a"}}`, "active"},
		{"number", `{` + base + `,"level":null}`, "level"},
		{"struct", `{"name":"core","active":true,"safety":null}`, "safety"},
		{"nested", `{"name":"core","active":true,"safety":{"reviewer":"a","valueAlignment":null}}`, "safety.valueAlignment"},
		{"array element", `{` + base + `,"tags":["a",null]}`, "tags[1]"},
		{"time", `{` + base + `,"created":null}`, "created"},
		{"string option", `{` + base + `,"quoted":null}`, "quoted"},
		{"string option holding null", `{` + base + `,"quoted":"null"}`, "quoted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := validate.Decode[Module](request(tt.body))
			if tt.errField == "" {
				require.NoError(t, err)
				return
			}
			errs := fieldErrors(t, err)
			assert.Contains(t, errs, validate.FieldError{Field: tt.errField, Rule: "null", Message: "must not be null"})
		})
	}
}

func TestDecodeRequiredMeansPresent(t *testing.T) {
	t.Parallel()
	type Flags struct {
		Enabled *bool  `json:"enabled" validate:"required"`
		On      bool   `json:"on" validate:"required"`
		Limit   int    `json:"limit" validate:"required"`
		Ratio   *int   `json:"ratio" validate:"required"`
		Label   string `json:"label" validate:"required"`
	}
	tests := []struct {
		name, body string
		failing    []string
	}{
		{"all present, zero values", `{"enabled":false,"on":false,"limit":0,"ratio":0,"label":"x"}`, nil},
		{"absent", `{}`, []string{"enabled required", "on required", "limit required", "ratio required", "label required"}},
		{"empty string", `{"enabled":true,"on":true,"limit":1,"ratio":1,"label":""}`, []string{"label required"}},
		{"null pointer", `{"enabled":null,"on":true,"limit":1,"ratio":null,"label":"x"}`, []string{"enabled required", "ratio required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := validate.Decode[Flags](request(tt.body))
			if tt.failing == nil {
				require.NoError(t, err)
				return
			}
			assert.Equal(t, tt.failing, fieldsOf(fieldErrors(t, err)))
		})
	}
}

func TestRequiredPresenceKeepsLaterRules(t *testing.T) {
	t.Parallel()
	// validator stops at the first failing rule, so a present 0 whose required is met by
	// presence must still be checked against the rules after required.
	type Limits struct {
		Level  int            `json:"level" validate:"required,min=1"`
		Kind   uint8          `json:"kind" validate:"required,oneof=1 2"`
		On     bool           `json:"on" validate:"required,eq=true"`
		Ratio  float64        `json:"ratio" validate:"min=0,required,lt=1"`
		Min    int            `json:"min"`
		Max    int            `json:"max" validate:"required,gtefield=Min"` // cross-field: validator's meaning
		Counts map[string]int `json:"counts" validate:"dive,required"`      // map values: validator's meaning
	}
	tests := []struct {
		name, body string
		failing    []string
	}{
		{"zeros against later rules", `{"level":0,"kind":0,"on":false,"ratio":0,"max":1}`,
			[]string{"level min", "kind oneof", "on eq"}},
		{"valid", `{"level":1,"kind":2,"on":true,"ratio":0,"max":1}`, nil},
		{"zero compared with another field", `{"level":1,"kind":1,"on":true,"ratio":0.5,"max":0}`,
			[]string{"max required"}},
		{"zero map value", `{"level":1,"kind":1,"on":true,"ratio":0.5,"max":1,"counts":{"a":0,"b":1}}`,
			[]string{"counts.a required"}},
		{"wrong type reported once", `{"level":"x","kind":1,"on":true,"ratio":0.5,"max":1}`,
			[]string{"level type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := validate.Decode[Limits](request(tt.body))
			if tt.failing == nil {
				require.NoError(t, err)
			} else {
				assert.Equal(t, tt.failing, fieldsOf(fieldErrors(t, err)))
			}
		})
	}

	// The same in a patch, with the message of the later rule.
	_, err := validate.DecodePatch[Limits](request(`{"level":0}`))
	assert.Equal(t, validate.Errors{{Field: "level", Rule: "min", Param: "1", Message: "must be at least 1"}}, fieldErrors(t, err))
	p, err := validate.DecodePatch[Limits](request(`{"on":true,"ratio":0}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"on", "ratio"}, p.Fields())
}

func TestDecodeEmbedded(t *testing.T) {
	t.Parallel()
	const id = "6f1c2a3e-8d4b-4c5a-9e7f-0a1b2c3d4e5f"
	e, err := validate.Decode[Embedded](request(`{"id":"` + id + `","title":"t","color":"red"}`))
	require.NoError(t, err)
	assert.Equal(t, id, e.ID)
	require.NotNil(t, e.Extra)
	assert.Equal(t, "red", e.Color)

	_, err = validate.Decode[Embedded](request(`{"id":"nope","title":"","color":"blue","Base":{}}`))
	errs := fieldErrors(t, err)
	assert.Equal(t, []string{"Base unknown", "id uuid", "color oneof", "title required"}, fieldsOf(errs))
}

func TestDecodeConflictingEmbeddedNames(t *testing.T) {
	t.Parallel()
	// encoding/json drops a name two embedded structs give at the same depth, and lets a
	// shallower field shadow a deeper one. validate agrees about which keys exist.
	type A struct {
		X string
		Y string
	}
	type B struct {
		X string
	}
	type C struct {
		A
		B
		Y string `json:"Y"`
	}
	_, err := validate.Decode[C](request(`{"X":"1"}`))
	assert.Equal(t, []string{"X unknown"}, fieldsOf(fieldErrors(t, err)))
	var std C
	require.NoError(t, json.Unmarshal([]byte(`{"X":"1"}`), &std))
	assert.Equal(t, C{}, std, "encoding/json ignores the conflicting name too")

	c, err := validate.Decode[C](request(`{"Y":"top"}`))
	require.NoError(t, err)
	assert.Equal(t, "top", c.Y)
	assert.Empty(t, c.A.Y)
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	bodies := []string{
		validModule,
		`{"name":"core","active":true,"safety":{"reviewer":"a"},"backup":{"reviewer":"b","valueAlignment":5.5},` +
			`"note":"n\u00e9","tags":["a","b"],"items":[{"sku":"x1","qty":2}],"labels":{"k":"v"},` +
			`"meta":{"a":[1,"2",{"b":null}],"c":true},"created":"2025-11-13T10:00:00Z","blob":"aGk=",` +
			`"matrix":[1],"limits":{"-3":4},"quoted":"42","count":65535,"score":-1.5e3,"level":-0}`,
		"{\"name\":\"\\ud83d\\ude00 \\ud800\",\"active\":true,\"safety\":{\"reviewer\":\"r\"},\"labels\":{\"\\u0000\":\"\\/\"}}",
	}
	for i, body := range bodies {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			got, err := validate.Decode[Module](request(body))
			require.NoError(t, err)
			var want Module
			require.NoError(t, json.Unmarshal([]byte(body), &want))
			assert.Equal(t, want, got)
		})
	}
}

func TestDecodeReadError(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	r := request("")
	r.Body = io.NopCloser(errReader{cause})
	r.ContentLength = -1
	_, err := validate.Decode[Module](r)
	de := decodeError(t, err)
	assert.Equal(t, http.StatusBadRequest, de.StatusCode())
	assert.ErrorIs(t, err, validate.ErrRead)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "request body could not be read", err.Error())

	r = request("")
	r.Body = nil
	_, err = validate.Decode[Module](r)
	assert.ErrorIs(t, err, validate.ErrEmptyBody)
}

func TestDecodeCustomUnmarshalerError(t *testing.T) {
	t.Parallel()
	type Doc struct {
		When  time.Time   `json:"when"`
		Level strictLevel `json:"level"`
	}
	_, err := validate.Decode[Doc](request(`{"when":"2025-01-02T03:04:05Z","level":"loud"}`))
	errs := fieldErrors(t, err)
	assert.Equal(t, validate.Errors{{Field: "level", Rule: "format", Message: "has an invalid format"}}, errs)

	d, err := validate.Decode[Doc](request(`{"when":"2025-01-02T03:04:05Z","level":"quiet"}`))
	require.NoError(t, err)
	assert.Equal(t, strictLevel("quiet"), d.Level)
}

// strictLevel accepts only "quiet".
type strictLevel string

func (l *strictLevel) UnmarshalText(b []byte) error {
	if string(b) != "quiet" {
		return errors.New("bad level " + string(b))
	}
	*l = strictLevel(b)
	return nil
}

func TestDecodeNeverEchoesValues(t *testing.T) {
	t.Parallel()
	const secret = "SuperSecret123"
	type Login struct {
		User     string `json:"user" validate:"required,email"`
		Password string `json:"password" validate:"min=20,alpha"`
		PIN      int    `json:"pin" validate:"oneof=1 2"`
	}
	bodies := []string{
		`{"user":"` + secret + `","password":"` + secret + `","pin":3}`,
		`{"user":` + "123" + `,"password":{"` + secret + `":1}}`,
		`{"user":"a@b.c","password":"` + secret + `","` + secret + `":1}`,
		`{"user":"a@b.c","password":"` + secret + `"`,
	}
	for _, body := range bodies {
		_, err := validate.Decode[Login](request(body))
		require.Error(t, err)
		msg := err.Error()
		out, jerr := json.Marshal(err)
		require.NoError(t, jerr)
		if strings.Contains(body, `"`+secret+`":1`) && !strings.Contains(body, "password\":{") {
			continue // an unknown key is reported by name: keys are names, not values
		}
		assert.NotContains(t, msg, secret)
		assert.NotContains(t, string(out), secret)
	}
}

func TestDecodeUnknownKeyIsSanitized(t *testing.T) {
	t.Parallel()
	key := "evil\\nkey" + strings.Repeat("z", 200)
	_, err := validate.Decode[Module](request(`{"` + key + `":1}`))
	errs := fieldErrors(t, err)
	require.Equal(t, "unknown", errs[0].Rule)
	assert.Equal(t, "evil\uFFFDkey"+strings.Repeat("z", 64-len("evil\uFFFDkey"))+"…", errs[0].Field)
}

func TestDecodeNotAStruct(t *testing.T) {
	t.Parallel()
	_, err := validate.Decode[[]int](request(`[1]`))
	require.Error(t, err)
	var sc statusCoder
	assert.False(t, errors.As(err, &sc), "a programming error must not look like a client error")
	assert.Contains(t, err.Error(), "must be a struct")
}

func TestErrorContract(t *testing.T) {
	t.Parallel()
	_, err := validate.Decode[Module](request(`{"name":"x","active":true,"safety":{"reviewer":"a"}}`))
	var vd validationDetails
	require.ErrorAs(t, err, &vd)
	details, ok := vd.ValidationDetails().([]validate.FieldError)
	require.True(t, ok)
	out, jerr := json.Marshal(details)
	require.NoError(t, jerr)
	assert.JSONEq(t, `[{"field":"name","rule":"min","param":"2","message":"must be at least 2 characters long"}]`, string(out))
	assert.Equal(t, "validation failed: name: must be at least 2 characters long", err.Error())
	var sc statusCoder
	assert.False(t, errors.As(err, &sc), "validation errors are rendered through ValidationDetails")

	for _, tt := range []struct {
		req    *http.Request
		status int
	}{
		{requestCT(validModule, "text/plain"), 415},
		{request(`{"name":`), 400},
		{request(`{"a":1,"a":2}`), 400},
	} {
		_, err := validate.Decode[Module](tt.req)
		require.ErrorAs(t, err, &sc)
		assert.Equal(t, tt.status, sc.StatusCode())
		assert.False(t, errors.As(err, &vd), "decode errors are not validation errors")
	}
}

func TestDecodeManyProblemsAreCapped(t *testing.T) {
	t.Parallel()
	keys := make([]string, 50000)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"u%d":0`, i)
	}
	body := "{" + strings.Join(keys, ",") + "}"
	_, err := validate.Decode[Module](request(body))
	errs := fieldErrors(t, err)
	require.Len(t, errs, 101)
	assert.Equal(t, validate.FieldError{Rule: "limit", Param: "100", Message: "too many problems; only the first 100 are listed"}, errs[100])

	// Repeated unknown keys are still found among many.
	_, err = validate.Decode[Module](request("{" + strings.Join(keys, ",") + `,"u49999":1}`))
	assert.ErrorIs(t, err, validate.ErrDuplicateKey)

	type List struct {
		Items []Item `json:"items" validate:"dive"`
	}
	items := strings.TrimSuffix(strings.Repeat(`{"sku":"","qty":1},`, 300), ",")
	_, err = validate.Decode[List](request(`{"items":[` + items + `]}`))
	errs = fieldErrors(t, err)
	require.Len(t, errs, 101)
	assert.Equal(t, "limit", errs[100].Rule)
}

// optionalName is a nullable wrapper with its own UnmarshalJSON, a common pattern.
type optionalName struct {
	Name  string
	Valid bool
}

func (o *optionalName) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = optionalName{}
		return nil
	}
	o.Valid = true
	return json.Unmarshal(b, &o.Name)
}

// strictName refuses null.
type strictName string

func (s *strictName) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return errors.New("null")
	}
	var v string
	err := json.Unmarshal(b, &v)
	*s = strictName(v)
	return err
}

func TestDecodeNullWithCustomUnmarshaler(t *testing.T) {
	t.Parallel()
	type Doc struct {
		Opt    optionalName  `json:"opt"`
		Strict strictName    `json:"strict"`
		PtrOpt *optionalName `json:"ptrOpt"`
	}
	d, err := validate.Decode[Doc](request(`{"opt":null,"ptrOpt":null,"strict":"s"}`))
	require.NoError(t, err)
	assert.False(t, d.Opt.Valid)
	assert.Nil(t, d.PtrOpt)

	d, err = validate.Decode[Doc](request(`{"opt":"x","strict":"s"}`))
	require.NoError(t, err)
	assert.Equal(t, optionalName{Name: "x", Valid: true}, d.Opt)

	_, err = validate.Decode[Doc](request(`{"strict":null}`))
	assert.Equal(t, validate.Errors{{Field: "strict", Rule: "null", Message: "must not be null"}}, fieldErrors(t, err))
}

func TestDecodeFieldEncodingJSONCannotFill(t *testing.T) {
	t.Parallel()
	type Doc struct {
		Name fmt.Stringer `json:"name"`
		N    int          `json:"n" validate:"max=1"`
	}
	_, err := validate.Decode[Doc](request(`{"name":"x","n":2}`))
	assert.Equal(t, validate.Errors{
		{Field: "name", Rule: "type", Message: "cannot be decoded into this field"},
		{Field: "n", Rule: "max", Param: "1", Message: "must be at most 1"},
	}, fieldErrors(t, err))
}

// flakyCalls makes flaky's UnmarshalJSON fail on every second call: the pre-pass accepts the
// value and encoding/json then rejects it, the one way decoding can fail after the pre-pass.
var flakyCalls atomic.Int64

type flaky struct{}

func (*flaky) UnmarshalJSON([]byte) error {
	if flakyCalls.Add(1)%2 == 0 {
		return errors.New("flaky: internal detail")
	}
	return nil
}

func TestDecodeUnexpectedDecodeFailure(t *testing.T) {
	t.Parallel()
	type Doc struct {
		N int   `json:"n"`
		F flaky `json:"f"`
	}
	flakyCalls.Store(0)
	d, err := validate.Decode[Doc](request(`{"n":5,"f":1}`))
	assert.Equal(t, Doc{}, d, "no half-decoded value on error")
	de := decodeError(t, err)
	assert.Equal(t, http.StatusBadRequest, de.StatusCode())
	assert.ErrorIs(t, err, validate.ErrRead)
	assert.Equal(t, "request body could not be decoded", err.Error())
	require.Len(t, de.Unwrap(), 2)
	assert.ErrorContains(t, de.Unwrap()[1], "internal detail", "the cause stays available for logs")
}

func TestPresenceFoundAfterScalarElements(t *testing.T) {
	t.Parallel()
	// Only object and array elements are recorded; finding element i must still land on the
	// right one when scalars (here null) come first, or the required waiver would be lost.
	type El struct {
		N int `json:"n" validate:"required,min=1"`
		M int `json:"m" validate:"required"`
	}
	type List struct {
		Items []*El          `json:"items" validate:"dive"`
		ByKey map[string]*El `json:"byKey" validate:"dive"`
	}
	_, err := validate.Decode[List](request(`{"items":[null,{"n":0,"m":0},{"n":0}],"byKey":{"a":null,"b":{"n":0}}}`))
	assert.ElementsMatch(t, []string{"items[1].n min", "items[2].n min", "items[2].m required", "byKey.b.n min", "byKey.b.m required"},
		fieldsOf(fieldErrors(t, err)))
}
