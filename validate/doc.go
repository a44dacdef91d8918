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
//     body cannot produce a response many times its size.
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
