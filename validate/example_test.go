package validate_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/nexuskit/nexus/validate"
)

// SafetyStatus is the NEXUS safety status: the same struct serves create and PATCH.
type SafetyStatus struct {
	EthicalCompliance float64  `json:"ethicalCompliance" validate:"min=0,max=100"`
	ValueAlignment    float64  `json:"valueAlignment" validate:"min=0,max=100"`
	Reviewer          string   `json:"reviewer" validate:"required,max=40"`
	Notes             *string  `json:"notes" validate:"omitempty,max=200"`
	Flags             []string `json:"flags" validate:"max=5,dive,alphanum"`
}

func post(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/safety-status", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func ExampleDecode() {
	// A create endpoint: the whole struct is validated, every problem reported at once.
	_, err := validate.Decode[SafetyStatus](post(`{"ethicalCompliance":"high","valueAlignment":120,"reviewr":"ana"}`))
	details, _ := json.MarshalIndent(err, "", "  ")
	fmt.Println(string(details))

	s, err := validate.Decode[SafetyStatus](post(`{"ethicalCompliance":97.5,"valueAlignment":99,"reviewer":"ana"}`))
	fmt.Println(s.Reviewer, s.EthicalCompliance, err)
	// Output:
	// [
	//   {
	//     "field": "ethicalCompliance",
	//     "rule": "type",
	//     "param": "number",
	//     "message": "expected number, got string"
	//   },
	//   {
	//     "field": "reviewr",
	//     "rule": "unknown",
	//     "param": "",
	//     "message": "unknown field"
	//   },
	//   {
	//     "field": "valueAlignment",
	//     "rule": "max",
	//     "param": "100",
	//     "message": "must be at most 100"
	//   },
	//   {
	//     "field": "reviewer",
	//     "rule": "required",
	//     "param": "",
	//     "message": "is required"
	//   }
	// ]
	// ana 97.5 <nil>
}

func ExampleDecodePatch() {
	notes := "initial audit"
	stored := SafetyStatus{EthicalCompliance: 90, ValueAlignment: 95, Reviewer: "ana", Notes: &notes, Flags: []string{"audited"}}

	// A PATCH: only present fields are validated (reviewer is required but absent: fine),
	// null clears a pointer, and Apply touches exactly the present fields.
	p, err := validate.DecodePatch[SafetyStatus](post(`{"valueAlignment":97,"notes":null}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Fields(), p.Has("reviewer"))
	p.Apply(&stored)
	fmt.Printf("%+v notes=%v\n", stored.ValueAlignment, stored.Notes)

	// A present field must be valid, even when empty.
	_, err = validate.DecodePatch[SafetyStatus](post(`{"reviewer":""}`))
	fmt.Println(err)
	// Output:
	// [valueAlignment notes] false
	// 97 notes=<nil>
	// validation failed: reviewer: is required
}

func ExampleStruct() {
	err := validate.Struct(SafetyStatus{EthicalCompliance: -1, Reviewer: "ana", Flags: []string{"ok", "not ok"}})
	fmt.Println(err)
	// Output:
	// validation failed: ethicalCompliance: must be at least 0; flags[1]: must contain only letters and digits
}
