package validate

import (
	"reflect"
	"strings"
)

// sizeKind groups a field's kind the way min, max and len read it: a length for strings
// (characters) and collections (items), a value for numbers.
func sizeKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array, reflect.Map:
		return "collection"
	}
	return "number"
}

var simpleMessages = map[string]string{
	"required":             "is required",
	"required_if":          "is required",
	"required_unless":      "is required",
	"required_with":        "is required",
	"required_with_all":    "is required",
	"required_without":     "is required",
	"required_without_all": "is required",
	"excluded_if":          "must not be set",
	"excluded_unless":      "must not be set",
	"excluded_with":        "must not be set",
	"excluded_with_all":    "must not be set",
	"excluded_without":     "must not be set",
	"excluded_without_all": "must not be set",
	"isdefault":            "must not be set",
	"email":                "must be a valid email address",
	"url":                  "must be a valid URL",
	"http_url":             "must be a valid HTTP or HTTPS URL",
	"https_url":            "must be a valid HTTPS URL",
	"uri":                  "must be a valid URI",
	"url_encoded":          "must be URL-encoded",
	"uuid":                 "must be a valid UUID",
	"uuid3":                "must be a valid version 3 UUID",
	"uuid4":                "must be a valid version 4 UUID",
	"uuid5":                "must be a valid version 5 UUID",
	"uuid_rfc4122":         "must be a valid RFC 4122 UUID",
	"uuid4_rfc4122":        "must be a valid version 4 UUID",
	"ulid":                 "must be a valid ULID",
	"alpha":                "must contain only letters",
	"alphanum":             "must contain only letters and digits",
	"alphaspace":           "must contain only letters and spaces",
	"alphanumspace":        "must contain only letters, digits and spaces",
	"port":                 "must be a valid port number",
	"iso4217":              "must be an ISO 4217 currency code",
	"luhn_checksum":        "must have a valid Luhn checksum",
	"alphaunicode":         "must contain only letters",
	"alphanumunicode":      "must contain only letters and digits",
	"ascii":                "must contain only ASCII characters",
	"printascii":           "must contain only printable ASCII characters",
	"numeric":              "must be a number",
	"number":               "must be a whole number",
	"hexadecimal":          "must be hexadecimal",
	"hexcolor":             "must be a hex color",
	"rgb":                  "must be an rgb() color",
	"rgba":                 "must be an rgba() color",
	"lowercase":            "must be lowercase",
	"uppercase":            "must be uppercase",
	"boolean":              "must be a boolean",
	"json":                 "must be valid JSON",
	"jwt":                  "must be a JSON Web Token",
	"base64":               "must be base64-encoded",
	"base64url":            "must be base64url-encoded",
	"e164":                 "must be a phone number in E.164 format",
	"ip":                   "must be a valid IP address",
	"ipv4":                 "must be a valid IPv4 address",
	"ipv6":                 "must be a valid IPv6 address",
	"cidr":                 "must be a valid CIDR notation",
	"cidrv4":               "must be a valid IPv4 CIDR notation",
	"cidrv6":               "must be a valid IPv6 CIDR notation",
	"mac":                  "must be a valid MAC address",
	"hostname":             "must be a valid hostname",
	"hostname_rfc1123":     "must be a valid hostname",
	"fqdn":                 "must be a fully qualified domain name",
	"hostname_port":        "must be a host and port",
	"latitude":             "must be a valid latitude",
	"longitude":            "must be a valid longitude",
	"semver":               "must be a semantic version",
	"iso3166_1_alpha2":     "must be an ISO 3166-1 alpha-2 country code",
	"iso3166_1_alpha3":     "must be an ISO 3166-1 alpha-3 country code",
	"bcp47_language_tag":   "must be a BCP 47 language tag",
	"timezone":             "must be a valid time zone",
	"unique":               "must not contain duplicates",
	"dive":                 "is invalid",
	"file":                 "must be an existing file",
	"dir":                  "must be an existing directory",
	"cron":                 "must be a cron expression",
	"credit_card":          "must be a valid card number",
	"md5":                  "must be an MD5 hash",
	"sha256":               "must be a SHA-256 hash",
	"mongodb":              "must be a MongoDB ObjectID",
}

