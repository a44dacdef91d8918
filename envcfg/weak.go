package envcfg

import (
	"fmt"
	"strings"
)

// placeholders are values people put in a secret "for now". Compared after
// lowercasing and dropping everything but letters and digits, so "Change-Me",
// "CHANGE_ME" and "change me" all match "changeme".
var placeholders = map[string]bool{
	"changeme": true, "changeit": true, "replaceme": true, "secret": true, "password": true,
	"passwd": true, "pass": true, "default": true, "example": true, "sample": true,
	"placeholder": true, "test": true, "testing": true, "dev": true, "development": true,
	"todo": true, "fixme": true, "admin": true, "root": true, "token": true, "apikey": true,
	"key": true, "mysecret": true, "yoursecret": true, "yoursecrethere": true, "supersecret": true,
	"topsecret": true, "secretkey": true, "sessionsecret": true, "insecure": true, "none": true,
	"null": true, "nil": true, "undefined": true, "empty": true, "qwerty": true, "letmein": true,
	"123456": true, "12345678": true, "123456789": true, "1234567890": true, "abc123": true,
	"xxx": true, "foo": true, "bar": true, "foobar": true,
}

// placeholderParts mark a value as a placeholder wherever they appear in it,
// as in "dev-secret-change-me-in-production".
var placeholderParts = []string{"changeme", "replaceme", "changeinproduction", "changethis", "yoursecret", "notsecret", "insecure"}

// isPlaceholder reports whether s is a known placeholder, case-insensitively,
// or a single character repeated ("xxxxxxxx").
func isPlaceholder(s string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	n := b.String()
	if placeholders[n] {
		return true
	}
	for _, p := range placeholderParts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return len(s) > 1 && strings.Count(s, s[:1]) == len(s)
}

// weakReason says why a secret is weak, or "" when it is not. vals are the
// decoded values (one for a Secret, the items of a list or map of secrets),
// raw the value Load read, found whether the variable (or its NAME_FILE) was
// set.
func weakReason(v *variable, vals []string, raw string, found bool) string {
	if !v.secrets {
		s := ""
		if len(vals) > 0 {
			s = vals[0]
		}
		switch {
		case s == "" && v.optional:
			return ""
		case s == "":
			return "is empty"
		case v.def != "" && (!found || s == v.def):
			return "still has its development default"
		case isPlaceholder(s):
			return "is a known placeholder value"
		}
		return ""
	}
	switch {
	case len(vals) == 0 && v.optional:
		return ""
	case len(vals) == 0:
		return "is empty"
	case v.def != "" && (!found || raw == v.def):
		return "still has its development default"
	}
	// Map values have no stable order; list items are numbered from 1.
	isMap := strings.HasPrefix(strings.TrimLeft(v.typ.String(), "*"), "map[")
	for i, s := range vals {
		where := ""
		if !isMap {
			where = fmt.Sprintf(" (item %d)", i+1)
		}
		if s == "" {
			return "has an empty item" + where
		}
		if isPlaceholder(s) {
			return "has a known placeholder value" + where
		}
	}
	return ""
}
