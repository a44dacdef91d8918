package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/envcfg"
)

// The configuration table of README.md sits between these two lines and is
// generated from the Config struct, like .env.example.
const (
	configTableBegin = "<!-- BEGIN CONFIG TABLE: generated from the Config struct by `go test -run TestReadmeConfigTable -update`; do not edit by hand -->"
	configTableEnd   = "<!-- END CONFIG TABLE -->"
)

// TestReadmeConfigTable keeps the configuration table of README.md equal to
// what configTable generates from the Config struct
// (go test -run TestReadmeConfigTable -update rewrites it in place).
func TestReadmeConfigTable(t *testing.T) {
	t.Parallel()
	table, err := configTable(&Config{})
	require.NoError(t, err)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	want, err := replaceConfigTable(string(readme), table)
	require.NoError(t, err)
	if *update && want != string(readme) {
		require.NoError(t, os.WriteFile("README.md", []byte(want), 0o644))
		readme = []byte(want)
	}
	// Compare the tables, so that a failure shows only their difference.
	_, committed, _ := strings.Cut(string(readme), configTableBegin+"\n")
	committed, _, _ = strings.Cut(committed, configTableEnd)
	assert.Equal(t, "\n"+table+"\n", committed, "the configuration table in README.md is stale: run go test -run TestReadmeConfigTable -update in examples/nexus")
}

// TestConfigTable checks the generator itself: one row per variable in struct
// order, secrets without a default, and cells that cannot break the table.
func TestConfigTable(t *testing.T) {
	t.Parallel()
	table, err := configTable(&Config{})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	var usage bytes.Buffer
	require.NoError(t, envcfg.Usage(&usage, &Config{}))
	require.Len(t, lines, strings.Count(usage.String(), "\n")+1, "header, separator and one row per variable")
	assert.Equal(t, "| Variable | Type | Default | Required | Description |", lines[0])
	assert.Contains(t, table, "| `PORT` | int | `5000` | no | HTTP listen port")
	assert.Contains(t, table, "| `SESSION_SECRET` | secret | | production | key that signs")
	assert.NotContains(t, table, "nexus-development-only-session-secret", "secrets are never written")
	assert.Contains(t, table, `Must satisfy ip\|hostname.`, "a | in a cell is escaped")
	for _, l := range lines {
		assert.Equal(t, 6, strings.Count(l, "|")-strings.Count(l, `\|`), "five cells: %s", l)
	}

	type tricky struct {
		A string `env:"A, default=x|y" validate:"max=9" desc:"pipes | and *stars* and <tags>"`
	}
	table, err = configTable(&tricky{})
	require.NoError(t, err)
	assert.Equal(t, "| Variable | Type | Default | Required | Description |\n|---|---|---|---|---|\n"+
		"| `A` | string | `x\\|y` | no | pipes \\| and \\*stars\\* and &lt;tags&gt;. Must be at most 9 characters long. |\n", table)

	_, err = configTable(nil)
	assert.Error(t, err)
}

func TestReplaceConfigTable(t *testing.T) {
	t.Parallel()
	doc := "# t\n\n" + configTableBegin + "\n\nold\n\n" + configTableEnd + "\n\nafter\n"
	got, err := replaceConfigTable(doc, "| new |\n")
	require.NoError(t, err)
	assert.Equal(t, "# t\n\n"+configTableBegin+"\n\n| new |\n\n"+configTableEnd+"\n\nafter\n", got)
	for _, bad := range []string{"no markers", configTableEnd + "\n" + configTableBegin + "\n",
		configTableBegin + "\n" + configTableEnd + "\n" + configTableBegin + "\n" + configTableEnd + "\n"} {
		_, err := replaceConfigTable(bad, "x\n")
		assert.Error(t, err, bad)
	}
}

// configTable renders envcfg.Usage's table of cfg (the same facts `nexus
// config` prints: name, type, default, required, description with its
// rules) as a Markdown table. Usage aligns its columns with at least two
// spaces and never leaves a cell empty ("-"), so each row is cut at the
// header's column positions; a row that does not fit them is an error
// rather than a wrong table.
func configTable(cfg any) (string, error) {
	var usage bytes.Buffer
	if err := envcfg.Usage(&usage, cfg); err != nil {
		return "", err
	}
	rows := strings.Split(strings.TrimSuffix(usage.String(), "\n"), "\n")
	header := []rune(rows[0])
	names := []string{"VARIABLE", "TYPE", "DEFAULT", "REQUIRED", "DESCRIPTION"}
	starts := make([]int, len(names))
	for i, name := range names {
		starts[i] = strings.Index(string(header), name)
		if starts[i] < 0 || (i > 0 && starts[i] <= starts[i-1]) {
			return "", fmt.Errorf("envcfg.Usage header %q: no column %s", rows[0], name)
		}
		starts[i] = len([]rune(string(header)[:starts[i]])) // rune position
	}
	var b strings.Builder
	b.WriteString("| Variable | Type | Default | Required | Description |\n|---|---|---|---|---|\n")
	for _, row := range rows[1:] {
		r := []rune(row)
		cells := make([]string, len(names))
		for i, start := range starts {
			end := len(r)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			if len(r) < start || (start > 0 && r[start-1] != ' ') || (len(r) > start && r[start] == ' ') {
				return "", fmt.Errorf("envcfg.Usage row %q does not fit the header's columns", row)
			}
			cells[i] = strings.TrimSpace(string(r[start:min(end, len(r))]))
		}
		name, typ, def, req, desc := cells[0], cells[1], cells[2], cells[3], cells[4]
		if def == "-" {
			def = ""
		} else {
			def = "`" + strings.ReplaceAll(def, "|", `\|`) + "`"
		}
		row := []string{"`" + name + "`", typ, def, req, markdownText(desc)}
		b.WriteString("|")
		for _, c := range row {
			if c == "" {
				b.WriteString(" |")
			} else {
				b.WriteString(" " + c + " |")
			}
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// markdownText escapes what would change a table cell's meaning in Markdown:
// a | would end the cell, * start emphasis, < an HTML tag.
var markdownText = strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "`", "\\`", "<", "&lt;", ">", "&gt;").Replace

// replaceConfigTable puts table between the markers of doc, with a blank
// line on each side.
func replaceConfigTable(doc, table string) (string, error) {
	begin := strings.Index(doc, configTableBegin+"\n")
	end := strings.Index(doc, configTableEnd)
	if begin < 0 || end < 0 || end < begin ||
		strings.Count(doc, configTableBegin) != 1 || strings.Count(doc, configTableEnd) != 1 {
		return "", fmt.Errorf("README.md needs exactly one %q line followed by one %q line", configTableBegin, configTableEnd)
	}
	head := doc[:begin+len(configTableBegin)+1]
	return head + "\n" + table + "\n" + doc[end:], nil
}
