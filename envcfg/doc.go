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
// Tags: env is go-envconfig's (name, required, default=, prefix= on nested
// structs, delimiter=, separator=, noinit, decodeunset); validate is
// validator's; desc documents a variable; envcfg takes "devdefault" (a
// secret's default= is a development default, allowed but an error in
// production) and "optional" (a secret may be empty, even in production).
package envcfg
