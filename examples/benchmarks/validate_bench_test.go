package benchmarks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/nexuskit/nexus/validate"
)

// validateModule is the 10-field struct of the validate benchmarks (issue 4).
type validateModule struct {
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
		var m validateModule
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
		var m validateModule
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
		if _, err := validate.Decode[validateModule](r); err != nil {
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
		p, err := validate.DecodePatch[validateModule](r)
		if err != nil {
			b.Fatal(err)
		}
		if !p.Has("ethicalCompliance") {
			b.Fatal("patch lost a field")
		}
	}
}

// BenchmarkValidateRatio measures validate against the baseline interleaved, in batches of
// 32 operations each (alternating which goes first), so that load from other processes hits both sides alike. It reports
// both costs and their ratio ("x-baseline"), the figure the README quotes.
func BenchmarkValidateRatio(b *testing.B) {
	v := benchValidator()
	baseline := func(body []byte) func() {
		r, reset := newBenchRequest(body)
		return func() {
			reset()
			raw, err := io.ReadAll(r.Body)
			if err != nil {
				b.Fatal(err)
			}
			var m validateModule
			if err := json.Unmarshal(raw, &m); err != nil {
				b.Fatal(err)
			}
			_ = v.Struct(&m)
		}
	}
	cases := []struct {
		name      string
		baseline  func()
		candidate func()
	}{
		{"Decode", baseline(createBody), func() func() {
			r, reset := newBenchRequest(createBody)
			return func() {
				reset()
				if _, err := validate.Decode[validateModule](r); err != nil {
					b.Fatal(err)
				}
			}
		}()},
		{"DecodePatch", baseline(patchBody), func() func() {
			r, reset := newBenchRequest(patchBody)
			return func() {
				reset()
				if _, err := validate.DecodePatch[validateModule](r); err != nil {
					b.Fatal(err)
				}
			}
		}()},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			const batch = 32
			var base, cand time.Duration
			n := 0
			for b.Loop() {
				if n%batch == 0 {
					// Alternate which side goes first, so neither always inherits the
					// other's garbage or a cold cache.
					if (n/batch)%2 == 0 {
						base += timeBatch(batch, c.baseline)
						cand += timeBatch(batch, c.candidate)
					} else {
						cand += timeBatch(batch, c.candidate)
						base += timeBatch(batch, c.baseline)
					}
				}
				n++
			}
			ops := float64((n + batch - 1) / batch * batch)
			b.ReportMetric(float64(base.Nanoseconds())/ops, "baseline-ns/op")
			b.ReportMetric(float64(cand.Nanoseconds())/ops, "validate-ns/op")
			b.ReportMetric(float64(cand)/float64(base), "x-baseline")
		})
	}
}

func timeBatch(n int, op func()) time.Duration {
	start := time.Now()
	for range n {
		op()
	}
	return time.Since(start)
}

// BenchmarkValidateDecodePatchLarge guards against quadratic work on big bodies: a patch of n
// map entries (each a struct validated with dive) and a create body of n array elements whose
// required is met by presence. ns/entry should stay flat as n grows.
func BenchmarkValidateDecodePatchLarge(b *testing.B) {
	type entry struct {
		SKU string `json:"sku" validate:"required,alphanum"`
		Qty int    `json:"qty" validate:"required,min=0"`
	}
	type fleet struct {
		Ships map[string]entry `json:"ships" validate:"dive"`
		Items []entry          `json:"items" validate:"dive"`
	}
	for _, n := range []int{1000, 16000} {
		var sb bytes.Buffer
		sb.WriteString(`{"ships":{`)
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `"s%d":{"qty":0}`, i)
		}
		sb.WriteString(`},"items":[`)
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`{"sku":"a1","qty":0}`)
		}
		sb.WriteString(`]}`)
		body := sb.Bytes()
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r, reset := newBenchRequest(body)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				reset()
				if _, err := validate.DecodePatch[fleet](r, validate.MaxBytes(int64(len(body)))); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*n), "ns/entry")
		})
	}
}

// benchLeaf and benchNode are the self-referencing type of the hostile-body benchmarks
// (issue 11): a chain of children, each with an array of leaves validated with dive.
type benchLeaf struct {
	Qty int    `json:"qty" validate:"min=1"`
	SKU string `json:"sku" validate:"omitempty,alphanum,max=16"`
}

type benchNode struct {
	Child *benchNode  `json:"child"`
	Name  string      `json:"name" validate:"omitempty,max=64"`
	Items []benchLeaf `json:"items" validate:"dive"`
}

// hostileShapes are bodies under the 1 MiB default limit that used to cost validate far more
// than the baseline: deep chains, many failing leaves, both at once, type errors deep down,
// and a valid body of many elements.
func hostileShapes() []struct {
	name string
	body []byte
} {
	chain := func(depth int, bottom string) []byte {
		return []byte(strings.Repeat(`{"child":`, depth) + bottom + strings.Repeat(`}`, depth))
	}
	leaves := func(n int, leaf string) string {
		return `{"name":"n","items":[` + strings.TrimSuffix(strings.Repeat(leaf+",", n), ",") + `]}`
	}
	return []struct {
		name string
		body []byte
	}{
		{"deep-valid", chain(9000, `{"name":"bottom"}`)},
		{"deep-failing", chain(9000, leaves(9000, `{"qty":0}`))},
		{"deep-type-errors", chain(9000, leaves(9000, `{"qty":"x"}`))},
		{"wide-failing", []byte(leaves(60000, `{"qty":0}`))},
		{"wide-valid", []byte(leaves(30000, `{"qty":1,"sku":"a1b2"}`))},
		{"deep-wide", chain(5000, leaves(20000, `{"qty":2,"sku":"Z"}`))},
	}
}

