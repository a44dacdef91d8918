package validate_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"
)

// Regression tests for issue 11: validation bypasses, cost cliffs and wrong answers.

// Settings sets defaults in its own UnmarshalJSON: the "alias type" pattern.
type Settings struct {
	Name  string `json:"name" validate:"required,max=5"`
	Level int    `json:"level" validate:"min=1,max=10"`
}

func (s *Settings) UnmarshalJSON(b []byte) error {
	type alias Settings
	a := alias{Level: 1}
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*s = Settings(a)
	return nil
}

type WithSettings struct {
	S Settings            `json:"s"`
	P *Settings           `json:"p"`
	M map[string]Settings `json:"m" validate:"dive"`
	L []Settings          `json:"l" validate:"dive"`
}

func TestIssue11PatchValidatesCustomUnmarshalerWhole(t *testing.T) {
	t.Parallel()
	const bad = `{"name":"waytoolongname","level":99}`
	for _, tt := range []struct{ body, prefix string }{
		{`{"s":` + bad + `}`, "s"},
		{`{"p":` + bad + `}`, "p"},
		{`{"m":{"x":` + bad + `}}`, "m.x"},
		{`{"l":[` + bad + `]}`, "l[0]"},
	} {
		_, derr := validate.Decode[WithSettings](request(tt.body))
		want := []string{tt.prefix + ".name max", tt.prefix + ".level max"}
		assert.Subset(t, fieldsOf(fieldErrors(t, derr)), want, "Decode %s", tt.body)
		p, err := validate.DecodePatch[WithSettings](request(tt.body))
		require.Error(t, err, "DecodePatch %s", tt.body)
		assert.Nil(t, p)
		assert.Equal(t, want, fieldsOf(fieldErrors(t, err)), "DecodePatch %s", tt.body)
	}
	// A valid value is applied whole, defaults included.
	p, err := validate.DecodePatch[WithSettings](request(`{"s":{"name":"ok"}}`))
	require.NoError(t, err)
	dst := WithSettings{S: Settings{Name: "old", Level: 7}}
	p.Apply(&dst)
	assert.Equal(t, Settings{Name: "ok", Level: 1}, dst.S)
}

// SelfDecoding is a top-level type with its own UnmarshalJSON.
type SelfDecoding struct {
	Name string `json:"name" validate:"required,max=5"`
}

func (s *SelfDecoding) UnmarshalJSON(b []byte) error {
	type alias SelfDecoding
	return json.Unmarshal(b, (*alias)(s))
}

// Promoted gets UnmarshalJSON from an embedded type, as time.Time gives it to its embedders.
type Promoted struct {
	time.Time
	Name string `json:"name"`
}

func TestIssue11TopLevelUnmarshalerRefused(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, err error, name string) {
		t.Helper()
		require.Error(t, err)
		var sc statusCoder
		assert.False(t, errors.As(err, &sc), "a programming error, not a client error")
		assert.ErrorContains(t, err, name)
		assert.ErrorContains(t, err, "json.Unmarshaler")
	}
	_, err := validate.Decode[SelfDecoding](request(`{"name":"a","NAME":"waytoolong","x":1}`))
	check(t, err, "SelfDecoding")
	_, err = validate.DecodePatch[SelfDecoding](request(`{"name":"waytoolong"}`))
	check(t, err, "SelfDecoding")
	_, err = validate.Decode[Promoted](request(`{"name":"a"}`))
	check(t, err, "Promoted")
	_, err = validate.Decode[*Settings](request(`{"name":"a"}`))
	require.Error(t, err)
}

func TestIssue11FormatErrorValidatesNothingElse(t *testing.T) {
	t.Parallel()
	type Event struct {
		Name  string      `json:"name" validate:"required"`
		Count int         `json:"count" validate:"min=1"`
		At    time.Time   `json:"at"`
		Level strictLevel `json:"level"`
		Tail  string      `json:"tail" validate:"required"`
	}
	for _, body := range []string{
		`{"at":"yesterday","name":"n","count":2,"tail":"t"}`,
		`{"name":"n","at":"yesterday","count":2,"tail":"t"}`,
		`{"name":"n","count":2,"tail":"t","at":"yesterday"}`,
	} {
		_, err := validate.Decode[Event](request(body))
		assert.Equal(t, []string{"at format"}, fieldsOf(fieldErrors(t, err)), body)
		_, err = validate.DecodePatch[Event](request(body))
		assert.Equal(t, []string{"at format"}, fieldsOf(fieldErrors(t, err)), body)
	}
	_, err := validate.Decode[Event](request(`{"level":"loud","name":"n","count":2,"tail":"t"}`))
	assert.Equal(t, []string{"level format"}, fieldsOf(fieldErrors(t, err)))
}

