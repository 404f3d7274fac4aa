package gen_test

import (
	"bytes"
	"testing"

	"github.com/fsmgen/fsmgen/gen"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestTimedGolden pins the Promela and TLA+ renderings of a small timed
// check (go test ./gen -update rewrites them).
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
	for _, g := range []struct {
		golden string
		got    []byte
	}{
		{"testdata/timed.pml.golden", pml},
		{"testdata/timed.tla.golden", mod},
		{"testdata/timed.cfg.golden", cfg},
	} {
		checkGolden(t, g.golden, g.got)
	}
}
