package validate

import (
	"reflect"
	"strings"
	"testing"
)

type chainNode struct {
	Child *chainNode            `json:"child"`
	Items []chainLeaf           `json:"items" validate:"dive"`
	Next  map[string]*chainNode `json:"next" validate:"dive"`
}

type chainLeaf struct {
	Qty int `json:"qty" validate:"min=1"`
}

// filterWork runs the pre-pass, decoding and the validator calls of a DecodePatch (partial)
// or Decode over body, as check does, and returns how many frames the filter compared or
// walked.
func filterWork(t *testing.T, body string, partial bool) int {
	t.Helper()
	ti := infoFor(reflect.TypeFor[chainNode]())
	sc := &scanner{}
	sc.reset([]byte(body), false, partial)
	if err := sc.scan(ti); err != nil {
		t.Fatal(err)
	}
	var v chainNode
	if _, _, err := unmarshal([]byte(body), &v, ti, sc); err != nil {
		t.Fatal(err)
	}
	var idx childIndex
	fl := &filter{nodes: sc.nodes, idx: &idx, partial: partial, canCut: sc.deepest > cutDepth, strict: sc.bracketKeys}
	fl.cuts = append(fl.cutBuf[:0], cut{ti: ti, node: 0, val: reflect.ValueOf(&v).Elem()})
	for i := 0; i < len(fl.cuts); i++ {
		fl.start(fl.cuts[i])
		target := any(&v)
		if i > 0 {
			target = fl.cuts[i].val.Interface()
		}
		_ = defaults.validate().StructFiltered(target, fl.skip)
	}
	return fl.work
}

// TestFilterWorkIsLinear: walking every namespace from the top cost O(depth) per field, so
// O(depth²) per body (23 s for a 1 MiB patch); the frames make it O(depth).
func TestFilterWorkIsLinear(t *testing.T) {
	t.Parallel()
	for _, shape := range []struct {
		name        string
		level, tail string
	}{
		{"child", `{"child":`, `}`},
		{"items", `{"items":[{"qty":1}],"child":`, `}`},
		{"map", `{"next":{"k":`, `}}`},
		{"bracket keys", `{"next":{"a].Next[b":`, `}}`}, // every frame is re-checked
	} {
		for _, partial := range []bool{true, false} {
			work := func(depth int) int {
				return filterWork(t, strings.Repeat(shape.level, depth)+`{}`+strings.Repeat(shape.tail, depth), partial)
			}
			small, big := work(200), work(2000)
			t.Logf("%s partial=%v: %d, %d", shape.name, partial, small, big)
			if big > 12*small {
				t.Errorf("%s (partial %v): work %d at depth 200, %d at depth 2000: not linear", shape.name, partial, small, big)
			}
		}
	}
}
