package server

import (
	"errors"
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/validate"
)

// inputValidator is validate's validator plus two rules of this server:
//
//   - notblank: a string must hold something other than white space
//     (a name of "   " names nothing);
//   - storable: a string must be text every store keeps (store.ValidText: no
//     NUL character, which PostgreSQL's text type refuses), so the same
//     input gets the same 400 on SQLite and PostgreSQL.
var inputValidator = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("notblank", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	}))
	must(v.RegisterValidation("storable", func(fl validator.FieldLevel) bool {
		return store.ValidText(fl.Field().String())
	}))
	return v
}()

// withRules makes validate use inputValidator.
var withRules = validate.WithValidator(inputValidator)

// ruleMessages are the messages of this server's own rules (validate knows
// only validator's built-in ones).
var ruleMessages = map[string]string{
	"notblank": "must not be blank",
	"storable": "must not contain NUL characters (\\u0000)",
}

// explain gives the problems of this server's rules their messages.
func explain(err error) error {
	var problems validate.Errors
	if errors.As(err, &problems) {
		for i, p := range problems {
			if msg, ok := ruleMessages[p.Rule]; ok {
				problems[i].Message = msg
			}
		}
	}
	return err
}
