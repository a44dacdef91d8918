package envcfg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteExample writes a .env.example for the configuration struct cfg (a
// struct or a pointer to one; only its type is used): for each variable in
// struct order, comment lines with its description, whether it is required,
// its default and allowed values, then NAME=default. A secret is always
// written as NAME= with no value: not even a development default is
// written, so the file can be committed.
//
// Defaults are written so that a dotenv parser (godotenv and the loaders
// that share its rules) reads back the value Load would give the variable:
// bare when that is unambiguous, else in single quotes, else in double
// quotes with \\, \", \$, \n and \r escapes. A default that expands a
// variable ($VAR, ${VAR}), or that no quoting can carry (it ends in a
// backslash and needs quotes), is written as NAME= and shown in the comment:
// Load treats the empty value as unset, so the default applies, expanded
// when Load runs.
//
// A struct with tag mistakes gives an [*Error] with [ErrDefinition] problems
// and writes nothing.
func WriteExample(w io.Writer, cfg any) error {
	p, err := docPlan(cfg)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for i, v := range p.vars {
		if i > 0 {
			bw.WriteString("\n")
		}
		if v.desc != "" {
			for _, line := range strings.Split(v.desc, "\n") {
				fmt.Fprintf(bw, "# %s\n", strings.TrimSpace(line))
			}
		}
		fmt.Fprintf(bw, "# %s\n", strings.Join(facts(p, v), " "))
		value := ""
		if !v.secret {
			value, _ = exampleValue(v.def)
		}
		fmt.Fprintf(bw, "%s=%s\n", v.name, value)
	}
	return bw.Flush()
}

// Usage writes the variables of the configuration struct cfg as an aligned
// table: name, type, default, whether required, and description with the
// allowed values and rules. Secrets show no default.
func Usage(w io.Writer, cfg any) error {
	p, err := docPlan(cfg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tTYPE\tDEFAULT\tREQUIRED\tDESCRIPTION")
	for _, v := range p.vars {
		def := v.def
		if v.secret || def == "" {
			def = "-"
		}
		req := requiredColumn(v)
		desc := v.desc
		for _, r := range rules(p, v) {
			desc = joinSentence(desc, r)
		}
		desc = strings.Join(strings.Fields(desc), " ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.name, typeName(v.typ), oneLine(def), req, desc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// tabwriter pads an empty last cell; trim that trailing space.
	var out strings.Builder
	for line := range strings.Lines(buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err = io.WriteString(w, out.String())
	return err
}

// docPlan analyses cfg's type for WriteExample and Usage.
func docPlan(cfg any) (*plan, error) {
	if cfg == nil {
		return nil, errors.New("envcfg: configuration is nil; pass a struct or a pointer to one")
	}
	p, err := planFor(reflect.TypeOf(cfg))
	if err != nil {
		return nil, err
	}
	if len(p.defProblems) > 0 {
		return nil, &Error{Problems: append([]Problem(nil), p.defProblems...)}
	}
	return p, nil
}

func isRequired(v *variable) bool {
	if v.required {
		return true
	}
	for _, r := range splitRules(v.validate) {
		if r == "required" {
			return true
		}
	}
	return false
}

// facts is the "Required. Default: x. One of: ..." comment line.
func facts(p *plan, v *variable) []string {
	var out []string
	switch {
	case isRequired(v):
		out = append(out, "Required.")
	case v.secret && !v.optional && v.devDef:
		out = append(out, "Required in production; development uses a built-in default.")
	case v.secret && !v.optional:
		out = append(out, "Required in production.")
	case v.def != "" && !v.secret:
		if _, ok := exampleValue(v.def); ok {
			out = append(out, "Optional, default "+oneLine(v.def)+".")
		} else {
			out = append(out, "Optional, default "+oneLine(v.def)+" (left empty here: an empty value takes the default).")
		}
	default:
		out = append(out, "Optional.")
	}
	if v.secret {
		out = append(out, "Secret: never commit a real value; "+v.name+"_FILE may name a file holding it.")
	}
	for _, r := range rules(p, v) {
		out = append(out, capitalize(r)+".")
	}
	return out
}

// requiredColumn is Usage's REQUIRED cell.
func requiredColumn(v *variable) string {
	switch {
	case isRequired(v):
		return "yes"
	case v.secret && !v.optional:
		return "production"
	}
	return "no"
}

// rules turns the validate tag into short sentences: allowed values first.
func rules(p *plan, v *variable) []string {
	var out []string
	t, each := v.typ, ""
	for _, rule := range splitRules(v.validate) {
		name, param, _ := strings.Cut(rule, "=")
		switch name {
		case "", "required", "omitempty":
			continue
		case "dive":
			// Rules after dive apply to each item of a list or map.
			for t.Kind() == reflect.Pointer {
				t = t.Elem()
			}
			if k := t.Kind(); k == reflect.Slice || k == reflect.Array || k == reflect.Map {
				t = t.Elem()
			}
			each = "each item "
			continue
		case "oneof", "oneofci":
			out = append(out, each+"one of: "+strings.Join(oneOfValues(param), ", "))
			continue
		}
		if fieldRules[name] {
			if ref := p.fieldRef(v.goPath, param); ref != nil {
				param = ref.name
			}
		}
		if strings.ContainsRune(rule, '|') {
			out = append(out, each+"must satisfy "+rule)
			continue
		}
		out = append(out, each+ruleText(name, param, t, true))
	}
	return out
}

func joinSentence(a, b string) string {
	if a == "" {
		return capitalize(b) + "."
	}
	a = strings.TrimRight(a, " ")
	if !strings.HasSuffix(a, ".") {
		a += "."
	}
	return a + " " + capitalize(b) + "."
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// exampleValue is what WriteExample writes after NAME= for a default: the
// text a dotenv parser (godotenv's rules, which docker compose's env_file
// and most loaders share) reads back as exactly the value Load gives the
// variable when it is unset. ok is false when there is no such text: the
// default expands $VAR or ${VAR} (its value depends on the environment when
// Load runs), or it cannot be quoted for godotenv (it ends in a backslash
// and also needs quotes). WriteExample then writes NAME= with nothing, which
// Load treats as unset, so the default applies all the same.
func exampleValue(def string) (string, bool) {
	lit, dynamic := expandDefault(def)
	if dynamic {
		return "", false
	}
	return dotenvQuote(lit)
}

// expandDefault evaluates a default as go-envconfig does (\\ is a backslash,
// \$ a dollar sign, $VAR and ${VAR} expand) and reports whether it refers to
// any variable.
func expandDefault(def string) (string, bool) {
	if !strings.ContainsAny(def, `\$`) {
		return def, false
	}
	referred := false
	s := strings.ReplaceAll(def, `\\`, "\x00")
	s = strings.ReplaceAll(s, `\$`, "\b")
	s = os.Expand(s, func(string) string { referred = true; return "" })
	s = strings.ReplaceAll(s, "\x00", `\`)
	s = strings.ReplaceAll(s, "\b", "$")
	return s, referred
}

// dotenvQuote writes s so that a dotenv parser with godotenv's rules reads
// back s: bare when s has only characters no parser treats specially, else
// in single quotes (no escapes inside), else in double quotes with \\, \",
// \$, \n and \r escapes, else bare when the bare form is unambiguous.
func dotenvQuote(s string) (string, bool) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return !plainRune(r) }) < 0 {
		return s, true
	}
	if !strings.ContainsAny(s, "'\n\r") && !strings.HasSuffix(s, `\`) {
		return "'" + s + "'", true
	}
	if !strings.HasSuffix(s, `\`) && !strings.HasSuffix(s, `"`) {
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '\\', '"', '$':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
		return b.String(), true
	}
	// Bare, as godotenv reads an unquoted value: the line, trimmed, up to a
	// # after a space, with \$ unescaped and $VAR expanded.
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if utf8.ValidString(s) && !dotenvSpace(first) && !dotenvSpace(last) && first != '\'' && first != '"' &&
		!strings.ContainsAny(s, "\n\r$") && !hasInlineComment(s) {
		return s, true
	}
	return "", false
}

// plainRune reports whether r can stand bare in a dotenv value in any
// position.
func plainRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("-_.,:/@+=%*!?~^&()[]{}<>;|", r)
}

// dotenvSpace is godotenv's notion of a space (it trims these).
func dotenvSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}

// hasInlineComment reports whether a bare value would be cut at " #".
func hasInlineComment(s string) bool {
	prev := rune(-1)
	for _, r := range s {
		if r == '#' && prev >= 0 && dotenvSpace(prev) {
			return true
		}
		prev = r
	}
	return false
}

// typeName is a short type name for Usage.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case secretType:
		return "secret"
	case durationType:
		return "duration"
	}
	if t.PkgPath() == "net/url" && t.Name() == "URL" {
		return "url"
	}
	return t.String()
}
