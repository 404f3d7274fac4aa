package proptest

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
)

// generatedSpecs is how many random specs TestGeneratedSpecsMatchInterpreter generates.
const generatedSpecs = 30

// TestGeneratedSpecsMatchInterpreter generates Go for a few dozen random
// specs with gen.Go, builds them in a temporary module and, in one
// `go run`, compares each Packed.Step and Step with modelcheck's IR
// interpreter on random snapshots and events.
func TestGeneratedSpecsMatchInterpreter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated code in a subprocess")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := generatedSpecs
	if long() {
		n *= 4
	}
	r := rand.New(rand.NewSource(*seed))
	var pkgs []string
	specs := map[string]*RandomSpec{}
	for i := range n {
		rs := SpecGen{Negation: i%3 == 0, Arith: i%2 == 1}.New(r)
		pkg := fmt.Sprintf("m%03d", i)
		s, err := spec.Parse(pkg+".yaml", rs.YAML())
		if err != nil {
			t.Errorf("%s: the generated spec is invalid: %v\n%s", pkg, err, rs.YAML())
			continue
		}
		code, err := gen.Go(s, gen.GoOptions{Package: pkg, Source: pkg + ".yaml"})
		if err != nil {
			t.Errorf("%s: gen.Go failed: %v\nspec:\n%s", pkg, err, rs.YAML())
			continue
		}
		writeFile(t, filepath.Join(dir, pkg, pkg+".go"), code)
		writeFile(t, filepath.Join(dir, pkg, "spec.yaml"), rs.YAML())
		pkgs = append(pkgs, pkg)
		specs[pkg] = rs
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "go.sum"), gosum)
	writeFile(t, filepath.Join(dir, "go.mod"), fmt.Appendf(nil, "module proptmp\n\ngo 1.26\n\nrequire github.com/fsmgen/fsmgen v0.0.0\n\nreplace github.com/fsmgen/fsmgen => %s\n", root))
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off")
	// Build every package first: one that does not compile is reported
	// with its spec, and the comparison runs on the others.
	writeDriver(t, dir, pkgs)
	build := exec.Command("go", "build", "./...")
	build.Dir, build.Env = dir, env
	if out, err := build.CombinedOutput(); err != nil {
		bad := map[string]string{}
		var cur string
		for _, line := range strings.Split(string(out), "\n") {
			if name, ok := strings.CutPrefix(line, "# proptmp/"); ok {
				cur = name
				continue
			}
			if specs[cur] != nil {
				bad[cur] += line + "\n"
			}
		}
		if len(bad) == 0 {
			t.Fatalf("go build in %s: %v\n%s", dir, err, out)
		}
		var good []string
		for _, pkg := range pkgs {
			if msg, ok := bad[pkg]; ok {
				t.Errorf("%s: the code gen.Go generated does not compile:\n%sspec:\n%s", pkg, msg, specs[pkg].YAML())
				continue
			}
			good = append(good, pkg)
		}
		pkgs = good
		writeDriver(t, dir, pkgs)
	}
	cmd := exec.Command("go", "run", ".", fmt.Sprint(*seed), fmt.Sprint(stepCases()))
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		for _, line := range strings.Split(string(out), "\n") {
			if pkg, _, ok := strings.Cut(line, ": "); ok && specs[pkg] != nil {
				t.Errorf("%s\nspec:\n%s", line, specs[pkg].YAML())
			}
		}
		t.Fatalf("go run in %s: %v\n%s", dir, err, out)
	}
	t.Logf("%d generated machines, %d cases each: %s", len(pkgs), stepCases(), bytes.TrimSpace(out))
}

// stepCases is the number of (snapshot, event) cases per generated machine.
func stepCases() int {
	if long() {
		return 50000
	}
	return 3000
}

func writeDriver(t *testing.T, dir string, pkgs []string) {
	t.Helper()
	var main bytes.Buffer
	if err := driver.Execute(&main, pkgs); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "main.go"), main.Bytes())
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var driver = template.Must(template.New("main").Parse(`package main

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"strconv"

	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
{{range .}}
	"proptmp/{{.}}"{{end}}
)

type machine struct {
	name   string
	packed modelcheck.StepFunc
	step   func(snap uint64, e int) fsmtest.StepOutcome
}

var machines = []machine{ {{- range .}}
	{"{{.}}", {{.}}.Packed.Step, func(snap uint64, e int) fsmtest.StepOutcome {
		n, fx, err := {{.}}.Step({{.}}.Packed.Unpack(snap), {{.}}.Event(e))
		o := fsmtest.StepOutcome{Next: {{.}}.Packed.Pack(n), Row: fx.Row, Error: fx.ErrorText(), Rejected: errors.Is(err, {{.}}.ErrRejected)}
		for _, m := range append(fx.Sent(), fx.Replied()...) {
			o.Sends = append(o.Sends, uint8(m))
		}
		return o
	}},{{end}}
}

func main() {
	seed, _ := strconv.ParseInt(os.Args[1], 10, 64)
	cases, _ := strconv.Atoi(os.Args[2])
	r := rand.New(rand.NewSource(seed))
	failed := false
	for _, m := range machines {
		s, err := spec.Load(m.name + "/spec.yaml")
		if err != nil {
			fmt.Printf("%s: %v\n", m.name, err)
			failed = true
			continue
		}
		ir, err := modelcheck.Interpreter(s.Machine)
		if err != nil {
			fmt.Printf("%s: %v\n", m.name, err)
			failed = true
			continue
		}
		for range cases {
			snap := uint64(r.Intn(len(s.States)))
			for _, v := range s.Vars {
				snap |= uint64(r.Intn(v.Size())) << v.Offset
			}
			snap |= uint64(r.Int63n(1<<len(s.Timers))) << s.Layout.TimerOffset
			e := r.Intn(len(s.Inputs))
			msg := fsmtest.CompareStep(ir, m.packed, snap, e)
			if msg == "" {
				msg = fsmtest.CompareFullStep(s.Machine, ir, snap, e, m.step(snap, e))
			}
			if msg != "" {
				fmt.Printf("%s: snapshot %#x, event %d (%s): %s\n", m.name, snap, e, s.Inputs[e], msg)
				failed = true
				break
			}
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Printf("all %d agree\n", len(machines))
}
`))
