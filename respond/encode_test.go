package respond

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rret\bback\fform",
		"\x00\x01\x1f\x7f", "é ü 日本 🎉", "\u2028\u2029", "bad utf8 \xff\xfe end", "\xed\xa0\x80 surrogate",
		"truncated \xe6\x97", "req-7f3c:+/=.",
	} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendJSONString(nil, s)), "%q", s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<&>", "\u2028", "\xff", "日本\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got[len("prefix"):], want)
		}
	})
}

func TestEncoderValueDropsNewline(t *testing.T) {
	t.Parallel()
	e := getEncoder()
	defer putEncoder(e)
	require.NoError(t, e.value(map[string]int{"a": 1}))
	assert.Equal(t, `{"a":1}`, e.buf.String())
	e.buf.Reset()
	require.Error(t, e.value(make(chan int)))
	assert.Empty(t, e.buf.String(), "a failed value leaves the buffer as it was")
}
