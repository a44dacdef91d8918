package envcfg

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
)

// WriteExample writes a .env.example for the configuration struct cfg (a
// struct or a pointer to one; only its type is used): for each variable in
// struct order, comment lines with its description, whether it is required,
// its default and allowed values, then NAME=default. A secret is always
// written as NAME= with no value: not even a development default is
// written, so the file can be committed.
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
		fmt.Fprintf(bw, "# %s\n", strings.Join(facts(v), " "))
		value := v.def
		if v.secret {
			value = ""
		}
		fmt.Fprintf(bw, "%s=%s\n", v.name, quoteEnv(value))
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
		for _, r := range rules(v) {
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
func facts(v *variable) []string {
	var out []string
	switch {
	case isRequired(v):
		out = append(out, "Required.")
	case v.secret && !v.optional && v.devDef:
		out = append(out, "Required in production; development uses a built-in default.")
	case v.secret && !v.optional:
		out = append(out, "Required in production.")
	case v.def != "" && !v.secret:
		out = append(out, "Optional, default "+oneLine(v.def)+".")
	default:
		out = append(out, "Optional.")
	}
	if v.secret {
		out = append(out, "Secret: never commit a real value; "+v.name+"_FILE may name a file holding it.")
	}
	for _, r := range rules(v) {
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
func rules(v *variable) []string {
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

// quoteEnv quotes a default when a .env parser would otherwise misread it.
func quoteEnv(s string) string {
	if s == "" || !strings.ContainsAny(s, " \t#\"'\\$`\n") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
