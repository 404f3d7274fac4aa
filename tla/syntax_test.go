package tla

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// The syntax check parses TLA+ with the tree-sitter-tlaplus grammar, run by
// syntaxcheck/check.mjs under Node: a parser independent of the renderer,
// since TLC's own (SANY) cannot be installed here. Its dependencies are
// pinned in syntaxcheck/package-lock.json:
//
//	(cd tla/syntaxcheck && npm ci --no-audit --no-fund)

// syntaxSpecs are the small specs whose renderings are syntax-checked
// besides the checked-in TCP modules, relative to this directory.
// testdata/names.yaml names things like TLA+ keywords and like the names
// the module binds; ../gen/testdata/timed.yaml and the timed checks under
// ../crosscheck/testdata are timed.
var syntaxSpecs = []string{
	"../gen/testdata/crossmodel/*.yaml",
	"../gen/testdata/timed.yaml",
	"../modelcheck/testdata/*.yaml",
	"../crosscheck/testdata/*.yaml",
	"testdata/*.yaml",
	"../examples/*/*.yaml",
	"../examples/*/testdata/*.yaml",
}

// boundNames are the names a module binds after its VARIABLES (operator
// parameters, LET definitions, bound variables). SANY rejects a variable of
// the same name as a multiply-defined symbol, which a parser alone does not
// see.
var boundNames = regexp.MustCompile(`(?:\(|, )([A-Za-z_][A-Za-z0-9_]*)(?:\)|,)[^\n]* ==|LET ([A-Za-z_][A-Za-z0-9_]*) ==|([A-Za-z_][A-Za-z0-9_]*) \\in [^\n]*?(?:\|->|:)`)

// variables are the VARIABLES of a rendered module.
var variables = regexp.MustCompile(`(?m)^VARIABLES\n((?:    .*\n)+)`)

// checkBoundNames reports the variables of module mod that it also binds.
func checkBoundNames(t *testing.T, file string, mod []byte) {
	t.Helper()
	vm := variables.FindSubmatch(mod)
	if vm == nil {
		t.Errorf("%s: no VARIABLES block", file)
		return
	}
	vars := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(vm[1])), "\n") {
		vars[strings.Trim(strings.Fields(line)[0], ",")] = true
	}
	after := mod[bytes.Index(mod, vm[0])+len(vm[0]):]
	for _, m := range boundNames.FindAllSubmatch(after, -1) {
		for _, name := range m[1:] {
			if len(name) > 0 && vars[string(name)] {
				t.Errorf("%s: variable %s is also bound: %s", file, name, m[0])
				delete(vars, string(name)) // once is enough
			}
		}
	}
}

// syntaxChecker returns the node binary, or skips the test when node or
// the checker's dependencies are missing; under CI=true it fails instead.
func syntaxChecker(t *testing.T) string {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("TLA+ syntax check: node not found on PATH (install Node.js, then: cd tla/syntaxcheck && npm ci)")
	}
	for _, f := range []string{
		"syntaxcheck/node_modules/web-tree-sitter/tree-sitter.wasm",
		"syntaxcheck/node_modules/@tlaplus/tree-sitter-tlaplus/tree-sitter-tlaplus.wasm",
	} {
		if _, err := os.Stat(f); err != nil {
			missing("TLA+ syntax check: tla/%s missing: run (cd tla/syntaxcheck && npm ci --no-audit --no-fund)", f)
		}
	}
	return node
}

// syntaxCheck runs the checker on files and returns its output and
// whether it reported syntax errors (exit status 1).
func syntaxCheck(t *testing.T, node string, files []string) (string, bool) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(node, append([]string{"syntaxcheck/check.mjs"}, files...)...)
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), false
	case errors.As(err, &exit) && exit.ExitCode() == 1 && strings.Contains(out.String(), "have syntax errors"):
		return out.String(), true
	}
	t.Fatalf("syntax checker failed: %v\n%s", err, out.String())
	return "", false
}

