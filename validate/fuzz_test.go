package validate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/validate"
)

var fuzzSeeds = []string{
	validModule,
	`{}`,
	`{"name":"ab","name":"cd"}`,
	`{"Name":"core"}`,
	`{"x":1}`,
	`{"safety":{"reviewer":"a","reviewer":"b"}}`,
	`{"labels":{"a":"1","\u0061":"2"}}`,
	`{"meta":{"k":[1,{"k":2,"k":3}]}}`,
	`{"items":[{"sku":"a1","qty":1},{"sku":"b2","qty":2,"sku":"c"}]}`,
	`{"level":128,"count":-1,"score":1e39,"matrix":[1,2,3],"limits":{"x":1}}`,
	`{"created":"2025-11-13T10:00:00Z","blob":"aGk=","quoted":"42"}`,
	`{"note":null,"backup":null,"tags":null,"labels":{"a":null}}`,
	`{"name":"a"} {}`,
	"{\"labels\":{\"a\xff\":\"x\",\"a\xfe\":\"y\"}}",
	`{"meta":[[[[[[[[]]]]]]]]}`,
	`{"name":"\ud800\udc00\ud800"}`,
	`{"limits":{"7":1,"07":2,"-0":3}}`,
	`{"quoted":" 42","meta":{"a":[1e400,-2e308]}}`,
	`{"created":"yesterday","name":"ok","active":true}`,
	`{"items":[{"sku":"a1","qty":"x"}],"labels":{"a]\n.b[":"x"}}`,
	"\xef\xbb\xbf{}",
	`hello`,
}

