package validate_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"
)

func TestDecodePatchValidatesOnlyPresentFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		failing    []string // nil: accepted
	}{
		{"empty patch", `{}`, nil},
		{"one valid field", `{"level":4}`, nil},
		{"required fields absent", `{"tags":["a"]}`, nil},
		{"present but empty string", `{"name":""}`, []string{"name required"}},
		{"present false bool", `{"active":false}`, nil},
		{"nested partial", `{"safety":{"valueAlignment":50}}`, nil},
		{"nested invalid", `{"safety":{"valueAlignment":500}}`, []string{"safety.valueAlignment max"}},
		{"nested required present empty", `{"safety":{"reviewer":""}}`, []string{"safety.reviewer required"}},
		{"pointer struct partial", `{"backup":{"ethicalCompliance":1}}`, nil},
		{"pointer struct invalid", `{"backup":{"ethicalCompliance":-1}}`, []string{"backup.ethicalCompliance min"}},
		{"array validated whole", `{"items":[{"sku":"a1"}]}`, []string{"items[0].qty min"}},
		{"array element required", `{"items":[{"qty":1}]}`, []string{"items[0].sku required"}},
		{"array rule", `{"tags":["a","b","c","d"]}`, []string{"tags max"}},
		{"null pointer", `{"note":null,"backup":null}`, nil},
		{"several at once", `{"name":"x","level":11,"safety":{"ethicalCompliance":101}}`,
			[]string{"name min", "level max", "safety.ethicalCompliance max"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := validate.DecodePatch[Module](request(tt.body))
			if tt.failing == nil {
				require.NoError(t, err)
				require.NotNil(t, p)
				return
			}
			assert.Nil(t, p)
			assert.Equal(t, tt.failing, fieldsOf(fieldErrors(t, err)))
		})
	}
}

func TestDecodePatchIsStrict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		check      func(t *testing.T, err error)
	}{
		{"unknown field", `{"levle":3}`, func(t *testing.T, err error) {
			assert.Equal(t, []string{"levle unknown"}, fieldsOf(fieldErrors(t, err)))
		}},
		{"case mismatch", `{"Level":3}`, func(t *testing.T, err error) {
			assert.Equal(t, []string{"Level unknown"}, fieldsOf(fieldErrors(t, err)))
		}},
		{"type mismatch", `{"safety":{"ethicalCompliance":"high"}}`, func(t *testing.T, err error) {
			assert.Equal(t, validate.Errors{{Field: "safety.ethicalCompliance", Rule: "type", Param: "number", Message: "expected number, got string"}},
				fieldErrors(t, err))
		}},
		{"null for a value field", `{"level":null}`, func(t *testing.T, err error) {
			assert.Equal(t, []string{"level null"}, fieldsOf(fieldErrors(t, err)))
		}},
		{"duplicate", `{"level":1,"level":2}`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, validate.ErrDuplicateKey)
		}},
		{"trailing", `{"level":1}{}`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, validate.ErrTrailingData)
		}},
		{"empty", ``, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, validate.ErrEmptyBody)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := validate.DecodePatch[Module](request(tt.body))
			assert.Nil(t, p)
			require.Error(t, err)
			tt.check(t, err)
		})
	}
	_, err := validate.DecodePatch[Module](requestCT(`{}`, "text/plain"))
	assert.ErrorIs(t, err, validate.ErrUnsupportedMediaType)
	_, err = validate.DecodePatch[Module](request(`{"name":"abcdefgh"}`), validate.MaxBytes(8))
	assert.ErrorIs(t, err, validate.ErrTooLarge)
	_, err = validate.DecodePatch[map[string]int](request(`{}`))
	assert.ErrorContains(t, err, "must be a struct")
}