// ruleMessage is the English text for a failed validator tag with parameter param on a field
// of kind k. It names the rule and its parameter, never the rejected value.
func ruleMessage(tag, param string, k reflect.Kind) string {
	if m, ok := simpleMessages[tag]; ok {
		return m
	}
	size := sizeKind(k)
	unit := ""
	switch size {
	case "string":
		unit = " characters"
		if param == "1" {
			unit = " character"
		}
	case "collection":
		unit = " items"
		if param == "1" {
			unit = " item"
		}
	}
	switch tag {
	case "min":
		if size == "number" {
			return "must be at least " + param
		}
		if size == "string" {
			return "must be at least " + param + unit + " long"
		}
		return "must contain at least " + param + unit
	case "max":
		if size == "number" {
			return "must be at most " + param
		}
		if size == "string" {
			return "must be at most " + param + unit + " long"
		}
		return "must contain at most " + param + unit
	case "len":
		if size == "number" {
			return "must equal " + param
		}
		if size == "string" {
			return "must be exactly " + param + unit + " long"
		}
		return "must contain exactly " + param + unit
	case "gte", "lte", "gt", "lt":
		return comparison(tag, param, size, unit, k)
	case "eq", "eq_ignore_case":
		return "must equal " + quoteIfString(param, size)
	case "ne", "ne_ignore_case":
		return "must not equal " + quoteIfString(param, size)
	case "oneof", "oneofci":
		return "must be one of: " + strings.Join(strings.Fields(param), ", ")
	case "eqfield", "eqcsfield":
		return "must equal " + fieldParam(param)
	case "nefield", "necsfield":
		return "must not equal " + fieldParam(param)
	case "gtfield", "gtcsfield":
		return "must be greater than " + fieldParam(param)
	case "gtefield", "gtecsfield":
		return "must be greater than or equal to " + fieldParam(param)
	case "ltfield", "ltcsfield":
		return "must be less than " + fieldParam(param)
	case "ltefield", "ltecsfield":
		return "must be less than or equal to " + fieldParam(param)
	case "contains":
		return "must contain " + quoteIfString(param, "string")
	case "containsany":
		return "must contain at least one of the characters " + quoteIfString(param, "string")
	case "excludes":
		return "must not contain " + quoteIfString(param, "string")
	case "excludesall":
		return "must not contain any of the characters " + quoteIfString(param, "string")
	case "startswith":
		return "must start with " + quoteIfString(param, "string")
	case "endswith":
		return "must end with " + quoteIfString(param, "string")
	case "startsnotwith":
		return "must not start with " + quoteIfString(param, "string")
	case "endsnotwith":
		return "must not end with " + quoteIfString(param, "string")
	case "datetime":
		return "must be a date-time in the layout " + quoteIfString(param, "string")
	}
	if param != "" {
		return "must satisfy the " + tag + "=" + param + " rule"
	}
	return "must satisfy the " + tag + " rule"
}

func comparison(tag, param, size, unit string, k reflect.Kind) string {
	words := map[string]string{
		"gte": "at least", "lte": "at most", "gt": "greater than", "lt": "less than",
	}[tag]
	if param == "" && k == reflect.Struct { // time.Time compared with now
		return map[string]string{
			"gte": "must not be in the past", "lte": "must not be in the future",
			"gt": "must be in the future", "lt": "must be in the past",
		}[tag]
	}
	switch size {
	case "string":
		return "must be " + words + " " + param + unit + " long"
	case "collection":
		return "must contain " + words + " " + param + unit
	}
	return "must be " + words + " " + param
}

func quoteIfString(param, size string) string {
	if size == "string" {
		return `"` + param + `"`
	}
	return param
}

// fieldParam names the other field of a cross-field rule: its JSON path, or its Go name as the
// tag wrote it when the path cannot be resolved.
func fieldParam(param string) string {
	return "field " + param
}