func TestIssue11TypeErrorListedOnce(t *testing.T) {
	t.Parallel()
	type List struct {
		Items []Item `json:"items" validate:"dive"`
	}
	_, err := validate.Decode[List](request(`{"items":[{"sku":"a1","qty":"x"}]}`))
	assert.Equal(t, []string{"items[0].qty type"}, fieldsOf(fieldErrors(t, err)))

	_, err = validate.Decode[Embedded](request(`{"id":5,"title":"t"}`))
	assert.Equal(t, []string{"id type"}, fieldsOf(fieldErrors(t, err)))
}

func TestIssue11MapKeysSanitizedEverywhere(t *testing.T) {
	t.Parallel()
	key := "a\\nb\\u0007c" + strings.Repeat("k", 300)
	for _, body := range []string{
		`{"m":{"` + key + `":{"name":"waytoolongname"}}}`,
		`{"m":{"` + key + `]x":{"name":"waytoolongname"}}}`,
		`{"m":{"` + key + `].l[0":{"name":"waytoolongname"}}}`,
	} {
		for _, patch := range []bool{false, true} {
			var err error
			if patch {
				_, err = validate.DecodePatch[WithSettings](request(body))
			} else {
				_, err = validate.Decode[WithSettings](request(body))
			}
			errs := fieldErrors(t, err)
			require.NotEmpty(t, errs)
			for _, fe := range errs {
				if strings.HasPrefix(fe.Field, "s.") {
					continue // Decode validates the non-pointer struct field s in full
				}
				assert.True(t, strings.HasPrefix(fe.Field, "m.a\uFFFDb\uFFFDc"), fe.Field)
				assert.LessOrEqual(t, len(fe.Field), 80, fe.Field)
				assert.NotContains(t, fe.Field, "[")
				for _, r := range fe.Field {
					assert.False(t, unicode.IsControl(r), "control character in %q", fe.Field)
				}
			}
			assert.NotContains(t, err.Error(), "\n")
		}
	}
}

func TestIssue11ApplyCopiesEmbeddedPointer(t *testing.T) {
	t.Parallel()
	p, err := validate.DecodePatch[Embedded](request(`{"color":"green"}`))
	require.NoError(t, err)
	shared := &Extra{Color: "red"}
	dst := Embedded{Extra: shared}
	p.Apply(&dst)
	assert.Equal(t, "green", dst.Color)
	assert.Equal(t, "red", shared.Color, "Apply wrote through a pointer other values share")
	assert.NotSame(t, shared, dst.Extra)
}

// AmbInner is embedded twice at the same depth through AmbLeft and AmbRight, which makes its
// field ambiguous: encoding/json ignores "X".
type AmbInner struct {
	X int
}
type AmbLeft struct{ AmbInner }
type AmbRight struct{ AmbInner }
type AmbBoth struct {
	AmbLeft
	AmbRight
	Name string `json:"name"`
}

func TestIssue11AmbiguousEmbeddedFieldIsUnknown(t *testing.T) {
	t.Parallel()
	var std AmbBoth
	dec := json.NewDecoder(strings.NewReader(`{"X":1}`))
	dec.DisallowUnknownFields()
	require.ErrorContains(t, dec.Decode(&std), `unknown field "X"`, "encoding/json's view")

	_, err := validate.Decode[AmbBoth](request(`{"X":1,"name":"n"}`))
	assert.Equal(t, []string{"X unknown"}, fieldsOf(fieldErrors(t, err)))
	_, err = validate.DecodePatch[AmbBoth](request(`{"X":1}`))
	assert.Equal(t, []string{"X unknown"}, fieldsOf(fieldErrors(t, err)))

	p, err := validate.DecodePatch[AmbBoth](request(`{"name":"n"}`))
	require.NoError(t, err)
	dst := AmbBoth{AmbLeft: AmbLeft{AmbInner{X: 3}}, AmbRight: AmbRight{AmbInner{X: 4}}}
	p.Apply(&dst)
	assert.Equal(t, 3, dst.AmbLeft.X)
	assert.Equal(t, 4, dst.AmbRight.X)
}

