package gen_test

import (
	"bytes"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// The golden tests: every emitter's output for a spec under testdata,
// rendered twice (it must not vary) and compared with the checked-in file.
// The generated packages outside gen (fsm/tcp, the examples) are compared
// with a fresh generation by their own tests, and rewritten by go generate.

var update = flag.Bool("update", false, "rewrite the golden files under testdata from the emitters")

// goldens are the test specs whose generated Go is checked in.
var goldens = []struct {
	spec, pkg, golden string
}{
	{"testdata/door.yaml", "door", "testdata/door.go.golden"},
	{"testdata/relay.yaml", "relay", "testdata/relay.go.golden"},
	{"testdata/window.yaml", "window", "testdata/window.go.golden"},
}

func TestGoGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.pkg, func(t *testing.T) {
			got := generate(t, g.spec, g.pkg)
			if again := generate(t, g.spec, g.pkg); !bytes.Equal(got, again) {
				t.Fatal("two generations differ: the output is not deterministic")
			}
			checkGolden(t, g.golden, got)
		})
	}
}

func TestDiagramGolden(t *testing.T) {
	s := spectest.Load(t, "testdata/door.yaml")
	o := gen.DiagramOptions{Source: "gen/testdata/door.yaml"}
	for _, c := range []struct {
		golden string
		render func(*spec.Machine, gen.DiagramOptions) []byte
	}{
		{"testdata/door.dot.golden", gen.Dot},
		{"testdata/door.mmd.golden", gen.Mermaid},
	} {
		got := c.render(s.Machine, o)
		if !bytes.Equal(got, c.render(s.Machine, o)) {
			t.Fatalf("%s: output is not deterministic", c.golden)
		}
		checkGolden(t, c.golden, got)
	}
}

// TestTimedGolden pins the Promela and TLA+ renderings of a small timed
// check.
func TestTimedGolden(t *testing.T) {
	s := spectest.Load(t, "testdata/timed.yaml")
	c := spectest.Check(t, s, "timed")
	if c.Time == nil {
		t.Fatal("testdata/timed.yaml's check timed is not timed")
	}
	pml, err := gen.Promela(s, c)
	if err != nil {
		t.Fatal(err)
	}
	mod, cfg, err := gen.TLA(s, c)
	if err != nil {
		t.Fatal(err)
	}
	pml2, _ := gen.Promela(s, c)
	mod2, cfg2, _ := gen.TLA(s, c)
	if !bytes.Equal(pml, pml2) || !bytes.Equal(mod, mod2) || !bytes.Equal(cfg, cfg2) {
		t.Fatal("two renderings of the timed check differ")
	}
	checkGolden(t, "testdata/timed.pml.golden", pml)
	checkGolden(t, "testdata/timed.tla.golden", mod)
	checkGolden(t, "testdata/timed.cfg.golden", cfg)
}

// checkGolden fails t when got, a fresh rendering, differs from the golden
// file path; with -update it writes got there instead.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./gen -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from a fresh rendering (go test ./gen -update)\n%s", path, firstDiff(string(want), string(got)))
	}
}

// firstDiff names the first line where want and got differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}