// BenchmarkValidateHostile measures Decode and DecodePatch against the baseline (io.ReadAll +
// json.Unmarshal + validator.Struct) on the same body, for the create and patch bodies above
// and for the hostile shapes. Each iteration runs both sides, alternating which goes first,
// and measures each side's time and allocated bytes (runtime.MemStats.TotalAlloc, read
// outside the timed part). It reports "cpu-x" and "bytes-x", the ratios the README quotes
// (goal: at most 4 for both), and each side's ns/op and B/op.
func BenchmarkValidateHostile(b *testing.B) {
	v := benchValidator()
	type shape struct {
		name          string
		body          []byte
		decode, patch func(*http.Request) error
		base          func([]byte) error
	}
	nodeBase := func(body []byte) error {
		var n benchNode
		if err := json.Unmarshal(body, &n); err != nil {
			return nil // a type error: encoding/json still decoded the rest, as validate's
		}
		_ = v.Struct(&n)
		return nil
	}
	nodeDecode := func(r *http.Request) error { _, err := validate.Decode[benchNode](r); return err }
	nodePatch := func(r *http.Request) error { _, err := validate.DecodePatch[benchNode](r); return err }
	moduleBase := func(body []byte) error {
		var m validateModule
		if err := json.Unmarshal(body, &m); err != nil {
			return err
		}
		_ = v.Struct(&m)
		return nil
	}
	shapes := []shape{
		{"create", createBody, func(r *http.Request) error { _, err := validate.Decode[validateModule](r); return err },
			func(r *http.Request) error { _, err := validate.DecodePatch[validateModule](r); return err }, moduleBase},
		{"patch", patchBody, nil,
			func(r *http.Request) error { _, err := validate.DecodePatch[validateModule](r); return err }, moduleBase},
	}
	for _, s := range hostileShapes() {
		shapes = append(shapes, shape{s.name, s.body, nodeDecode, nodePatch, nodeBase})
	}
	for _, s := range shapes {
		for _, fn := range []string{"Decode", "DecodePatch"} {
			cand := s.decode
			if fn == "DecodePatch" {
				cand = s.patch
			}
			if cand == nil {
				continue
			}
			b.Run(s.name+"/"+fn, func(b *testing.B) {
				if len(s.body) >= int(validate.DefaultMaxBytes) {
					b.Fatalf("body of %d bytes is over the limit", len(s.body))
				}
				batch := 1
				if len(s.body) < 64<<10 {
					batch = 32
				}
				rb, resetB := newBenchRequest(s.body)
				rc, resetC := newBenchRequest(s.body)
				baseOp := func() {
					resetB()
					raw, err := io.ReadAll(rb.Body)
					if err != nil {
						b.Fatal(err)
					}
					if err := s.base(raw); err != nil {
						b.Fatal(err)
					}
				}
				candOp := func() {
					resetC()
					_ = cand(rc)
				}
				measure := func(op func()) (time.Duration, uint64) {
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					before := ms.TotalAlloc
					d := timeBatch(batch, op)
					runtime.ReadMemStats(&ms)
					return d, ms.TotalAlloc - before
				}
				var baseT, candT time.Duration
				var baseB, candB uint64
				n := 0
				for b.Loop() {
					if n%batch == 0 {
						var bt, ct time.Duration
						var bb, cb uint64
						if (n/batch)%2 == 0 {
							bt, bb = measure(baseOp)
							ct, cb = measure(candOp)
						} else {
							ct, cb = measure(candOp)
							bt, bb = measure(baseOp)
						}
						baseT, candT, baseB, candB = baseT+bt, candT+ct, baseB+bb, candB+cb
					}
					n++
				}
				ops := float64((n + batch - 1) / batch * batch)
				b.SetBytes(int64(len(s.body)))
				b.ReportMetric(float64(baseT.Nanoseconds())/ops, "baseline-ns/op")
				b.ReportMetric(float64(candT.Nanoseconds())/ops, "validate-ns/op")
				b.ReportMetric(float64(baseB)/ops, "baseline-B/op")
				b.ReportMetric(float64(candB)/ops, "validate-B/op")
				b.ReportMetric(float64(candT)/float64(baseT), "cpu-x")
				b.ReportMetric(float64(candB)/float64(baseB), "bytes-x")
			})
		}
	}
}

// BenchmarkValidateDecodePatchDeep guards against work that grows with the square of the
// nesting depth (issue 11): DecodePatch and Patch.Fields on a chain of n nested objects of a
// self-referencing type. ns/level should stay flat as n grows.
func BenchmarkValidateDecodePatchDeep(b *testing.B) {
	for _, n := range []int{1000, 9000} {
		body := []byte(strings.Repeat(`{"child":`, n) + `{"items":[{"qty":1}]}` + strings.Repeat(`}`, n))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r, reset := newBenchRequest(body)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				reset()
				p, err := validate.DecodePatch[benchNode](r)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Fields()) != n+1 {
					b.Fatal("lost a field")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/level")
		})
	}
}
