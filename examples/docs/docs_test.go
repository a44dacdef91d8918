package docs_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/imports"
)

// repoRoot is the root of the repository: this package sits at examples/docs.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "repository root not found from %s", root)
	return root
}

// markdownFiles lists every Markdown file that git tracks (or, outside a git
// checkout, every *.md below the root), as paths relative to root.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	out, err := exec.Command("git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard", "*.md").Output()
	if err == nil {
		for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if f != "" {
				if _, err := os.Stat(filepath.Join(root, f)); err == nil {
					files = append(files, f)
				}
			}
		}
		return files
	}
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	}))
	return files
}

// block is one fenced code block of a Markdown file.
type block struct {
	file string // relative to the repository root
	line int    // line of the opening fence
	lang string
	text string
}

// fencedBlocks returns the fenced code blocks of a Markdown document.
func fencedBlocks(file string, src []byte) []block {
	var (
		blocks []block
		cur    *block
		buf    strings.Builder
		fence  string
	)
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		if cur == nil {
			if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
				fence = trimmed[:3]
				info := strings.TrimSpace(strings.TrimLeft(trimmed, fence[:1]))
				lang, _, _ := strings.Cut(info, " ")
				cur = &block{file: file, line: n, lang: lang}
				buf.Reset()
			}
			continue
		}
		if strings.HasPrefix(trimmed, fence) && strings.TrimSpace(strings.TrimLeft(trimmed, fence[:1])) == "" {
			cur.text = buf.String()
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
	}
	return blocks
}

// snippetSource turns a Go block into a compilable file. A block that starts
// with a package clause is taken as it is; any other block is either a list
// of top-level declarations or, failing that, statements, which are placed in
// a function body. Missing imports are added the way goimports adds them; a
// snippet must otherwise be complete (no free variables).
func snippetSource(b block, pkg string) ([]byte, error) {
	src := b.text
	fset := token.NewFileSet()
	if f, err := parser.ParseFile(fset, "", src, parser.PackageClauseOnly); err == nil {
		// A whole file: keep it, but give it a package name of its own so that
		// several snippets can be built side by side.
		if f.Name.Name != "main" {
			src = strings.Replace(src, "package "+f.Name.Name, "package "+pkg, 1)
		}
		return imports.Process("snippet.go", []byte(src), nil)
	}
	decl := "package " + pkg + "\n\n" + src
	if strings.HasPrefix(strings.TrimSpace(src), "import") {
		// Imports and declarations without a package clause.
		return imports.Process("snippet.go", []byte(decl), nil)
	}
	if _, err := parser.ParseFile(fset, "", decl, parser.AllErrors); err == nil {
		return imports.Process("snippet.go", []byte(decl), nil)
	}
	body := "package " + pkg + "\n\nfunc _() {\n" + src + "\n}\n"
	if _, err := parser.ParseFile(fset, "", body, parser.AllErrors); err != nil {
		return nil, fmt.Errorf("neither declarations nor statements: %v", err)
	}
	return imports.Process("snippet.go", []byte(body), nil)
}

