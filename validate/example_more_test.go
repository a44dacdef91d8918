package validate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/validate"
)

// A create handler: Decode's errors go to respond.Error, which renders them without either
// package importing the other (Errors has ValidationDetails, *DecodeError has StatusCode).
// The client gets every problem at once, by JSON path, never the value it sent.
func ExampleDecode_handler() {
	create := func(w http.ResponseWriter, r *http.Request) {
		s, err := validate.Decode[SafetyStatus](r)
		if err != nil {
			respond.Error(w, r, err)
			return
		}
		// ... store s, then:
		respond.JSON(w, r, http.StatusCreated, s)
	}

	for _, body := range []string{
		`{"ethicalCompliance":-3,"valueAlignment":99,"reviewer":"ana","flags":["ok","no way"]}`,
		`{"reviewer":"ana","reviewer":"bob"}`, // duplicate key: a 400 of its own
		`{"reviewer":"ana"} {"reviewer":"bob"}`,
	} {
		rec := httptest.NewRecorder()
		create(rec, post(body))
		var envelope struct{ Error json.RawMessage } // success:false, error, timestamp
		_ = json.Unmarshal(rec.Body.Bytes(), &envelope)
		fmt.Println(rec.Code, string(envelope.Error))
	}

	// Not JSON: 415 before the body is read.
	r := post(`reviewer=ana`)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	create(rec, r)
	fmt.Println(rec.Code)
	// Output:
	// 400 {"code":"VALIDATION_ERROR","message":"request validation failed","details":[{"field":"ethicalCompliance","rule":"min","param":"0","message":"must be at least 0"},{"field":"flags[1]","rule":"alphanum","param":"","message":"must contain only letters and digits"}]}
	// 400 {"code":"BAD_REQUEST","message":"request body has duplicate key \"reviewer\""}
	// 400 {"code":"BAD_REQUEST","message":"request body has data after the JSON value at offset 19"}
	// 415
}

// An update handler: DecodePatch validates only what was sent, Has and IsNull tell absent
// from null, and Apply merges the patch into the stored value as RFC 7396 says (objects and
// maps merged member by member, arrays replaced whole, null clears).
func ExampleDecodePatch_apply() {
	type Settings struct {
		Theme  string            `json:"theme" validate:"required,oneof=light dark"`
		Labels map[string]string `json:"labels" validate:"dive,max=10"`
		Tags   []string          `json:"tags" validate:"dive,alphanum"`
		Note   *string           `json:"note" validate:"omitempty,max=20"`
	}
	note := "keep"
	stored := Settings{Theme: "light", Labels: map[string]string{"team": "blue", "tier": "1"}, Tags: []string{"a", "b"}, Note: &note}

	p, err := validate.DecodePatch[Settings](post(`{"labels":{"tier":"2","env":"prod"},"tags":["c"],"note":null}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Has("theme"), p.Has("labels.tier"), p.IsNull("note"))
	p.Apply(&stored)
	fmt.Println(stored.Theme, stored.Labels, stored.Tags, stored.Note)

	// Present fields are checked, inside maps and arrays too.
	_, err = validate.DecodePatch[Settings](post(`{"theme":"blue","labels":{"env":"production-eu-west"},"tags":["c d"]}`))
	fmt.Println(err)
	// Output:
	// false true true
	// light map[env:prod team:blue tier:2] [c] <nil>
	// validation failed: theme: must be one of: light, dark; labels.env: must be at most 10 characters long; tags[0]: must contain only letters and digits
}

// MaxBytes sets the body limit (1 MiB by default). A larger body is a 413 before it is read
// in full; the error matches ErrTooLarge and wraps the *http.MaxBytesError.
func ExampleMaxBytes() {
	body := `{"reviewer":"ana","notes":"` + strings.Repeat("x", 300) + `"}`
	_, err := validate.Decode[SafetyStatus](post(body), validate.MaxBytes(256))

	var de *validate.DecodeError
	var mbe *http.MaxBytesError
	fmt.Println(errors.Is(err, validate.ErrTooLarge), errors.As(err, &de), de.StatusCode())
	fmt.Println(errors.As(err, &mbe), mbe.Limit)
	fmt.Println(err)
	// Output:
	// true true 413
	// true 256
	// request body is larger than the limit of 256 bytes
}

// Bodies nested deeper than MaxDepth are refused before anything is decoded.
func ExampleDecode_tooDeep() {
	body := `{"reviewer":"ana","flags":` + strings.Repeat("[", validate.MaxDepth+1) + strings.Repeat("]", validate.MaxDepth+1) + `}`
	_, err := validate.Decode[SafetyStatus](post(body))
	fmt.Println(errors.Is(err, validate.ErrTooDeep), errors.Is(err, validate.ErrSyntax))
	// Output:
	// true true
}

// AllowUnknownFields ignores keys that match no field (by default each is an "unknown"
// error); a key that matches a field only by case is still refused.
func ExampleAllowUnknownFields() {
	body := `{"reviewer":"ana","client":"web/2.1","Notes":"x"}`
	_, err := validate.Decode[SafetyStatus](post(body))
	fmt.Println(err)
	_, err = validate.Decode[SafetyStatus](post(body), validate.AllowUnknownFields())
	fmt.Println(err)
	// Output:
	// validation failed: client: unknown field; Notes: unknown field; did you mean "notes"?
	// validation failed: Notes: unknown field; did you mean "notes"?
}

// WithValidator brings custom tags: register them on a validator made once, before the
// first request. Fields are still named by their JSON paths.
func ExampleWithValidator() {
	v := validator.New(validator.WithRequiredStructEnabled())
	if err := v.RegisterValidation("moduleid", func(fl validator.FieldLevel) bool {
		return strings.HasPrefix(fl.Field().String(), "mod-")
	}); err != nil {
		panic(err)
	}
	type Assignment struct {
		Module string `json:"moduleId" validate:"required,moduleid"`
	}
	_, err := validate.Decode[Assignment](post(`{"moduleId":"42"}`), validate.WithValidator(v))
	fmt.Println(err)
	// Output:
	// validation failed: moduleId: must satisfy the moduleid rule
}
