package envcfg

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/sethvargo/go-envconfig"
)

var durationType = reflect.TypeFor[time.Duration]()

// decimalNote says exactly which integers are accepted (see checkDecimal).
const decimalNote = " in decimal digits without leading zeros"

// knownForms describes decoder types whose form a user cannot guess from the
// type name.
var knownForms = map[reflect.Type]string{
	reflect.TypeFor[url.URL]():               "a URL such as https://example.com/path",
	reflect.TypeFor[time.Time]():             "a time in RFC 3339 form such as 2025-01-02T15:04:05Z",
	reflect.TypeFor[slog.Level]():            "a log level: DEBUG, INFO, WARN or ERROR",
	reflect.TypeFor[net.IP]():                "an IP address such as 192.0.2.1 or 2001:db8::1",
	reflect.TypeFor[netip.Addr]():            "an IP address such as 192.0.2.1 or 2001:db8::1",
	reflect.TypeFor[netip.AddrPort]():        "an address and port such as 192.0.2.1:8080",
	reflect.TypeFor[netip.Prefix]():          "a CIDR prefix such as 10.0.0.0/8",
	reflect.TypeFor[envconfig.Base64Bytes](): "base64-encoded bytes",
	reflect.TypeFor[envconfig.HexBytes]():    "hex-encoded bytes",
	reflect.TypeFor[Secret]():                "a string",
}

// form describes, as a noun phrase, what a value of type t must look like.
func form(t reflect.Type, delim, sep string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f, ok := knownForms[t]; ok && f != "" {
		return f
	}
	if t == durationType {
		return "a duration such as 300ms, 30s or 1h30m"
	}
	if isDecoder(t) {
		return "a valid " + t.String()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean: true or false (or 1, 0, t, f)"
	case reflect.Int:
		return "a whole number" + decimalNote + ", such as 42 or -42"
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		if bits == 64 {
			return "a whole number" + decimalNote + ", such as 42 or -42"
		}
		return fmt.Sprintf("a whole number from %d to %d", -(int64(1)<<(bits-1)), int64(1)<<(bits-1)-1) + decimalNote
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return "a whole number, 0 or more," + decimalNote
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return fmt.Sprintf("a whole number from 0 to %d", uint64(math.MaxUint64)>>(64-t.Bits())) + decimalNote
	case reflect.Float32, reflect.Float64:
		return "a number such as 0.5"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "bytes"
		}
		return fmt.Sprintf("a list separated by %q, each item %s", delim, form(t.Elem(), delim, sep))
	case reflect.Map:
		return fmt.Sprintf("a list of key%svalue pairs separated by %q, each key %s and each value %s",
			sep, delim, form(t.Key(), delim, sep), form(t.Elem(), delim, sep))
	}
	return "a valid " + t.String()
}

// invalidMessage explains a decoding failure without the decoder's text,
// which quotes the value.
func invalidMessage(v *variable, err error) string {
	msg := "is not valid: must be "
	if errors.Is(err, strconv.ErrRange) {
		msg = "is out of range: must be "
	}
	return msg + form(v.typ, v.delim, v.sep)
}

// expectSuffix is the expected form appended to "is required" messages:
// the allowed values of oneof, a validate format, or the type's form.
func expectSuffix(v *variable) string {
	for _, rule := range splitRules(v.validate) {
		name, param, _ := strings.Cut(rule, "=")
		switch name {
		case "oneof", "oneofci":
			return "; expected one of: " + strings.Join(oneOfValues(param), ", ")
		case "required", "omitempty", "min", "max", "len", "gte", "lte", "gt", "lt", "eq", "ne", "dive":
			continue
		}
		if m := ruleText(name, param, v.typ, false); m != "" && strings.HasPrefix(m, "must be ") {
			return "; expected " + strings.TrimPrefix(m, "must be ")
		}
	}
	f := form(v.typ, v.delim, v.sep)
	if f == "a string" {
		return ""
	}
	return "; expected " + f
}

// splitRules splits a validate tag on commas outside of its "|" or-groups.
func splitRules(tag string) []string {
	if tag == "" {
		return nil
	}
	return strings.Split(tag, ",")
}

// oneOfValues splits a oneof parameter as validator does: words, or
// 'single quoted phrases'.
func oneOfValues(param string) []string {
	var out []string
	for param = strings.TrimSpace(param); param != ""; param = strings.TrimSpace(param) {
		if param[0] == '\'' {
			if end := strings.IndexByte(param[1:], '\''); end >= 0 {
				out = append(out, param[1:end+1])
				param = param[end+2:]
				continue
			}
		}
		word, rest, _ := strings.Cut(param, " ")
		out = append(out, word)
		param = rest
	}
	return out
}

// ruleMessage explains a validation failure; item says the failure is on one
// item of a list or map.
// param is the rule's parameter, with a cross-field rule's Go field already
// replaced by its variable's name.
func ruleMessage(fe validator.FieldError, param string, item bool) string {
	m := ruleText(fe.Tag(), param, fe.Type(), true)
	if item {
		return "has an invalid item: each item " + m
	}
	return m
}

