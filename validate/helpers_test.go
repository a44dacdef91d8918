package validate_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"time"
)

// Safety is the nested object of the tests, after the NEXUS safety status.
type Safety struct {
	EthicalCompliance float64 `json:"ethicalCompliance" validate:"min=0,max=100"`
	ValueAlignment    float64 `json:"valueAlignment" validate:"min=0,max=100"`
	Reviewer          string  `json:"reviewer" validate:"required"`
}

// Item is an array element of the tests.
type Item struct {
	SKU string `json:"sku" validate:"required,alphanum"`
	Qty int    `json:"qty" validate:"min=1"`
}

// Module exercises every kind of field the pre-pass handles.
type Module struct {
	Name      string            `json:"name" validate:"required,min=2,max=20"`
	Active    bool              `json:"active" validate:"required"`
	Level     int8              `json:"level" validate:"min=0,max=10"`
	Count     uint16            `json:"count"`
	Score     float32           `json:"score"`
	Safety    Safety            `json:"safety"`
	Backup    *Safety           `json:"backup"`
	Note      *string           `json:"note" validate:"omitempty,max=10"`
	Tags      []string          `json:"tags" validate:"max=3,dive,alphanum"`
	Items     []Item            `json:"items" validate:"dive"`
	Labels    map[string]string `json:"labels"`
	Meta      any               `json:"meta"`
	Created   time.Time         `json:"created"`
	Blob      []byte            `json:"blob"`
	Matrix    [2]int            `json:"matrix"`
	Limits    map[int]int       `json:"limits"`
	Quoted    int               `json:"quoted,string"`
	Ignored   string            `json:"-"`
	unexposed string            // must be invisible to JSON
}

// Base is promoted into Embedded, as encoding/json promotes untagged embedded structs.
type Base struct {
	ID string `json:"id" validate:"required,uuid"`
}

// Embedded has promoted fields and a pointer to an embedded struct.
type Embedded struct {
	Base
	*Extra
	Title string `json:"title" validate:"required"`
}

// Extra is embedded by pointer.
type Extra struct {
	Color string `json:"color" validate:"omitempty,oneof=red green"`
}

// request builds a JSON POST request.
func request(body string) *http.Request {
	return requestCT(body, "application/json")
}

func requestCT(body, ct string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/modules", bytes.NewBufferString(body))
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	return r
}

// errReader fails every read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

var _ io.Reader = errReader{}