// TestGoSnippetsCompile extracts every ```go block of every Markdown file in
// the repository and builds it against the packages as they are in this
// checkout, so the README never shows code that does not compile.
func TestGoSnippetsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every Go snippet of the Markdown files; skipped with -short")
	}
	root := repoRoot(t)
	examples := filepath.Join(root, "examples")
	tmp, err := os.MkdirTemp(examples, "zz-snippets-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(tmp) })

	var (
		dirs    []string
		sources = map[string]block{}
	)
	for _, md := range markdownFiles(t, root) {
		src, err := os.ReadFile(filepath.Join(root, md))
		require.NoError(t, err)
		for _, b := range fencedBlocks(md, src) {
			if b.lang != "go" {
				continue
			}
			i := len(dirs)
			pkg := fmt.Sprintf("snippet%d", i)
			code, err := snippetSource(b, pkg)
			if !assert(t, err == nil, "%s:%d: Go block does not parse: %v", b.file, b.line, err) {
				continue
			}
			dir := filepath.Join(tmp, pkg)
			require.NoError(t, os.Mkdir(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "snippet.go"), code, 0o644))
			rel := "./" + filepath.ToSlash(must(filepath.Rel(examples, dir)))
			dirs = append(dirs, rel)
			sources[rel] = b
		}
	}
	if len(dirs) == 0 {
		t.Fatal("no Go blocks found in the repository's Markdown files; the test reads the wrong place")
	}
	// One go vet run type-checks every snippet (unused variables and imports
	// are errors, as for real code) without writing binaries.
	cmd := exec.Command("go", append([]string{"vet"}, dirs...)...)
	cmd.Dir = examples
	out, err := cmd.CombinedOutput()
	if err != nil {
		// Name each failing snippet by its Markdown file and line.
		msg := string(out)
		for rel, b := range sources {
			name := strings.TrimPrefix(rel, "./")
			if strings.Contains(msg, name+"/") || strings.Contains(msg, name+"\n") {
				t.Errorf("%s:%d: Go block does not compile", b.file, b.line)
			}
		}
		t.Fatalf("go vet of the README snippets failed:\n%s", msg)
	}
	t.Logf("%d Go blocks compiled", len(dirs))
}

var linkRE = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestRelativeLinksResolve checks that every relative link of every Markdown
// file names a file or directory that exists, and that a #fragment pointing
// into a Markdown file names one of its headings.
func TestRelativeLinksResolve(t *testing.T) {
	root := repoRoot(t)
	anchorsOf := map[string]map[string]bool{}
	anchors := func(md string) map[string]bool {
		if a, ok := anchorsOf[md]; ok {
			return a
		}
		src, err := os.ReadFile(filepath.Join(root, md))
		require.NoError(t, err)
		a := headingAnchors(src)
		anchorsOf[md] = a
		return a
	}
	checked := 0
	for _, md := range markdownFiles(t, root) {
		src, err := os.ReadFile(filepath.Join(root, md))
		require.NoError(t, err)
		for n, line := range strings.Split(stripCode(string(src)), "\n") {
			for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
				target := m[1]
				u, err := url.Parse(target)
				if err != nil {
					t.Errorf("%s:%d: link %q does not parse: %v", md, n+1, target, err)
					continue
				}
				if u.Scheme != "" || u.Host != "" || strings.HasPrefix(target, "//") {
					continue // external
				}
				checked++
				file := md
				if u.Path != "" {
					file = filepath.ToSlash(filepath.Join(filepath.Dir(md), u.Path))
					if _, err := os.Stat(filepath.Join(root, file)); err != nil {
						t.Errorf("%s:%d: link %q: %s does not exist", md, n+1, target, file)
						continue
					}
				}
				if u.Fragment != "" && strings.HasSuffix(file, ".md") && !anchors(file)[u.Fragment] {
					t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", md, n+1, target, file, u.Fragment)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative links found; the test reads the wrong place")
	}
}

// stripCode blanks fenced code blocks and inline code so that text in them is
// not taken for links, keeping line numbers.
func stripCode(s string) string {
	var out strings.Builder
	in := false
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimLeft(line, " ")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			in = !in
			out.WriteString("\n")
			continue
		}
		if in {
			out.WriteString("\n")
			continue
		}
		out.WriteString(inlineCode.ReplaceAllString(line, "``"))
		out.WriteString("\n")
	}
	return out.String()
}

var inlineCode = regexp.MustCompile("`[^`]*`")

// headingAnchors returns the anchors GitHub gives a document's headings.
func headingAnchors(src []byte) map[string]bool {
	seen := map[string]int{}
	a := map[string]bool{}
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		if t := strings.TrimLeft(line, " "); strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			in = !in
			continue
		}
		if in || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		slug := githubSlug(h)
		if n := seen[slug]; n > 0 {
			a[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			a[slug] = true
		}
		seen[slug]++
	}
	return a
}

// githubSlug lowercases a heading, drops punctuation other than '-' and '_',
// and turns spaces into '-', as GitHub does for heading anchors.
func githubSlug(h string) string {
	h = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(h, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func assert(t *testing.T, ok bool, format string, args ...any) bool {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
	return ok
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