// ruleText turns a validator rule into "must ..." text. When fallback is
// false, unknown rules give "".
func ruleText(tag, param string, t reflect.Type, fallback bool) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	size := func(word string) string {
		if t == nil {
			return word + " " + param
		}
		switch t.Kind() {
		case reflect.String:
			unit := " characters"
			if param == "1" {
				unit = " character"
			}
			return word + " " + param + unit + " long"
		case reflect.Slice, reflect.Map, reflect.Array:
			unit := " items"
			if param == "1" {
				unit = " item"
			}
			return "have " + word + " " + param + unit
		}
		return word + " " + param
	}
	switch tag {
	case "required", "required_if", "required_unless", "required_with", "required_with_all",
		"required_without", "required_without_all":
		return "is required"
	case "oneof":
		return "must be one of: " + strings.Join(oneOfValues(param), ", ")
	case "oneofci":
		return "must be one of (any case): " + strings.Join(oneOfValues(param), ", ")
	case "min", "gte":
		return mustBe(size("at least"))
	case "max", "lte":
		return mustBe(size("at most"))
	case "gt":
		return mustBe(size("more than"))
	case "lt":
		return mustBe(size("less than"))
	case "len":
		return mustBe(size("exactly"))
	case "eq", "eq_ignore_case":
		return "must be " + param
	case "ne", "ne_ignore_case":
		return "must not be " + param
	case "eqfield", "eqcsfield":
		return "must equal " + param
	case "nefield", "necsfield":
		return "must differ from " + param
	case "gtfield", "gtcsfield":
		return "must be greater than " + param
	case "gtefield", "gtecsfield":
		return "must be at least " + param
	case "ltfield", "ltcsfield":
		return "must be less than " + param
	case "ltefield", "ltecsfield":
		return "must be at most " + param
	case "fieldcontains":
		return "must contain the value of " + param
	case "fieldexcludes":
		return "must not contain the value of " + param
	case "url":
		return "must be a URL such as https://example.com/path"
	case "http_url":
		return "must be an http or https URL"
	case "https_url":
		return "must be an https URL"
	case "uri":
		return "must be a URI"
	case "email":
		return "must be an email address"
	case "hostname", "hostname_rfc1123":
		return "must be a host name"
	case "fqdn":
		return "must be a fully qualified domain name"
	case "hostname_port":
		return "must be a host and port such as localhost:8080"
	case "port":
		return "must be a port number from 1 to 65535"
	case "ip", "ip_addr":
		return "must be an IP address"
	case "ipv4", "ip4_addr":
		return "must be an IPv4 address"
	case "ipv6", "ip6_addr":
		return "must be an IPv6 address"
	case "cidr", "cidrv4", "cidrv6":
		return "must be a CIDR prefix such as 10.0.0.0/8"
	case "tcp_addr":
		return "must be a TCP address such as localhost:6379"
	case "uuid", "uuid3", "uuid4", "uuid5", "uuid_rfc4122", "uuid4_rfc4122":
		return "must be a UUID"
	case "ulid":
		return "must be a ULID"
	case "alpha":
		return "must contain only letters"
	case "alphanum":
		return "must contain only letters and digits"
	case "numeric", "number":
		return "must be a number"
	case "boolean":
		return "must be a boolean"
	case "hexadecimal":
		return "must be hexadecimal"
	case "base64", "base64url", "base64rawurl":
		return "must be base64-encoded"
	case "json":
		return "must be JSON"
	case "jwt":
		return "must be a JWT"
	case "ascii", "printascii":
		return "must contain only ASCII characters"
	case "lowercase":
		return "must be lowercase"
	case "uppercase":
		return "must be uppercase"
	case "startswith":
		return fmt.Sprintf("must start with %q", param)
	case "endswith":
		return fmt.Sprintf("must end with %q", param)
	case "contains":
		return fmt.Sprintf("must contain %q", param)
	case "excludes":
		return fmt.Sprintf("must not contain %q", param)
	case "file":
		return "must name an existing file"
	case "dir":
		return "must name an existing directory"
	case "filepath":
		return "must be a file path"
	case "unique":
		return "must not contain duplicates"
	case "datetime":
		return fmt.Sprintf("must be a time in the layout %q", param)
	case "timezone":
		return "must be a time zone name such as Europe/Paris"
	case "semver":
		return "must be a semantic version such as 1.2.3"
	case "cron":
		return "must be a cron expression"
	}
	if !fallback {
		return ""
	}
	if param != "" {
		return fmt.Sprintf("must satisfy the %s=%s rule", tag, param)
	}
	return fmt.Sprintf("must satisfy the %s rule", tag)
}

func mustBe(s string) string {
	if strings.HasPrefix(s, "have ") {
		return "must " + s
	}
	return "must be " + s
}
