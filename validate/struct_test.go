package validate_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"
)

func TestStruct(t *testing.T) {
	t.Parallel()
	m := Module{Name: "x", Level: 20, Safety: Safety{ValueAlignment: 101}, Items: []Item{{SKU: "a b", Qty: 1}},
		Backup: &Safety{Reviewer: "r", EthicalCompliance: -1}}
	err := validate.Struct(m)
	errs := fieldErrors(t, err)
	assert.Equal(t, []string{
		"name min", "active required", "level max", "safety.valueAlignment max", "safety.reviewer required",
		"backup.ethicalCompliance min", "items[0].sku alphanum",
	}, fieldsOf(errs))
	assert.Equal(t, err, validate.Struct(&m), "a pointer validates the same")

	m = Module{Name: "core", Active: true, Safety: Safety{Reviewer: "r"}}
	assert.NoError(t, validate.Struct(m))
	assert.NoError(t, validate.Struct(&m))

	for _, bad := range []any{nil, 3, "s", []Module{}, (*Module)(nil)} {
		err := validate.Struct(bad)
		require.Error(t, err, "%#v", bad)
		var errs validate.Errors
		assert.False(t, assertAs(err, &errs), "%#v", bad)
	}
}

func assertAs(err error, target *validate.Errors) bool {
	e, ok := err.(validate.Errors)
	if ok {
		*target = e
	}
	return ok
}

func TestStructEmbeddedPaths(t *testing.T) {
	t.Parallel()
	err := validate.Struct(Embedded{Base: Base{ID: "x"}, Extra: &Extra{Color: "blue"}})
	assert.Equal(t, validate.Errors{
		{Field: "id", Rule: "uuid", Message: "must be a valid UUID"},
		{Field: "color", Rule: "oneof", Param: "red green", Message: "must be one of: red, green"},
		{Field: "title", Rule: "required", Message: "is required"},
	}, fieldErrors(t, err))
}

func TestStructConcurrent(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 50 {
				m := Module{Name: "core", Active: true, Level: int8((i + j) % 12), Safety: Safety{Reviewer: "r"}}
				err := validate.Struct(m)
				if m.Level > 10 {
					assert.Equal(t, []string{"level max"}, fieldsOf(fieldErrors(t, err)))
				} else {
					assert.NoError(t, err)
				}
			}
		})
	}
	wg.Wait()
}

func TestWithValidator(t *testing.T) {
	t.Parallel()
	v := validator.New(validator.WithRequiredStructEnabled())
	require.NoError(t, v.RegisterValidation("nexus", func(fl validator.FieldLevel) bool {
		return fl.Field().String() == "nexus"
	}))
	type Doc struct {
		System string `json:"system" validate:"nexus"`
	}
	_, err := validate.Decode[Doc](request(`{"system":"other"}`), validate.WithValidator(v))
	assert.Equal(t, validate.Errors{{Field: "system", Rule: "nexus", Message: "must satisfy the nexus rule"}}, fieldErrors(t, err))

	d, err := validate.Decode[Doc](request(`{"system":"nexus"}`), validate.WithValidator(v))
	require.NoError(t, err)
	assert.Equal(t, "nexus", d.System)

	p, err := validate.DecodePatch[Doc](request(`{}`), validate.WithValidator(v))
	require.NoError(t, err)
	assert.Empty(t, p.Fields())

	assert.Error(t, validate.Struct(Doc{System: "x"}, validate.WithValidator(v)))
	assert.NoError(t, validate.Struct(Doc{System: "nexus"}, validate.WithValidator(v)))

	// With another tag name, a present false does not meet required (as documented).
	other := validator.New()
	other.SetTagName("binding")
	type Flag struct {
		On bool `json:"on" binding:"required"`
	}
	_, err = validate.Decode[Flag](request(`{"on":false}`), validate.WithValidator(other))
	assert.Equal(t, []string{"on required"}, fieldsOf(fieldErrors(t, err)))
	_, err = validate.Decode[Flag](request(`{"on":true}`), validate.WithValidator(other))
	assert.NoError(t, err)
}

func TestOptionsPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func()
		msg  string
	}{
		{"MaxBytes zero", func() { validate.MaxBytes(0) }, "validate: MaxBytes: limit must be positive, got 0"},
		{"MaxBytes negative", func() { validate.MaxBytes(-5) }, "validate: MaxBytes: limit must be positive, got -5"},
		{"WithValidator nil", func() { validate.WithValidator(nil) }, "validate: WithValidator: validator must not be nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.PanicsWithValue(t, tt.msg, tt.fn)
		})
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	type Doc struct {
		S    string            `json:"s" validate:"omitempty,min=3,max=5"`
		S1   string            `json:"s1" validate:"omitempty,min=1"`
		N    int               `json:"n" validate:"min=3,max=5"`
		F    float64           `json:"f" validate:"gt=0,lt=1"`
		L    []int             `json:"l" validate:"omitempty,len=2"`
		M    map[string]int    `json:"m" validate:"omitempty,max=1"`
		G    int               `json:"g" validate:"gte=10"`
		LE   string            `json:"le" validate:"omitempty,lte=2"`
		Len  string            `json:"len" validate:"omitempty,len=4"`
		Nlen int               `json:"nlen" validate:"omitempty,len=4"`
		One  string            `json:"one" validate:"omitempty,oneof=a b c"`
		Mail string            `json:"mail" validate:"omitempty,email"`
		URL  string            `json:"url" validate:"omitempty,url"`
		UUID string            `json:"uuid" validate:"omitempty,uuid"`
		AN   string            `json:"an" validate:"omitempty,alphanum"`
		Pre  string            `json:"pre" validate:"omitempty,startswith=nx"`
		Eq   string            `json:"eq" validate:"omitempty,eqfield=S"`
		Odd  string            `json:"odd" validate:"omitempty,cidrv4"`
		Gen  string            `json:"gen" validate:"omitempty,e164"`
		Lab  map[string]string `json:"lab"`
	}
	body := `{"s":"ab","s1":"","n":9,"f":1,"l":[1],"m":{"a":1,"b":2},"g":1,"le":"abc","len":"abcde","nlen":5,` +
		`"one":"d","mail":"x","url":"x","uuid":"x","an":"a-b","pre":"zz","eq":"other","odd":"x","gen":"x"}`
	_, err := validate.Decode[Doc](request(body))
	got := map[string]string{}
	for _, fe := range fieldErrors(t, err) {
		got[fe.Field] = fe.Message
	}
	assert.Equal(t, map[string]string{
		"s":    "must be at least 3 characters long",
		"n":    "must be at most 5",
		"f":    "must be less than 1",
		"l":    "must contain exactly 2 items",
		"m":    "must contain at most 1 item",
		"g":    "must be at least 10",
		"le":   "must be at most 2 characters long",
		"len":  "must be exactly 4 characters long",
		"nlen": "must equal 4",
		"one":  "must be one of: a, b, c",
		"mail": "must be a valid email address",
		"url":  "must be a valid URL",
		"uuid": "must be a valid UUID",
		"an":   "must contain only letters and digits",
		"pre":  `must start with "nx"`,
		"eq":   "must equal field s",
		"odd":  "must be a valid IPv4 CIDR notation",
		"gen":  "must be a phone number in E.164 format",
	}, got)

	_, err = validate.Decode[Doc](request(`{"n":1,"f":0,"g":10,"s":"abcdef"}`))
	got = map[string]string{}
	for _, fe := range fieldErrors(t, err) {
		got[fe.Field] = fe.Message
	}
	assert.Equal(t, map[string]string{
		"n": "must be at least 3",
		"f": "must be greater than 0",
		"s": "must be at most 5 characters long",
	}, got)
}

