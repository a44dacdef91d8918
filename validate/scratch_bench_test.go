package validate_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/nexuskit/nexus/validate"
)

type sLeaf struct {
	Qty int `json:"qty" validate:"min=1"`
}
type sNode struct {
	Child *sNode  `json:"child"`
	Items []sLeaf `json:"items" validate:"dive"`
}

func chain(depth int, bottom string) []byte {
	return []byte(strings.Repeat(`{"child":`, depth) + bottom + strings.Repeat(`}`, depth))
}

func leaves(n int, leaf string) string {
	return `{"items":[` + strings.TrimSuffix(strings.Repeat(leaf+",", n), ",") + `]}`
}

func BenchmarkScratch(b *testing.B) {
	v := validator.New(validator.WithRequiredStructEnabled())
	shapes := map[string][]byte{
		"deep":     chain(9000, `{}`),
		"deepfail": chain(9000, leaves(9000, `{"qty":0}`)),
		"deeptype": chain(9000, leaves(9000, `{"qty":"x"}`)),
		"widefail": []byte(leaves(50000, `{"qty":0}`)),
	}
	for name, body := range shapes {
		b.Run(name+"/base", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var n sNode
				_ = json.Unmarshal(body, &n)
				_ = v.Struct(&n)
			}
		})
		for _, fn := range []string{"decode", "patch"} {
			b.Run(name+"/"+fn, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					r := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(bytes.NewReader(body)))
					r.Header.Set("Content-Type", "application/json")
					var err error
					if fn == "decode" {
						_, err = validate.Decode[sNode](r)
					} else {
						_, err = validate.DecodePatch[sNode](r)
					}
					_ = err
				}
			})
		}
	}
}