func TestPatchPresence(t *testing.T) {
	t.Parallel()
	p, err := validate.DecodePatch[Module](request(
		`{"name":"core","safety":{"valueAlignment":5},"note":null,"labels":{"team":"x","old":null},` +
			`"items":[{"sku":"a","qty":1}],"meta":{"a":{"b":1}},"level":0}`))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"name", "safety", "safety.valueAlignment", "note", "labels", "labels.team", "labels.old",
		"items", "meta", "meta.a", "meta.a.b", "level",
	}, p.Fields())
	for _, path := range p.Fields() {
		assert.True(t, p.Has(path), path)
	}
	for _, path := range []string{"active", "safety.reviewer", "safety.valueAlignment.x", "backup", "items[0]",
		"items.sku", "labels.nope", "", "name.", ".name", "Name"} {
		assert.False(t, p.Has(path), path)
	}
	assert.True(t, p.IsNull("note"))
	assert.True(t, p.IsNull("labels.old"))
	assert.False(t, p.IsNull("name"))
	assert.False(t, p.IsNull("active"))
	assert.Equal(t, "core", p.Value().Name)
	assert.Equal(t, int8(0), p.Value().Level)
}

func TestPatchApply(t *testing.T) {
	t.Parallel()
	note := "old"
	stored := func() Module {
		n := note
		return Module{
			Name: "core", Active: true, Level: 5,
			Safety: Safety{EthicalCompliance: 90, ValueAlignment: 80, Reviewer: "ana"},
			Backup: &Safety{EthicalCompliance: 1, ValueAlignment: 2, Reviewer: "bob"},
			Note:   &n,
			Tags:   []string{"a", "b"},
			Items:  []Item{{SKU: "x1", Qty: 1}},
			Labels: map[string]string{"team": "blue", "tier": "1"},
			Meta:   map[string]any{"keep": true, "drop": 1.0, "nested": map[string]any{"x": 1.0, "y": 2.0}},
		}
	}
	tests := []struct {
		name, body string
		want       func(m *Module)
	}{
		{"nothing", `{}`, func(*Module) {}},
		{"scalar", `{"level":0,"active":false}`, func(m *Module) { m.Level, m.Active = 0, false }},
		{"nested merge", `{"safety":{"valueAlignment":99}}`, func(m *Module) { m.Safety.ValueAlignment = 99 }},
		{"pointer struct merge", `{"backup":{"reviewer":"cy"}}`, func(m *Module) { m.Backup.Reviewer = "cy" }},
		{"pointer cleared", `{"backup":null,"note":null}`, func(m *Module) { m.Backup, m.Note = nil, nil }},
		{"pointer set", `{"note":"new"}`, func(m *Module) { s := "new"; m.Note = &s }},
		{"array replaced", `{"tags":["z"],"items":[]}`, func(m *Module) { m.Tags, m.Items = []string{"z"}, []Item{} }},
		{"slice cleared", `{"tags":null}`, func(m *Module) { m.Tags = nil }},
		{"map merge and delete", `{"labels":{"tier":null,"zone":"eu"}}`, func(m *Module) {
			m.Labels = map[string]string{"team": "blue", "zone": "eu"}
		}},
		{"map cleared", `{"labels":null}`, func(m *Module) { m.Labels = nil }},
		{"free-form merge", `{"meta":{"drop":null,"new":"v","nested":{"x":null,"z":3}}}`, func(m *Module) {
			m.Meta = map[string]any{"keep": true, "new": "v", "nested": map[string]any{"y": 2.0, "z": 3.0}}
		}},
		{"free-form replaced by scalar", `{"meta":"flat"}`, func(m *Module) { m.Meta = "flat" }},
		{"free-form object over a non-object member", `{"meta":{"nested":"s","keep":{"x":null,"y":{"z":null}}}}`, func(m *Module) {
			m.Meta = map[string]any{"keep": map[string]any{"y": map[string]any{}}, "drop": 1.0, "nested": "s"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := validate.DecodePatch[Module](request(tt.body))
			require.NoError(t, err)
			got := stored()
			orig := stored()
			shared := got // shares pointers, maps and slices with got
			p.Apply(&got)
			want := stored()
			tt.want(&want)
			assert.Equal(t, want, got)
			// Apply never writes through to values it only points to.
			assert.Equal(t, orig.Backup, shared.Backup)
			assert.Equal(t, orig.Labels, shared.Labels)
			assert.Equal(t, orig.Meta, shared.Meta)
			assert.Equal(t, *orig.Note, *shared.Note)
		})
	}
}

func TestPatchApplyOntoZeroValue(t *testing.T) {
	t.Parallel()
	// RFC 7396: an object merged into nothing (or a non-object) starts from {}, and its nulls
	// delete members rather than being stored.
	p, err := validate.DecodePatch[Module](request(`{"backup":{"reviewer":"cy"},"labels":{"a":"b","x":null},"meta":{"k":1,"gone":null,"sub":{"n":null}}}`))
	require.NoError(t, err)
	var m Module
	p.Apply(&m)
	assert.Equal(t, Module{Backup: &Safety{Reviewer: "cy"}, Labels: map[string]string{"a": "b"},
		Meta: map[string]any{"k": 1.0, "sub": map[string]any{}}}, m)
	m = Module{Meta: "flat"}
	p.Apply(&m)
	assert.Equal(t, map[string]any{"k": 1.0, "sub": map[string]any{}}, m.Meta)

	// The patch's own slices are not shared with the destination.
	p, err = validate.DecodePatch[Module](request(`{"tags":["a"]}`))
	require.NoError(t, err)
	var a, b Module
	p.Apply(&a)
	p.Apply(&b)
	a.Tags[0] = "changed"
	assert.Equal(t, []string{"a"}, b.Tags)
	assert.Equal(t, []string{"a"}, p.Value().Tags)

	// Nor its pointers.
	p, err = validate.DecodePatch[Module](request(`{"note":"n","backup":{"reviewer":"r"}}`))
	require.NoError(t, err)
	var c, d Module
	p.Apply(&c)
	p.Apply(&d)
	*c.Note = "changed"
	c.Backup.Reviewer = "changed"
	assert.Equal(t, "n", *d.Note)
	assert.Equal(t, "r", d.Backup.Reviewer)
	assert.Equal(t, "n", *p.Value().Note)
}

func TestPatchApplyEmbedded(t *testing.T) {
	t.Parallel()
	p, err := validate.DecodePatch[Embedded](request(`{"color":"green"}`))
	require.NoError(t, err)
	e := Embedded{Base: Base{ID: "keep"}, Title: "t"}
	p.Apply(&e)
	require.NotNil(t, e.Extra)
	assert.Equal(t, "green", e.Color)
	assert.Equal(t, "keep", e.ID)
	assert.Equal(t, []string{"color"}, p.Fields())

	_, err = validate.DecodePatch[Embedded](request(`{"id":"not-a-uuid"}`))
	assert.Equal(t, []string{"id uuid"}, fieldsOf(fieldErrors(t, err)))
}

func TestPatchApplyMapOfStructs(t *testing.T) {
	t.Parallel()
	type Fleet struct {
		Ships map[string]Item  `json:"ships" validate:"dive"`
		ByID  map[int]*Safety  `json:"byId"`
		Raw   json.RawMessage  `json:"raw"`
		Pairs map[string][]int `json:"pairs"`
	}
	p, err := validate.DecodePatch[Fleet](request(`{"ships":{"a":{"qty":5}},"byId":{"7":{"reviewer":"r"},"8":null},"raw":{"x":[1]},"pairs":{"p":[3]}}`))
	require.NoError(t, err)
	f := Fleet{
		Ships: map[string]Item{"a": {SKU: "s1", Qty: 1}, "b": {SKU: "s2", Qty: 2}},
		ByID:  map[int]*Safety{7: {Reviewer: "old", ValueAlignment: 3}, 8: {}},
		Pairs: map[string][]int{"p": {1, 2}, "q": {9}},
	}
	p.Apply(&f)
	assert.Equal(t, map[string]Item{"a": {SKU: "s1", Qty: 5}, "b": {SKU: "s2", Qty: 2}}, f.Ships)
	assert.Equal(t, map[int]*Safety{7: {Reviewer: "r", ValueAlignment: 3}}, f.ByID)
	assert.JSONEq(t, `{"x":[1]}`, string(f.Raw))
	assert.Equal(t, map[string][]int{"p": {3}, "q": {9}}, f.Pairs)

	// Map elements present in a patch are validated; absent ones are not.
	_, err = validate.DecodePatch[Fleet](request(`{"ships":{"a":{"qty":0}}}`))
	assert.Equal(t, []string{"ships.a.qty min"}, fieldsOf(fieldErrors(t, err)))

	// An integer key spelled unusually is still validated.
	type Ranks struct {
		ByID map[int]Item `json:"byId" validate:"dive"`
	}
	_, err = validate.DecodePatch[Ranks](request(`{"byId":{"07":{"sku":"a b"}}}`))
	assert.Contains(t, fieldsOf(fieldErrors(t, err)), "byId.7.sku alphanum")
}

func TestPatchApplyNilPanics(t *testing.T) {
	t.Parallel()
	p, err := validate.DecodePatch[Module](request(`{}`))
	require.NoError(t, err)
	assert.PanicsWithValue(t, "validate: Patch.Apply: dst must not be nil", func() { p.Apply(nil) })
}

// triState is the usual PATCH wrapper with its own UnmarshalJSON: it tells "set to null"
// from "absent" (the zero value).
type triState struct {
	Set, Null bool
	Value     int
}

func (ts *triState) UnmarshalJSON(b []byte) error {
	*ts = triState{Set: true, Null: string(b) == "null"}
	if ts.Null {
		return nil
	}
	return json.Unmarshal(b, &ts.Value)
}

func TestPatchApplyCustomNull(t *testing.T) {
	t.Parallel()
	type Doc struct {
		Limit triState     `json:"limit"`
		Ptr   *triState    `json:"ptr"`
		Opt   optionalName `json:"opt"`
	}
	p, err := validate.DecodePatch[Doc](request(`{"limit":null,"ptr":null,"opt":null}`))
	require.NoError(t, err)
	d := Doc{Limit: triState{Set: true, Value: 5}, Ptr: &triState{Set: true, Value: 1}, Opt: optionalName{Name: "x", Valid: true}}
	p.Apply(&d)
	// The type decides what null is; a pointer to it is cleared, as encoding/json does.
	assert.Equal(t, Doc{Limit: triState{Set: true, Null: true}}, d)

	p, err = validate.DecodePatch[Doc](request(`{"limit":7}`))
	require.NoError(t, err)
	p.Apply(&d)
	assert.Equal(t, triState{Set: true, Value: 7}, d.Limit)
}

func TestPatchCrossFieldRulesSeeThePatchAlone(t *testing.T) {
	t.Parallel()
	// As documented: a cross-field rule on a present field compares with the patch's value of
	// the other field, and an absent field is not validated; Struct on the merged value is
	// what enforces the rule.
	type Range struct {
		Min int `json:"min"`
		Max int `json:"max" validate:"gtefield=Min"`
	}
	p, err := validate.DecodePatch[Range](request(`{"min":9}`))
	require.NoError(t, err)
	stored := Range{Min: 1, Max: 5}
	p.Apply(&stored)
	assert.Equal(t, validate.Errors{{Field: "max", Rule: "gtefield", Param: "min", Message: "must be greater than or equal to field min"}},
		fieldErrors(t, validate.Struct(stored)))

	_, err = validate.DecodePatch[Range](request(`{"min":9,"max":3}`))
	assert.Equal(t, []string{"max gtefield"}, fieldsOf(fieldErrors(t, err)))

	// A nested object the patch creates has only the members the patch gave it.
	p2, err := validate.DecodePatch[Module](request(`{"backup":{"valueAlignment":5}}`))
	require.NoError(t, err)
	m := Module{Name: "core", Active: true, Safety: Safety{Reviewer: "ana"}}
	p2.Apply(&m)
	assert.Equal(t, []string{"backup.reviewer required"}, fieldsOf(fieldErrors(t, validate.Struct(m))))
}

// TwoRequired is promoted into EmbedsTwo.
type TwoRequired struct {
	ID   string `json:"id" validate:"required"`
	Kind string `json:"kind" validate:"required"`
}

type EmbedsTwo struct {
	TwoRequired
	Title string `json:"title"`
}

func TestPatchPromotedFieldsStayPartial(t *testing.T) {
	t.Parallel()
	_, err := validate.DecodePatch[EmbedsTwo](request(`{"id":"x"}`))
	require.NoError(t, err, "kind is absent: its required must not fire")
	_, err = validate.DecodePatch[EmbedsTwo](request(`{"kind":""}`))
	assert.Equal(t, []string{"kind required"}, fieldsOf(fieldErrors(t, err)))
	_, err = validate.DecodePatch[EmbedsTwo](request(`{"title":"t"}`))
	require.NoError(t, err)
}