func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{}`), "application/merge-patch+json; charset=UTF-8")
	f.Add([]byte(`{}`), "application/json; charset=\"")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		m, err := validate.Decode[Module](r, validate.MaxBytes(64<<10))
		if err != nil {
			checkClientError(t, err)
			return
		}
		checkAccepted(t, body)
		var want Module
		require.NoError(t, json.Unmarshal(body, &want), "accepted a body encoding/json rejects")
		assert.Equal(t, want, m, "decoded differently from encoding/json")
	})
}

func FuzzDecodePatch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := validate.DecodePatch[Module](request(string(body)))
		if err != nil {
			require.Nil(t, p)
			checkClientError(t, err)
			return
		}
		checkAccepted(t, body)
		for _, path := range p.Fields() {
			if !strings.Contains(path, ".") { // map keys may hold dots; top-level names cannot
				assert.True(t, p.Has(path), path)
			}
		}
		var zero Module
		p.Apply(&zero)
		stored := Module{Name: "core", Safety: Safety{Reviewer: "r"}, Backup: &Safety{Reviewer: "b"}, Tags: []string{"t"},
			Labels: map[string]string{"k": "v"}, Meta: map[string]any{"a": 1.0, "o": map[string]any{"x": "y"}}}
		want := mergePatchReference(t, stored, body)
		p.Apply(&stored)
		got, err := json.Marshal(stored)
		require.NoError(t, err)
		if want != "" {
			assert.JSONEq(t, want, string(got), "Apply differs from RFC 7396 merge patch")
		}
	})
}

// mergePatchReference applies body to stored's JSON with the RFC 7396 algorithm on generic
// values and decodes the result back through Module. It returns "" when the comparison would
// be meaningless: map keys that Go normalizes (an integer key "07" is the key "7").
func mergePatchReference(t *testing.T, stored Module, body []byte) string {
	t.Helper()
	target, err := json.Marshal(stored)
	require.NoError(t, err)
	var tv, pv any
	require.NoError(t, json.Unmarshal(target, &tv))
	require.NoError(t, json.Unmarshal(body, &pv))
	if limits, ok := pv.(map[string]any)["limits"].(map[string]any); ok {
		for k := range limits {
			if n, err := strconv.Atoi(k); err != nil || strconv.Itoa(n) != k {
				return ""
			}
		}
	}
	merged, err := json.Marshal(mergePatch(tv, pv))
	require.NoError(t, err)
	var m Module
	require.NoError(t, json.Unmarshal(merged, &m))
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}

// mergePatch is RFC 7396 section 2, verbatim.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for name, value := range p {
		if value == nil {
			delete(t, name)
		} else {
			t[name] = mergePatch(t[name], value)
		}
	}
	return t
}

// checkClientError asserts that a rejection is one respond.Error renders as a 4xx.
func checkClientError(t *testing.T, err error) {
	t.Helper()
	var de *validate.DecodeError
	var errs validate.Errors
	switch {
	case errors.As(err, &de):
		assert.Contains(t, []int{400, 413, 415}, de.StatusCode())
		assert.NotEmpty(t, de.Error())
	case errors.As(err, &errs):
		assert.NotEmpty(t, errs)
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
}

// checkAccepted asserts, with an independent reading of the body through encoding/json's
// tokenizer, that an accepted body is valid JSON with no duplicate and no unknown key.
func checkAccepted(t *testing.T, body []byte) {
	t.Helper()
	require.True(t, json.Valid(body), "accepted invalid JSON")
	dec := json.NewDecoder(bytes.NewReader(body))
	problem, err := inspect(dec, reflect.TypeFor[Module]())
	require.NoError(t, err)
	require.Empty(t, problem, "accepted a body with a bad key")
	_, err = dec.Token()
	require.ErrorIs(t, err, io.EOF, "accepted trailing data")
}

// inspect reads one value of type t (nil: any) and names the first duplicate or unknown key.
func inspect(dec *json.Decoder, t reflect.Type) (string, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		problem := ""
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", err
			}
			key := kt.(string)
			if seen[key] && problem == "" {
				problem = "duplicate " + key
			}
			seen[key] = true
			var vt reflect.Type
			switch {
			case t == nil:
			case t.Kind() == reflect.Map:
				vt = t.Elem()
			case t.Kind() == reflect.Struct && t != reflect.TypeFor[json.RawMessage]():
				if f, ok := jsonField(t, key); ok {
					vt = f
				} else if problem == "" {
					problem = "unknown " + key
				}
			}
			p, err := inspect(dec, vt)
			if err != nil {
				return "", err
			}
			if problem == "" {
				problem = p
			}
		}
		_, err := dec.Token()
		return problem, err
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		problem := ""
		for dec.More() {
			p, err := inspect(dec, et)
			if err != nil {
				return "", err
			}
			if problem == "" {
				problem = p
			}
		}
		_, err := dec.Token()
		return problem, err
	}
	return "", nil
}

// jsonField finds the field with JSON name key, exactly, in a struct without embedding.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	if t.PkgPath() == "time" {
		return nil, false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.IsExported() && name != "-" && name == key {
			return f.Type, true
		}
	}
	return nil, false
}

// FuzzDecodeDeep decodes bodies of a self-referencing type, which nest past the depth at
// which structs are validated by validator calls of their own, with Decode and DecodePatch:
// no panic, only client errors, and what is accepted is what encoding/json decodes.
func FuzzDecodeDeep(f *testing.F) {
	f.Add(deepChain(40, `{"name":"n","items":[{"qty":0}],"next":{"a]":{"name":""}}}`))
	f.Add(deepChain(35, `{"next":{"k":{"child":{"name":"x"}}}}`))
	f.Add(`{"next":{"a].Next[b":{"next":{"[x]":{"name":""}}}}}`)
	f.Add(deepChain(3, `{"items":[{"qty":1},{"qty":"2"}]}`))
	f.Fuzz(func(t *testing.T, body string) {
		n, err := validate.Decode[DeepNode](request(body))
		if err != nil {
			checkClientError(t, err)
		} else {
			var want DeepNode
			require.NoError(t, json.Unmarshal([]byte(body), &want), "accepted a body encoding/json rejects")
			assert.Equal(t, want, n)
		}
		p, err := validate.DecodePatch[DeepNode](request(body))
		if err != nil {
			require.Nil(t, p)
			checkClientError(t, err)
			var errs validate.Errors
			if errors.As(err, &errs) {
				require.LessOrEqual(t, len(errs), 101)
				for _, fe := range errs {
					require.LessOrEqual(t, len(fe.Field), 1024)
				}
			}
			return
		}
		var dst DeepNode
		p.Apply(&dst)
		_ = p.Fields()
	})
}
