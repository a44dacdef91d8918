package validate

import (
	"strconv"

	"github.com/go-playground/validator/v10"
)

// DefaultMaxBytes is the body size limit when MaxBytes is not given: 1 MiB.
const DefaultMaxBytes int64 = 1 << 20

// MaxDepth is how deeply a body may nest objects and arrays: 10,000 levels, the limit of
// encoding/json (v1 and v2). A deeper body is rejected with 400 and ErrTooDeep before
// anything is decoded. The limit keeps the pre-pass's recursion bounded; the cost of a deep
// body that is accepted grows linearly with its depth.
const MaxDepth = 10000

// Option configures Decode, DecodePatch and Struct. Options are checked when they are created:
// an invalid value panics with a message naming the option, like an invalid ServeMux pattern.
type Option func(*config)

type config struct {
	maxBytes     int64
	allowUnknown bool
	validator    *validator.Validate
}

// defaults is the configuration with zero options; it is never modified.
var defaults = config{maxBytes: DefaultMaxBytes}

func newConfig(opts []Option) *config {
	if len(opts) == 0 {
		return &defaults
	}
	c := defaults
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return &c
}

func (c *config) validate() *validator.Validate {
	if c.validator != nil {
		return c.validator
	}
	return sharedValidator()
}

// MaxBytes limits the request body to n bytes (default DefaultMaxBytes, 1 MiB). A larger body
// is rejected with 413 before it is read in full. n must be positive.
func MaxBytes(n int64) Option {
	if n <= 0 {
		panic("validate: MaxBytes: limit must be positive, got " + strconv.FormatInt(n, 10))
	}
	return func(c *config) { c.maxBytes = n }
}

// AllowUnknownFields accepts (and ignores) object keys that match no field, instead of
// reporting each as an "unknown" error, which is the default. Keys that match a field only
// when case is ignored are still rejected: encoding/json would otherwise let "NAME" overwrite
// "name".
func AllowUnknownFields() Option {
	return func(c *config) { c.allowUnknown = true }
}

// WithValidator validates with v instead of the package's shared validator (which is created
// with validator.WithRequiredStructEnabled and names fields by their JSON tags). Use it to add
// custom tags or aliases; register them before the first request, as validator requires. v
// must not be nil. Keep validator's default tag name, `validate`: Decode reads that tag to
// let a present false or 0 meet `required` (with another tag name, validator's meaning of
// required applies).
func WithValidator(v *validator.Validate) Option {
	if v == nil {
		panic("validate: WithValidator: validator must not be nil")
	}
	return func(c *config) { c.validator = v }
}
