package envcfg

import (
	"errors"
	"strings"
)

// Sentinel errors classify a [Problem]. Every Problem carries one of them in
// its Err field, and [*Error] unwraps to the set of them, so callers can test
// an error returned by [Load] with errors.Is.
var (
	// ErrMissing: a required variable is not set.
	ErrMissing = errors.New("envcfg: required variable not set")
	// ErrEmpty: a required variable is set to the empty string.
	ErrEmpty = errors.New("envcfg: required variable set but empty")
	// ErrInvalid: a value does not parse as the field's type.
	ErrInvalid = errors.New("envcfg: value does not parse")
	// ErrValidation: a value parsed but fails a validate tag rule.
	ErrValidation = errors.New("envcfg: value fails validation")
	// ErrWeakSecret: in production, a secret is empty, still equals its
	// development default, or is a known placeholder.
	ErrWeakSecret = errors.New("envcfg: weak secret in production")
	// ErrFile: NAME_FILE indirection failed (both NAME and NAME_FILE set,
	// NAME_FILE empty, the file unreadable or too large).
	ErrFile = errors.New("envcfg: NAME_FILE indirection failed")
	// ErrMutator: a mutator given with [WithMutators] failed. The Problem's
	// Err wraps both ErrMutator and the mutator's own error.
	ErrMutator = errors.New("envcfg: mutator failed")
	// ErrDefinition: the configuration struct itself is wrong (a bad env tag,
	// an unexported tagged field, a secret with a default that is not marked
	// as a development default, ...). This is a programmer error.
	ErrDefinition = errors.New("envcfg: invalid configuration struct")
)

// Problem is one thing wrong with one environment variable.
type Problem struct {
	// Var is the environment variable's full name, prefixes included (for
	// NAME_FILE problems, the NAME_FILE variable). For a validate rule on a
	// field that has no env tag it is the Go field path.
	Var string
	// Message says what is wrong and the expected form, in lowercase. It
	// never contains the variable's value.
	Message string
	// Err is the sentinel that classifies the problem (ErrMissing,
	// ErrInvalid, ...). For ErrMutator it is an error that wraps both
	// ErrMutator and the mutator's error; test it with errors.Is.
	Err error
}

// String returns "VAR: message".
func (p Problem) String() string { return p.Var + ": " + p.Message }

// Error reports every problem found by one call to [Load], in struct order.
// Its text has one problem per line, "VAR: message", so a startup log reads
// like a checklist. No value of any variable appears in it.
type Error struct {
	Problems []Problem
}

// Error implements error: one "VAR: message" line per problem.
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Var)
		b.WriteString(": ")
		b.WriteString(p.Message)
	}
	return b.String()
}

// Unwrap returns the distinct sentinels of the problems (and the errors of
// failed mutators), so errors.Is(err, envcfg.ErrMissing) reports whether any
// variable is missing.
func (e *Error) Unwrap() []error {
	var out []error
	for _, p := range e.Problems {
		if p.Err != nil && !containsErr(out, p.Err) {
			out = append(out, p.Err)
		}
	}
	return out
}

// Has reports whether a problem concerns the variable name.
func (e *Error) Has(name string) bool {
	for _, p := range e.Problems {
		if p.Var == name {
			return true
		}
	}
	return false
}

func containsErr(list []error, err error) bool {
	for _, e := range list {
		if e == err {
			return true
		}
	}
	return false
}
