package proptest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
)

// TestRandomSpecsAreValid: the generator's specs are valid by construction.
func TestRandomSpecsAreValid(t *testing.T) {
	props := gopter.NewProperties(params(t, 1000))
	props.Property("spec.Parse accepts every generated spec", prop.ForAll(
		func(rs *RandomSpec) string {
			if _, err := spec.Parse("random.yaml", rs.YAML()); err != nil {
				return err.Error()
			}
			return ""
		},
		SpecGen{Checks: true, Arith: true}.Gen(),
	))
	props.TestingRun(t)
}

// TestRoundTrip: spec → YAML (spec.Format) → spec gives the same IR, and
// formatting is a fixed point.
func TestRoundTrip(t *testing.T) {
	props := gopter.NewProperties(params(t, 2000))
	props.Property("Parse(Format(s)) == s", prop.ForAll(roundTrip, SpecGen{Checks: true, Negation: true, Arith: true}.Gen()))
	props.TestingRun(t)
}

// TestRoundTripTCP: the same for the flagship spec.
func TestRoundTripTCP(t *testing.T) {
	if msg := roundTrip(nil); msg != "" {
		t.Fatal(msg)
	}
}

// TestRoundTripMachines: the same for specs of several machines, with
// message fields and monitors.
func TestRoundTripMachines(t *testing.T) {
	for _, file := range []string{"../examples/reqresp/reqresp.yaml", "../examples/abp/abp.yaml"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if msg := roundTripSource(file, src); msg != "" {
			t.Errorf("%s: %s", file, msg)
		}
	}
}

// roundTrip checks one spec (nil: spec/tcp.yaml) and returns what went wrong, or "".
func roundTrip(rs *RandomSpec) string {
	if rs != nil {
		return roundTripSource("random.yaml", rs.YAML())
	}
	return roundTripSource(fsmgen.TCPFile, fsmgen.TCPSource())
}

func roundTripSource(name string, src []byte) string {
	s1, err := spec.Parse(name, src)
	if err != nil {
		return "parse: " + err.Error()
	}
	y1, err := spec.Format(s1)
	if err != nil {
		return "format: " + err.Error()
	}
	s2, err := spec.Parse(name, y1)
	if err != nil {
		return "parse of formatted: " + err.Error() + "\n--- formatted:\n" + string(y1)
	}
	if d := irDiff(s1, s2); d != "" {
		return "IR differs after a round trip: " + d + "\n--- formatted:\n" + string(y1)
	}
	y2, err := spec.Format(s2)
	if err != nil {
		return "format of formatted: " + err.Error()
	}
	if !bytes.Equal(y1, y2) {
		return "Format is not a fixed point:\n--- first:\n" + string(y1) + "\n--- second:\n" + string(y2)
	}
	return ""
}

// TestRoundTripFiles: Format then Parse gives the same IR for the example
// systems and the checker's test specs (machines, fields, monitors, more
// than two peers, replies and per-channel networks), and Format is a fixed
// point on them.
func TestRoundTripFiles(t *testing.T) {
	var files []string
	for _, pat := range []string{"../examples/*/*.yaml", "../modelcheck/testdata/*.yaml"} {
		m, err := filepath.Glob(pat)
		if err != nil || len(m) == 0 {
			t.Fatalf("no specs match %s (%v)", pat, err)
		}
		files = append(files, m...)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if msg := roundTripSource(f, src); msg != "" {
			t.Errorf("%s: %s", f, msg)
		}
	}
}
