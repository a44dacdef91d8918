package envcfg

import (
	"fmt"
	"log/slog"
)

// Redacted is what every formatting and encoding of a [Secret] produces.
const Redacted = "[REDACTED]"

// Secret is a string that never shows its value by accident: fmt (every verb,
// %v %+v %#v %s %q %x included), log/slog, encoding/json and
// encoding.TextMarshaler users all see [Redacted]. Call Reveal where the
// value is really needed (signing a cookie, dialing a service).
//
// Fields of type Secret get the production checks described on [Load].
//
// Two limits come from fmt itself, which bypasses every method of a value it
// reports as a bad operand: keep Secret fields exported (fmt cannot call
// methods on unexported fields), and do not format a Secret with %p or with
// %w outside fmt.Errorf (fmt prints "%!p(envcfg.Secret=...)" with the raw
// value). go vet's printf check reports both verbs as mistakes.
type Secret string

var (
	_ fmt.Stringer   = Secret("")
	_ fmt.GoStringer = Secret("")
	_ fmt.Formatter  = Secret("")
	_ slog.LogValuer = Secret("")
)

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer and returns [Redacted].
func (s Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer (%#v) and returns [Redacted].
func (s Secret) GoString() string { return Redacted }

// Format implements fmt.Formatter: every verb and flag prints [Redacted].
func (s Secret) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(Redacted))
}

// LogValue implements slog.LogValuer and returns [Redacted].
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON implements json.Marshaler and returns "[REDACTED]" as a JSON
// string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler and returns [Redacted].
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
