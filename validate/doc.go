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
