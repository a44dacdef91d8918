package validate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Decode reads a JSON request body into a T (a struct type) for a create endpoint and
// validates the whole value.
//
// The body must have a JSON Content-Type (application/json or any application/*+json, with
// charset utf-8 if a charset is given): otherwise 415. It is limited to MaxBytes (default
// 1 MiB): otherwise 413. Empty bodies, malformed JSON, nesting deeper than MaxDepth,
// duplicate keys and data after the value are rejected with 400 (a *DecodeError). Then every remaining problem is collected into one
// Errors (400): unknown keys (unless AllowUnknownFields), keys that match a field only when case
// is ignored, values of the wrong JSON type or out of range for the Go type, null for a field
// that cannot be nil, and every failed `validate` tag.
//
// `required` on a bool or number struct field is satisfied by its presence in the body, even
// as false or 0: presence, not the Go zero value, is what a client can express. The rules
// after it still apply (`required,min=1` rejects 0), except that a field whose later rules
// compare it with another field (gtfield, ...) keeps validator's meaning, where 0 fails
// required. For strings, slices, maps, structs, pointers, map values and array elements
// `required` keeps validator's meaning (non-zero, non-nil).
//
// T must be a struct type that implements neither json.Unmarshaler nor
// encoding.TextUnmarshaler; otherwise Decode returns a plain error (a programming error, not
// a client's) on every call.
//
// On error Decode returns the zero T.
func Decode[T any](r *http.Request, opts ...Option) (T, error) {
	var v T
	cfg := newConfig(opts)
	ti, err := structInfo[T]("Decode")
	if err != nil {
		return v, err
	}
	buf, derr := readBody(r, cfg.maxBytes)
	if derr != nil {
		return v, derr
	}
	defer releaseBuf(buf)

	sc := scannerPool.Get().(*scanner)
	defer putScanner(sc)
	sc.reset(*buf, cfg.allowUnknown, false)
	if derr := sc.scan(ti); derr != nil {
		return v, derr
	}
	var zero T
	errs, check, err := unmarshal(*buf, &v, ti, sc)
	if err != nil {
		return zero, err // v may be half decoded
	}
	if check {
		if errs, err = cfg.check(&v, ti, sc, errs, false); err != nil {
			return zero, err
		}
	}
	if len(errs) > 0 {
		return zero, errs
	}
	return v, nil
}

