package validate_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"
)

// Deep bodies of self-referencing types (issue 11 items 3 and 4).

type DeepLeaf struct {
	Qty int `json:"qty" validate:"min=1"`
}

type DeepNode struct {
	Child *DeepNode           `json:"child"`
	Name  string              `json:"name" validate:"required"`
	Items []DeepLeaf          `json:"items" validate:"dive"`
	Next  map[string]DeepNode `json:"next" validate:"dive"`
}

// deepChain nests bottom depth levels down: {"child":{"child":...bottom...}}.
func deepChain(depth int, bottom string) string {
	return strings.Repeat(`{"child":`, depth) + bottom + strings.Repeat(`}`, depth)
}

func deepPath(depth int, rest string) string {
	return strings.Repeat("child.", depth) + rest
}

func TestDeepBodyErrorsHaveFullPaths(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{5, 31, 32, 33, 64, 100, 250} {
		body := deepChain(depth, `{"name":"","items":[{"qty":1},{"qty":0}]}`)
		p, err := validate.DecodePatch[DeepNode](request(body))
		require.Nil(t, p)
		errs := fieldErrors(t, err)
		require.Len(t, errs, 2)
		assert.Equal(t, validate.Errors{
			{Field: errs[0].Field, Rule: "required", Message: "is required"},
			{Field: errs[1].Field, Rule: "min", Param: "1", Message: "must be at least 1"},
		}, errs)
		for i, full := range []string{deepPath(depth, "name"), deepPath(depth, "items[1].qty")} {
			if len(full) <= 1024 {
				assert.Equal(t, full, errs[i].Field, "depth %d", depth)
				continue
			}
			// Paths longer than 1 KiB keep their last whole segments after "…".
			assert.LessOrEqual(t, len(errs[i].Field), 1024)
			assert.Greater(t, len(errs[i].Field), 1000)
			tail, ok := strings.CutPrefix(errs[i].Field, "….")
			assert.True(t, ok, errs[i].Field)
			assert.True(t, strings.HasSuffix(full, "."+tail), errs[i].Field)
		}

		// Decode validates every level: name is required at each of them.
		_, err = validate.Decode[DeepNode](request(body))
		errs = fieldErrors(t, err)
		if depth < 100 {
			want := []string{deepPath(depth, "items[1].qty min")}
			for d := 0; d <= depth; d++ {
				want = append(want, deepPath(d, "name required"))
			}
			assert.ElementsMatch(t, want, fieldsOf(errs), "depth %d", depth)
		} else {
			require.Len(t, errs, 101)
			assert.Equal(t, "limit", errs[100].Rule)
			for _, fe := range errs[:100] {
				assert.Regexp(t, `^(…\.)?(child\.)*(name|items\[1\]\.qty)$`, fe.Field)
			}
		}
	}
}

func TestDeepPatchValidatesOnlyWhatIsPresent(t *testing.T) {
	t.Parallel()
	// Absent names are not required at any depth; present ones are, and the value applied.
	body := deepChain(90, `{"name":"ok","items":[{"qty":3}]}`)
	p, err := validate.DecodePatch[DeepNode](request(body))
	require.NoError(t, err)
	assert.True(t, p.Has(deepPath(90, "name")))
	assert.False(t, p.Has(deepPath(89, "name")))
	var dst DeepNode
	p.Apply(&dst)
	n := &dst
	for range 90 {
		require.NotNil(t, n.Child)
		n = n.Child
	}
	assert.Equal(t, "ok", n.Name)

	// An array replaced deep down is validated whole, names included.
	body = deepChain(70, `{"next":{"k":{"child":{"name":""}}}}`)
	_, err = validate.DecodePatch[DeepNode](request(body))
	assert.Equal(t, []string{deepPath(70, "next.k.child.name required")}, fieldsOf(fieldErrors(t, err)))
}

func TestDeepMapKeysWithBrackets(t *testing.T) {
	t.Parallel()
	// Keys that look like validator's namespace syntax, at every level of a deep body.
	keys := []string{"a", "a].Next[b", "a]", "[x]", "a].Child.Name"}
	var sb strings.Builder
	depth := 0
	for i := range 60 {
		sb.WriteString(`{"next":{"` + keys[i%len(keys)] + `":`)
		depth++
	}
	sb.WriteString(`{"name":"","items":[{"qty":0}]}`)
	sb.WriteString(strings.Repeat(`}}`, depth))
	want := []string{}
	var prefix strings.Builder
	for i := range 60 {
		prefix.WriteString("next." + keys[i%len(keys)] + ".")
	}
	want = append(want, prefix.String()+"name required", prefix.String()+"items[0].qty min")
	_, err := validate.DecodePatch[DeepNode](request(sb.String()))
	assert.Equal(t, want, fieldsOf(fieldErrors(t, err)))
}

func TestDeepFailingBodyMemoryIsLinear(t *testing.T) {
	// Not parallel: it measures allocations.
	leaves := `{"name":"n","items":[` + strings.TrimSuffix(strings.Repeat(`{"qty":0},`, 3000), ",") + `]}`
	measure := func(body string) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := validate.Decode[DeepNode](request(body))
		runtime.ReadMemStats(&after)
		require.Error(t, err)
		return after.TotalAlloc - before.TotalAlloc
	}
	shallow := measure(leaves)
	deep := measure(deepChain(3000, leaves))
	patchDeep := func() uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := validate.DecodePatch[DeepNode](request(deepChain(3000, leaves)))
		runtime.ReadMemStats(&after)
		require.Error(t, err)
		return after.TotalAlloc - before.TotalAlloc
	}()
	// The 3,000 levels above the leaves may cost their own size a few times over, not
	// 3,000 times each failing leaf.
	assert.Less(t, deep, 4*shallow, "Decode: shallow %d B, deep %d B", shallow, deep)
	assert.Less(t, patchDeep, 4*shallow, "DecodePatch: shallow %d B, deep %d B", shallow, patchDeep)
}

func TestDeepFieldsSharesPathText(t *testing.T) {
	// Not parallel: it measures allocations.
	const depth = 5000
	p, err := validate.DecodePatch[DeepNode](request(deepChain(depth, `{}`)))
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fields := p.Fields()
	runtime.ReadMemStats(&after)
	require.Len(t, fields, depth)
	assert.Equal(t, deepPath(depth-1, "child"), fields[depth-1])
	assert.Equal(t, "child.child", fields[1])
	// The text of all paths is one string of 6 bytes a level, plus the slice and the
	// bookkeeping: linear, where one string per path would take depth² × 3 bytes (75 MB).
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(depth*100))
}

func TestDeepNestingLimit(t *testing.T) {
	t.Parallel()
	type Chain struct {
		Child *Chain `json:"child"`
	}
	_, err := validate.Decode[Chain](request(deepChain(validate.MaxDepth-1, `{}`)))
	require.NoError(t, err)
	_, err = validate.DecodePatch[Chain](request(deepChain(validate.MaxDepth-1, `{}`)))
	require.NoError(t, err)
	_, err = validate.Decode[Chain](request(deepChain(validate.MaxDepth, `{}`)))
	de := decodeError(t, err)
	assert.Equal(t, 400, de.StatusCode())
	assert.ErrorIs(t, err, validate.ErrTooDeep)
	assert.ErrorIs(t, err, validate.ErrSyntax)
	assert.Equal(t, "request body nests deeper than 10000 levels", de.Error())
	var v any
	require.Error(t, json.Unmarshal([]byte(deepChain(validate.MaxDepth, `{}`)), &v), "encoding/json's limit is the same")
}