func TestMessageForUnknownTagIsGeneric(t *testing.T) {
	t.Parallel()
	type Doc struct {
		V string `json:"v" validate:"html_encoded"`
		W string `json:"w" validate:"containsrune=@"`
	}
	_, err := validate.Decode[Doc](request(`{"v":"x","w":"x"}`))
	assert.Equal(t, validate.Errors{
		{Field: "v", Rule: "html_encoded", Message: "must satisfy the html_encoded rule"},
		{Field: "w", Rule: "containsrune", Param: "@", Message: "must satisfy the containsrune=@ rule"},
	}, fieldErrors(t, err))
	assert.Equal(t, `validation failed: v: must satisfy the html_encoded rule; w: must satisfy the containsrune=@ rule`, fmt.Sprint(err))
}

func TestTimeComparisonMessages(t *testing.T) {
	t.Parallel()
	type Window struct {
		Start time.Time `json:"start" validate:"gt"`
		End   time.Time `json:"end" validate:"lt"`
	}
	now := time.Now()
	err := validate.Struct(Window{Start: now.Add(-time.Hour), End: now.Add(time.Hour)})
	assert.Equal(t, validate.Errors{
		{Field: "start", Rule: "gt", Message: "must be in the future"},
		{Field: "end", Rule: "lt", Message: "must be in the past"},
	}, fieldErrors(t, err))
	out, jerr := json.Marshal(err)
	require.NoError(t, jerr)
	assert.JSONEq(t, `[{"field":"start","rule":"gt","param":"","message":"must be in the future"},`+
		`{"field":"end","rule":"lt","param":"","message":"must be in the past"}]`, string(out))
}

func TestDecodeConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	// A type no other test uses, so its metadata is built while the goroutines race.
	type Node struct {
		Name     string  `json:"name" validate:"required"`
		Children []*Node `json:"children" validate:"dive"`
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"name":"n%d","children":[{"name":"c","children":[{"name":""}]}]}`, i)
			_, err := validate.Decode[Node](request(body))
			assert.Equal(t, []string{"children[0].children[0].name required"}, fieldsOf(fieldErrors(t, err)))
			p, err := validate.DecodePatch[Node](request(`{"children":[{"name":"x"}]}`))
			if assert.NoError(t, err) {
				assert.Equal(t, []string{"children"}, p.Fields())
			}
		})
	}
	wg.Wait()
}

func TestCrossFieldParamIsAJSONPath(t *testing.T) {
	t.Parallel()
	// The other field of a cross-field rule is named the way the client writes it.
	type Bounds struct {
		Low  int `json:"low"`
		High int `json:"high" validate:"gtfield=Low"`
	}
	type Doc struct {
		Range  Bounds   `json:"range"`
		Ranges []Bounds `json:"ranges" validate:"dive"`
		Cap    int      `json:"cap" validate:"ltecsfield=Range.High"`
		Tags   []int    `json:"tags" validate:"dive,ltfield=Cap"`
	}
	_, err := validate.Decode[Doc](request(`{"range":{"low":5,"high":1},"ranges":[{"low":1,"high":2},{"low":3,"high":3}],"cap":9,"tags":[1,10]}`))
	assert.Equal(t, validate.Errors{
		{Field: "range.high", Rule: "gtfield", Param: "range.low", Message: "must be greater than field range.low"},
		{Field: "ranges[1].high", Rule: "gtfield", Param: "ranges[1].low", Message: "must be greater than field ranges[1].low"},
		{Field: "cap", Rule: "ltecsfield", Param: "range.high", Message: "must be less than or equal to field range.high"},
		{Field: "tags[1]", Rule: "ltfield", Param: "cap", Message: "must be less than field cap"},
	}, fieldErrors(t, err))
}

func TestRequiredStruct(t *testing.T) {
	t.Parallel()
	// The shared validator is built WithRequiredStructEnabled: required on a struct field
	// means "not the zero struct" instead of being ignored.
	type Doc struct {
		Safety Safety `json:"safety" validate:"required"`
	}
	assert.Equal(t, []string{"safety required"}, fieldsOf(fieldErrors(t, validate.Struct(Doc{}))))
	assert.NoError(t, validate.Struct(Doc{Safety: Safety{Reviewer: "r"}}))
}
