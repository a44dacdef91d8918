// Package validate decodes and validates JSON request bodies strictly, for create (Decode)
// and partial-update (DecodePatch) endpoints, from one struct with `json` and `validate` tags.
//
// Why: encoding/json accepts duplicate keys (the last wins), silently matches keys whose case
// differs, accepts trailing data, reports only the first unknown field and cannot tell an
// absent field from a null or a zero value; validator/v10 names fields by their Go names,
// wants Go names for partial validation, and reads `required` on a bool as "must be true".
// PATCH handlers written on top of them either validate too much (required fires for every
// absent field) or too little. validate does the strict part once:
//
//   - 415 unless the Content-Type is JSON, 413 over MaxBytes (1 MiB by default), 400 for an
//     empty body, malformed JSON, a duplicate key or data after the value (*DecodeError,
//     whose text is safe to send to the client and which says its status via StatusCode);
//   - every other problem at once in an Errors list with JSON paths ("safety.valueAlignment"),
//     the rule, its parameter and an English message, never the rejected value: unknown keys,
//     keys that differ from a field only by case, wrong JSON types, out-of-range numbers,
//     null for fields that cannot be nil, and failed validator tags;
//   - for PATCH, only the fields present in the body are validated, and Patch[T] says which
//     were present and applies exactly those onto the stored value (RFC 7396 merge patch).
//
// Where the rules differ from plain encoding/json and validator:
//
//   - required: in Decode and DecodePatch, a bool or number struct field present in the body
//     meets `required` even as false or 0, and the rules after it still apply
//     (`required,min=1` rejects 0). A field whose later rules compare it with another field
//     (gtfield, ...) keeps validator's meaning, as do map values, array elements and Struct,
//     which has no body to look at: there 0 and false fail required.
//   - Partial validation: DecodePatch asks validator's StructFiltered, the general form of
//     StructPartial, whether each field is present, rather than passing StructPartial a list
//     of Go names: a replaced array must be validated element by element, which a list could
//     only express by naming every element's fields. The effect is StructPartial's over the
//     present paths. Cross-field rules and struct-level validations see the patch alone, not
//     the stored value, and a nested object the patch creates (where the stored pointer or
//     map entry was nil) is checked only for the members it has: when that matters, run
//     Struct on the result of Patch.Apply.
//   - null: allowed for pointers, slices, maps and interfaces (it clears them); a type with its
//     own UnmarshalJSON decides for itself (an error from it makes null an error); time.Time
//     and every other type reject it instead of silently keeping the old value.
//   - Errors lists at most 100 problems, then one entry with rule "limit", so that a hostile
//     body cannot produce a response many times its size. The cap bounds the work too: once
//     the pre-pass has found more than 100 problems, validator is not run, and a path longer
//     than 1 KiB (only a body nested hundreds of levels deep has one) keeps its last whole
//     segments after "…" ("….child.name").
//   - Nesting: a body may nest objects and arrays MaxDepth (10,000) levels deep, the limit of
//     encoding/json v1 and v2; deeper is a 400 matching ErrTooDeep (and ErrSyntax). Below the
//     limit, cost grows linearly with depth: DecodePatch's presence filter and Patch.Fields
//     share their work between a value and its members, and a struct more than 32 levels
//     below the value being validated is validated by a validator call of its own (validator
//     would otherwise spend, on every failing field, a namespace as long as the field is
//     deep). For such deep structs, cross-struct rules (eqcsfield, ...) and struct-level
//     validations see the struct 32 levels up as their top-level struct.
//   - Types with their own UnmarshalJSON or UnmarshalText are opaque to the pre-pass: it calls
//     the method on the value, and reports a failure as a "format" problem. encoding/json
//     stops decoding at such a failure, so then nothing is validated: the fields after it
//     were never decoded, and would be reported as missing. When present in a PATCH, such a
//     value is validated whole, as Patch.Apply replaces it whole (the alias-type pattern that
//     sets defaults in UnmarshalJSON is the common case). T itself must not implement
//     json.Unmarshaler or encoding.TextUnmarshaler (also not through an embedded field, as
//     time.Time gives its methods to a struct that embeds it): its JSON shape would be its
//     own, so strictness could not apply, and Decode and DecodePatch return an error for it,
//     as for a T that is not a struct.
//   - Keys: a field that encoding/json ignores as ambiguous (two embedded structs promote the
//     same name at the same depth) is an unknown key. Two keys of a map that are the same Go
//     key once converted ("7" and "07" for map[int]T, "::1" and "0:0::1" for
//     map[netip.Addr]T) are duplicate keys (400), like two equal keys anywhere.
//   - A body that is not JSON at all (text, a byte order mark) is ErrSyntax; ErrNotObject is
//     for valid JSON that is not an object. A `json:",string"` value is one JSON literal inside
//     the quotes, without spaces around it, as encoding/json reads it; anything else is a
//     "type" problem listed with the others.
//
// The errors render through respond.Error without this package importing respond: Errors
// has ValidationDetails (400 VALIDATION_ERROR with the list as details) and *DecodeError has
// StatusCode (413, 415 or 400 with its message).
//
// Create:
//
//	type Module struct {
//		Name  string `json:"name" validate:"required,max=64"`
//		Level int    `json:"level" validate:"min=0,max=100"`
//	}
//
//	m, err := validate.Decode[Module](r)
//	if err != nil {
//		respond.Error(w, r, err)
//		return
//	}
//
// Update:
//
//	p, err := validate.DecodePatch[Module](r)
//	if err != nil {
//		respond.Error(w, r, err)
//		return
//	}
//	p.Apply(&stored) // only the fields the client sent
package validate