func TestIssue11EquivalentMapKeysAreDuplicates(t *testing.T) {
	t.Parallel()
	type Doc struct {
		Ints  map[int]int        `json:"ints"`
		Uints map[uint8]int      `json:"uints"`
		Addrs map[netip.Addr]int `json:"addrs"`
	}
	for _, body := range []string{
		`{"ints":{"7":1,"07":2}}`,
		`{"ints":{"-0":1,"0":2}}`,
		`{"uints":{"1":1,"001":2}}`,
		`{"addrs":{"::1":1,"0:0::1":2}}`,
	} {
		_, err := validate.Decode[Doc](request(body))
		assert.ErrorIs(t, err, validate.ErrDuplicateKey, body)
		_, err = validate.DecodePatch[Doc](request(body))
		assert.ErrorIs(t, err, validate.ErrDuplicateKey, body)
	}
	d, err := validate.Decode[Doc](request(`{"ints":{"7":1,"8":2},"addrs":{"::1":1,"::2":2}}`))
	require.NoError(t, err)
	assert.Len(t, d.Ints, 2)
	assert.Len(t, d.Addrs, 2)
}

func TestIssue11ErrorListEndsWithLimit(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString(`{`)
	for i := range 150 {
		sb.WriteString(`"u` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i) + `":1,`)
	}
	sb.WriteString(`"items":[{"sku":"a1","qty":"x"}]}`)
	for _, patch := range []bool{false, true} {
		var err error
		if patch {
			_, err = validate.DecodePatch[Module](request(sb.String()))
		} else {
			_, err = validate.Decode[Module](request(sb.String()))
		}
		errs := fieldErrors(t, err)
		require.Len(t, errs, 101)
		assert.Equal(t, "limit", errs[100].Rule)
		for _, fe := range errs[:100] {
			assert.NotEqual(t, "limit", fe.Rule)
		}
	}
}

func TestIssue11NumberOutOfRangeInAny(t *testing.T) {
	t.Parallel()
	_, err := validate.Decode[Module](request(`{"name":"core","active":true,"safety":{"reviewer":"a"},"meta":{"a":[1,{"b":1e400}],"c":-2e308}}`))
	assert.Equal(t, validate.Errors{
		{Field: "meta.a[1].b", Rule: "type", Param: "number", Message: "number out of range"},
		{Field: "meta.c", Rule: "type", Param: "number", Message: "number out of range"},
	}, fieldErrors(t, err))
	_, err = validate.Decode[Module](request(`{"name":"core","active":true,"safety":{"reviewer":"a"},"meta":[0,1e999]}`))
	assert.Equal(t, []string{"meta[1] type"}, fieldsOf(fieldErrors(t, err)))
}

func TestIssue11NotJSONIsSyntaxError(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"hello", "\xef\xbb\xbf{}", "<xml/>", "'a'", "[1,", `"unterminated`} {
		_, err := validate.Decode[Module](request(body))
		assert.ErrorIs(t, err, validate.ErrSyntax, "%q", body)
		assert.NotErrorIs(t, err, validate.ErrNotObject, "%q", body)
		assert.Equal(t, http.StatusBadRequest, decodeError(t, err).StatusCode())
	}
	for _, body := range []string{"[1]", `"s"`, "12", "null", " true "} {
		_, err := validate.Decode[Module](request(body))
		assert.ErrorIs(t, err, validate.ErrNotObject, "%q", body)
	}
}

func TestIssue11QuotedWithWhitespaceIsAFieldError(t *testing.T) {
	t.Parallel()
	for _, q := range []string{`" 42"`, `"42 "`, `"\t42"`, `"+42"`} {
		body := `{"name":"core","active":true,"safety":{"reviewer":"a"},"x":1,"quoted":` + q + `,"level":"high"}`
		var std Module
		require.Error(t, json.Unmarshal([]byte(body), &std), "encoding/json rejects %s", q)
		_, err := validate.Decode[Module](request(body))
		assert.Equal(t, []string{"x unknown", "quoted type", "level type"}, fieldsOf(fieldErrors(t, err)), q)
	}
}
