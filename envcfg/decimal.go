package envcfg

import (
	"errors"
	"reflect"
	"strings"
)

// errNotDecimal marks an integer written in anything but plain decimal.
var errNotDecimal = errors.New("envcfg: integer is not plain decimal")

// checkDecimal reports errNotDecimal when a value of type t holds an integer
// that is not written in plain decimal: digits 0-9, no leading zero (except 0
// itself), a leading + or - for signed types only. go-envconfig parses
// integers with base 0, where 010 is 8, 0x10 is 16 and 1_000 is 1000; once
// checkDecimal has passed a value, base 0 and base 10 read it the same way.
//
// Lists and maps are split exactly as go-envconfig splits them, and each
// integer item is checked. Types go-envconfig decodes with a decoder
// interface, and time.Duration, are left alone.
func checkDecimal(t reflect.Type, val, delim, sep string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !hasInteger(t, 0) {
		return nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if val != "" && !plainDecimal(val, true) {
			return errNotDecimal
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if val != "" && !plainDecimal(val, false) {
			return errNotDecimal
		}
	case reflect.Slice:
		for item := range strings.SplitSeq(val, delim) {
			if err := checkDecimal(t.Elem(), strings.TrimSpace(item), delim, sep); err != nil {
				return err
			}
		}
	case reflect.Map:
		for item := range strings.SplitSeq(val, delim) {
			k, v, ok := strings.Cut(item, sep)
			if !ok {
				continue // go-envconfig reports the malformed item
			}
			if err := checkDecimal(t.Key(), strings.TrimSpace(k), delim, sep); err != nil {
				return err
			}
			if err := checkDecimal(t.Elem(), strings.TrimSpace(v), delim, sep); err != nil {
				return err
			}
		}
	}
	return nil
}

// hasInteger reports whether go-envconfig parses an integer somewhere in a
// value of type t (not through a decoder, not as a duration, not as []byte).
func hasInteger(t reflect.Type, depth int) bool {
	for t.Kind() == reflect.Pointer && depth < 32 {
		t = t.Elem()
		depth++
	}
	if depth >= 32 || isDecoder(t) || t == durationType {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8 && hasInteger(t.Elem(), depth+1)
	case reflect.Map:
		return hasInteger(t.Key(), depth+1) || hasInteger(t.Elem(), depth+1)
	}
	return false
}

// plainDecimal reports whether s is [+-]?(0|[1-9][0-9]*), the sign only when
// signed.
func plainDecimal(s string, signed bool) bool {
	if signed && s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
