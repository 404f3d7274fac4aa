package gen_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

func TestDiagramSelfLoops(t *testing.T) {
	s := spectest.TCP(t)
	all := string(gen.Mermaid(s.Machine, gen.DiagramOptions{}))
	some := string(gen.Mermaid(s.Machine, gen.DiagramOptions{HideSelfLoops: true}))
	if strings.Count(some, "\n") >= strings.Count(all, "\n") {
		t.Error("HideSelfLoops hid nothing")
	}
	for _, line := range strings.Split(some, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[1] == "-->" && f[0] == f[2] {
			t.Errorf("self loop kept: %s", line)
		}
	}
	if !strings.Contains(all, "[*] --> CLOSED\n") {
		t.Error("no initial arrow")
	}
}

// TestDotRendersWithGraphviz feeds the DOT rendering of every test spec to
// Graphviz itself: `fsmgen dot | dot -Tsvg` must work. CI installs
// Graphviz, so there a missing dot is a failure, not a skip.
func TestDotRendersWithGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("Graphviz's dot is not installed (CI installs it: apt-get install -y graphviz)")
		}
		t.Skip("Graphviz's dot is not installed; apt-get install -y graphviz to run this test")
	}
	specs := []*spec.Spec{spectest.TCP(t)}
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, f := range files {
		specs = append(specs, spectest.Load(t, f))
	}
	for _, s := range specs {
		for _, hide := range []bool{false, true} {
			cmd := exec.Command(dot, "-Tsvg")
			cmd.Stdin = bytes.NewReader(gen.Dot(s.Machine, gen.DiagramOptions{HideSelfLoops: hide}))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("%s: dot -Tsvg: %v\n%s", s.File, err, stderr.String())
			}
			if !bytes.Contains(out, []byte("<svg")) || !bytes.Contains(out, []byte(s.Initial.Name)) {
				t.Fatalf("%s: dot -Tsvg produced no SVG with the initial state", s.File)
			}
		}
	}
}