// syntaxClean fails the test when the checker finds syntax errors in files
// (what names them) and logs what it printed.
func syntaxClean(t *testing.T, node string, files []string, what string) {
	t.Helper()
	out, bad := syntaxCheck(t, node, files)
	if bad {
		t.Errorf("TLA+ syntax errors in %s:\n%s", what, out)
	}
	t.Log(strings.TrimSpace(out))
}

func TestSyntaxCheckedIn(t *testing.T) {
	t.Parallel()
	node := syntaxChecker(t)
	files, err := filepath.Glob("*.tla")
	if err != nil || len(files) == 0 {
		t.Fatalf("no tla/*.tla (%v)", err)
	}
	syntaxClean(t, node, files, "the checked-in modules")
}

func TestSyntaxRendered(t *testing.T) {
	t.Parallel()
	node := syntaxChecker(t)
	dir := t.TempDir()
	var files []string
	for i, pat := range syntaxSpecs {
		paths, err := filepath.Glob(pat)
		if err != nil || len(paths) == 0 {
			t.Fatalf("no specs match %s (%v)", pat, err)
		}
		// One directory per pattern: the same spec name occurs in several.
		sub := filepath.Join(dir, string(rune('a'+i)))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			s := spectest.Load(t, p)
			for _, c := range s.Checks {
				mod, _, err := gen.TLA(s, c)
				if err != nil {
					t.Fatalf("%s: check %s: %v", p, c.Name, err)
				}
				f := filepath.Join(sub, gen.TLAModuleName(s, c)+".tla")
				if err := os.WriteFile(f, mod, 0o644); err != nil {
					t.Fatal(err)
				}
				checkBoundNames(t, p+" check "+c.Name, mod)
				files = append(files, f)
			}
		}
	}
	syntaxClean(t, node, files, "the renderings of the test specs")
}

// TestSyntaxCheckerRejects makes sure the check has teeth: each malformed
// module is reported at the broken line, and a well-formed one is not.
func TestSyntaxCheckerRejects(t *testing.T) {
	t.Parallel()
	node := syntaxChecker(t)
	dir := t.TempDir()
	cases := []struct {
		name, src string
		line      int // where the first error is reported (pinned grammar); 0: none
	}{
		{"good", "---- MODULE good ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + 1 /\\ x < 3\n====\n", 0},
		{"dangling_op", "---- MODULE dangling_op ----\nEXTENDS Naturals\nVARIABLE x\nInit == x = 0\nNext == x' = x + + 1\n====\n", 5},
		{"no_else", "---- MODULE no_else ----\nVARIABLE x\nInit == x = 0\nNext == x' = IF x = 0 THEN 1\nSpec == Init\n====\n", 4},
		{"open_paren", "---- MODULE open_paren ----\nVARIABLE x\nInit == (x = 0\nNext == x' = x\n====\n", 1},
		{"record_colon", "---- MODULE record_colon ----\nVARIABLE r\nInit == r = [a : 1, b |-> 2]\n====\n", 3},
		{"no_module", "Init == TRUE\n", 1},
	}
	var files []string
	for _, c := range cases {
		f := filepath.Join(dir, c.name+".tla")
		if err := os.WriteFile(f, []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out, bad := syntaxCheck(t, node, files)
	if !bad {
		t.Fatalf("malformed modules passed the syntax check:\n%s", out)
	}
	for i, c := range cases {
		first := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(files[i]) + `:(\d+):\d+: (ERROR|MISSING|no MODULE)`).FindStringSubmatch(out)
		switch {
		case c.line == 0 && first != nil:
			t.Errorf("%s: well-formed module reported:\n%s", c.name, out)
		case c.line != 0 && first == nil:
			t.Errorf("%s: malformed module not reported:\n%s", c.name, out)
		case c.line != 0 && first[1] != strconv.Itoa(c.line):
			t.Errorf("%s: first error at line %s, want %d:\n%s", c.name, first[1], c.line, out)
		}
	}
}