// DecodePatch reads a JSON request body as a partial update (PATCH, RFC 7396 JSON merge patch)
// of a T, the same struct, with the same tags, that Decode uses for create.
//
// The checks are those of Decode, but validation covers only the fields present in the body:
// `required` fires for a present-but-empty field, never for an absent one. Nested objects are
// partial too; arrays are replaced as a whole and so are validated in full, and so is each
// map entry present, and so is a present value of a type with its own UnmarshalJSON or
// UnmarshalText, which Apply replaces whole. null clears a pointer, slice, map or interface
// field; a type with its own
// UnmarshalJSON decides what null means (its method returning an error makes null an error);
// for any other field null is an error.
//
// The returned Patch says which fields were present and applies them onto an existing value.
func DecodePatch[T any](r *http.Request, opts ...Option) (*Patch[T], error) {
	cfg := newConfig(opts)
	ti, err := structInfo[T]("DecodePatch")
	if err != nil {
		return nil, err
	}
	buf, derr := readBody(r, cfg.maxBytes)
	if derr != nil {
		return nil, derr
	}
	defer releaseBuf(buf)

	sc := &scanner{nodes: make([]node, 0, 8)}
	sc.reset(*buf, cfg.allowUnknown, true)
	if derr := sc.scan(ti); derr != nil {
		return nil, derr
	}
	p := &Patch[T]{ti: ti}
	errs, check, err := unmarshal(*buf, &p.value, ti, sc)
	if err != nil {
		return nil, err
	}
	p.nodes = sc.nodes
	if check {
		if errs, err = cfg.check(&p.value, ti, sc, errs, true); err != nil {
			return nil, err
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// structInfo returns the metadata of T, which must be a struct type.
func structInfo[T any](fn string) (*typeInfo, error) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("validate: %s[%s]: the type must be a struct", fn, t)
	}
	ti := infoFor(t)
	switch ti.kind {
	case kindUnmarshaler:
		return nil, fmt.Errorf("validate: %s[%s]: the type implements json.Unmarshaler (perhaps through an embedded field), "+
			"so its JSON shape is its own and cannot be checked strictly; decode into a struct type without the method "+
			"(such as the alias type its UnmarshalJSON uses)", fn, t)
	case kindText:
		return nil, fmt.Errorf("validate: %s[%s]: the type implements encoding.TextUnmarshaler (perhaps through an embedded field), "+
			"so encoding/json decodes it from a string, not an object; decode into a struct type without the method", fn, t)
	}
	return ti, nil
}

// unmarshal decodes the body, which the pre-pass has checked, into v. It reports whether the
// value may be validated: encoding/json decodes past a wrong JSON type (the field keeps its
// zero value, and the pre-pass has reported it), but stops at the first value a type's own
// UnmarshalJSON or UnmarshalText rejects, leaving the rest undecoded; validating that rest
// would report fields the client sent correctly as missing. A type error the pre-pass could
// not foresee becomes a field error; any other failure ends decoding with a *DecodeError.
func unmarshal(body []byte, v any, ti *typeInfo, sc *scanner) (errs Errors, check bool, err error) {
	errs = sc.errs
	err = json.Unmarshal(body, v)
	if err == nil {
		return errs, true, nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && !sc.stopped {
		if len(errs) == 0 {
			// te.Value can hold the client's number ("number 300"): never echo it.
			exp := infoFor(te.Type).expected()
			msg := "expected " + exp
			if exp == "value" {
				exp, msg = "", "cannot be decoded into this field"
			}
			errs = addError(errs, FieldError{Field: typeErrorPath(ti, te.Field), Rule: "type", Param: exp, Message: msg})
		}
		// Otherwise the pre-pass has reported it already, with the element's index that
		// te.Field lacks.
		return errs, true, nil
	}
	if len(errs) > 0 {
		return errs, false, nil // the pre-pass explains it; don't validate a half-decoded value
	}
	return nil, false, newDecodeError(http.StatusBadRequest, ErrRead, -1, "request body could not be decoded", err)
}

// typeErrorPath turns the field of an encoding/json type error (JSON names, with the Go names
// of embedded structs, without map keys or indexes) into a path in this package's style.
func typeErrorPath(ti *typeInfo, field string) string {
	var sb strings.Builder
	cur := ti
	for part := range strings.SplitSeq(field, ".") {
		var f *fieldInfo
		if cur != nil {
			cur = cur.deref()
			for cur.kind == kindArray || cur.kind == kindMap {
				cur = cur.elem.deref()
			}
			if cur.kind == kindStruct {
				f = cur.fields[part]
				if f == nil && cur.groups[part] {
					continue // an embedded struct's Go name: not part of the JSON path
				}
			}
		}
		if f != nil {
			cur = f.typ
		} else {
			cur = nil
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(safeKey(part))
	}
	return sb.String()
}

var scannerPool = sync.Pool{New: func() any { return new(scanner) }}

func putScanner(sc *scanner) {
	if cap(sc.nodes) > 1024 {
		sc.nodes = nil
	}
	sc.data, sc.errs = nil, nil
	scannerPool.Put(sc)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func releaseBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // don't keep big buffers alive
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// readBody checks the Content-Type and reads the body, at most limit bytes.
func readBody(r *http.Request, limit int64) (*[]byte, *DecodeError) {
	if !isJSON(r.Header.Get("Content-Type")) {
		return nil, newDecodeError(http.StatusUnsupportedMediaType, ErrUnsupportedMediaType, -1,
			"content type must be application/json", nil)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, newDecodeError(http.StatusBadRequest, ErrEmptyBody, -1, "request body is empty", nil)
	}
	if r.ContentLength > limit {
		return nil, tooLarge(&http.MaxBytesError{Limit: limit})
	}
	// No ResponseWriter to tell: the caller's error response decides about the connection.
	body := http.MaxBytesReader(nil, r.Body, limit)
	buf := bufPool.Get().(*[]byte)
	b := *buf
	if r.ContentLength > 0 && int64(cap(b)) < r.ContentLength+1 {
		b = make([]byte, 0, r.ContentLength+1)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*buf = b
			releaseBuf(buf)
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge(mbe)
			}
			return nil, newDecodeError(http.StatusBadRequest, ErrRead, -1, "request body could not be read", err)
		}
	}
	*buf = b
	return buf, nil
}

func tooLarge(mbe *http.MaxBytesError) *DecodeError {
	return newDecodeError(http.StatusRequestEntityTooLarge, ErrTooLarge, -1,
		"request body is larger than the limit of "+strconv.FormatInt(mbe.Limit, 10)+" bytes", mbe)
}

// isJSON reports whether a Content-Type names JSON: application/json or application/*+json,
// with parameters allowed but a charset, if any, of utf-8.
func isJSON(ct string) bool {
	if len(ct) == len("application/json") && strings.EqualFold(ct, "application/json") {
		return true
	}
	media, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if media != "application/json" && !(strings.HasPrefix(media, "application/") && strings.HasSuffix(media, "+json")) {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return false
	}
	return true
}
