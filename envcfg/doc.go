// Package envcfg loads typed configuration from the environment, validates
// it, and reports every problem at once.
//
// A service that reads its configuration with a plain decoder learns about
// one mistake per restart: the first missing variable stops the decoder, the
// next deploy finds the next one, and a malformed value may land in the logs
// quoted, secret or not. envcfg decodes each variable on its own (through
// github.com/sethvargo/go-envconfig's tag syntax), validates the result with
// github.com/go-playground/validator/v10, and returns one [*Error] whose
// lines read like a checklist:
//
//	DATABASE_URL: is required but not set; expected a URL such as https://example.com/path
//	PORT: is not valid: must be a whole number from 0 to 65535
//	APP_ENV: must be one of: development, production, test
//	SESSION_SECRET: is a known placeholder value; production needs a strong, unique value
//
// Values never appear in errors, and fields of type [Secret] never appear in
// fmt, slog or JSON output either. In production a secret left empty, at its
// development default, or at a placeholder such as "changeme" is an error;
// elsewhere it is a logged warning. [WithProduction] says how to tell
// production (a variable and the values that mean production); without it
// every environment counts as production, so a forgotten option can never
// let a placeholder secret through. NAME_FILE indirection reads Docker and
// Kubernetes secrets from files. [WriteExample] generates a documented
// .env.example and [Usage] a table of the variables, both from the same
// struct.
//
// The shortest use:
//
//	type Config struct {
//		Port     uint16        `env:"PORT, default=5000" desc:"HTTP listen port"`
//		Database url.URL       `env:"DATABASE_URL, required" desc:"database connection URL"`
//		Env      string        `env:"APP_ENV, default=development" validate:"oneof=development production test"`
//		Session  envcfg.Secret `env:"SESSION_SECRET, required" validate:"min=32"`
//	}
//
//	cfg, err := envcfg.Load[Config](ctx, envcfg.WithProduction("APP_ENV", "production"))
//	if err != nil {
//		log.Fatalf("configuration:\n%v", err)
//	}
//
// Decisions where envcfg differs from go-envconfig, and why:
//
//   - An empty value takes the default. NAME= (or Docker Compose's
//     NAME=${NAME} with NAME unset) loads default=, not the zero value:
//     PORT= gives the default port, not 0, and
//     DEBUG= with default=true gives true. A required variable set to the
//     empty string is still a problem ([ErrEmpty]). An empty NAME beside
//     NAME_FILE reads the file.
//   - Integers are plain decimal: digits 0-9, a sign only for signed types,
//     no leading zero. go-envconfig reads them base 0, where PORT=010 is
//     silently 8; envcfg rejects 010, 08080, 0x1F90, 0o17 and 1_000 with a
//     message that says so ("must be a whole number from 0 to 65535 in
//     decimal digits without leading zeros"), in lists, maps and defaults
//     too. A leading zero is refused rather than read as decimal because
//     shells, YAML 1.1 and Go's base 0 read it as octal: whoever wrote
//     FILE_MODE=0644 meant octal, and 644 would be silently wrong.
//     time.Duration and types with a decoder are not affected.
//   - Production is decided from the value Load produced for the
//     [WithProduction] variable: after its default (with $VAR expanded),
//     NAME_FILE and mutators, never from the raw default= text. An unset
//     production variable means development, so a program runs with no
//     configuration; [WithProductionRequired] makes it an error instead, for
//     programs that are always deployed with the variable set.
//   - Secrets: fields of type Secret, *Secret, and lists and maps of them
//     ([]Secret, map[string]Secret) get the production checks; an item of a
//     list is named by its position, never its value.
//   - Cross-field rules (ltefield=Max, eqcsfield=Pool.Max, ...) name the
//     other field's environment variable ("must be at most POOL_MAX"), and
//     are not reported when that variable itself failed to load: its own
//     problem is the one to fix.
//   - [WithMutators] passes go-envconfig mutators (secret-manager
//     references, for example) through, with the variable's real names.
//   - [WriteExample] writes each default so that a dotenv parser reads back
//     the value Load would use (quotes for ', #, spaces; a literal $ and
//     backslashes kept), and NAME= for a default that expands $VAR: an empty
//     value takes the default, expanded when Load runs.
//
// Tags: env is go-envconfig's (name, required, default=, prefix= on nested
// structs, delimiter=, separator=, noinit, decodeunset); validate is
// validator's; desc documents a variable; envcfg takes "devdefault" (a
// secret's default= is a development default, allowed but an error in
// production) and "optional" (a secret may be empty, even in production).
package envcfg
