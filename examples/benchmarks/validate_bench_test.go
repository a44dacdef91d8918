package benchmarks

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/nexuskit/nexus/validate"
)

// benchModule is the 10-field struct of the validate benchmarks (issue 4).
type benchModule struct {
	Name              string   `json:"name" validate:"required,min=1,max=64"`
	Description       string   `json:"description" validate:"max=500"`
	Kind              string   `json:"kind" validate:"required,oneof=core auxiliary experimental"`
	Level             int      `json:"level" validate:"min=0,max=10"`
	EthicalCompliance float64  `json:"ethicalCompliance" validate:"min=0,max=100"`
	ValueAlignment    float64  `json:"valueAlignment" validate:"min=0,max=100"`
	Active            bool     `json:"active"`
	OwnerEmail        string   `json:"ownerEmail" validate:"required,email"`
	Tags              []string `json:"tags" validate:"max=10,dive,alphanum"`
	Version           string   `json:"version" validate:"required,max=16"`
}

var (
	createBody = []byte(`{"name":"ethics-core","description":"Guards value alignment of every response.",` +
		`"kind":"core","level":7,"ethicalCompliance":98.5,"valueAlignment":97.25,"active":true,` +
		`"ownerEmail":"safety@nexus.example","tags":["ethics","alignment","core"],"version":"2.4.1"}`)
	patchBody = []byte(`{"ethicalCompliance":99.5,"active":false,"tags":["ethics","audited"]}`)
)

// benchValidator is the baseline's validator, configured as validate's own.
var benchValidator = sync.OnceValue(func() *validator.Validate {
	return validator.New(validator.WithRequiredStructEnabled())
})

// newBenchRequest returns a POST request whose body is reset to body on every call.
func newBenchRequest(body []byte) (*http.Request, func()) {
	r := httptest.NewRequest(http.MethodPost, "/api/modules", nil)
	r.Header.Set("Content-Type", "application/json")
	rd := bytes.NewReader(body)
	return r, func() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		r.ContentLength = int64(len(body))
	}
}

// BenchmarkValidateBaseline is what a handler does without validate: read the body,
// json.Unmarshal it, validator.Struct the result. No strictness, no partial validation.
func BenchmarkValidateBaseline(b *testing.B) {
	v := benchValidator()
	r, reset := newBenchRequest(createBody)
	b.ReportAllocs()
	b.SetBytes(int64(len(createBody)))
	for b.Loop() {
		reset()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			b.Fatal(err)
		}
		var m benchModule
		if err := json.Unmarshal(body, &m); err != nil {
			b.Fatal(err)
		}
		if err := v.Struct(&m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateBaselinePatch is the baseline on the 3-field patch body. validator.Struct
// on a partial body fails `required`, which is the problem validate solves; the baseline
// still pays for the whole-struct validation.
func BenchmarkValidateBaselinePatch(b *testing.B) {
	v := benchValidator()
	r, reset := newBenchRequest(patchBody)
	b.ReportAllocs()
	b.SetBytes(int64(len(patchBody)))
	for b.Loop() {
		reset()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			b.Fatal(err)
		}
		var m benchModule
		if err := json.Unmarshal(body, &m); err != nil {
			b.Fatal(err)
		}
		_ = v.Struct(&m)
	}
}

// BenchmarkValidateDecode is validate.Decode on the create body.
func BenchmarkValidateDecode(b *testing.B) {
	r, reset := newBenchRequest(createBody)
	b.ReportAllocs()
	b.SetBytes(int64(len(createBody)))
	for b.Loop() {
		reset()
		if _, err := validate.Decode[benchModule](r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateDecodePatch is validate.DecodePatch on the 3-field patch body.
func BenchmarkValidateDecodePatch(b *testing.B) {
	r, reset := newBenchRequest(patchBody)
	b.ReportAllocs()
	b.SetBytes(int64(len(patchBody)))
	for b.Loop() {
		reset()
		p, err := validate.DecodePatch[benchModule](r)
		if err != nil {
			b.Fatal(err)
		}
		if !p.Has("ethicalCompliance") {
			b.Fatal("patch lost a field")
		}
	}
}
