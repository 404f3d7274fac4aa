package spec_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestGoodSpecs: every testdata/good spec loads, keeps the IR's invariants,
// and has no warnings (but warnings.yaml, which TestWarnings covers).
func TestGoodSpecs(t *testing.T) {
	files, err := filepath.Glob("testdata/good/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "tcp.yaml")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			s := spectest.Load(t, file)
			checkIR(t, s)
			if len(s.Warnings) > 0 && filepath.Base(file) != "warnings.yaml" {
				t.Errorf("warnings: %v", s.Warnings)
			}
			if s.File != file {
				t.Errorf("File %q, want %q", s.File, file)
			}
		})
	}
}

// TestExclusiveGuards: rows that share a cell but whose guards exclude each
// other are accepted, and each valuation selects the intended row.
func TestExclusiveGuards(t *testing.T) {
	s := spectest.Load(t, "testdata/good/exclusive_guards.yaml")
	a := s.State("A")
	count := s.CallEvent(s.Calls[2])
	rows := s.Table[a.Index][count.Index]
	if len(rows) != 3 {
		t.Fatalf("%d COUNT rows in A", len(rows))
	}
	n := s.Vars[2]
	for x := n.Min; x <= n.Max; x++ {
		env := guardEnv{vals: []int{0, 0, x}}
		var fired []int
		for _, r := range rows {
			if spec.Eval(r.Guard, env) != 0 {
				fired = append(fired, r.Pos.Line)
			}
		}
		if len(fired) != 1 {
			t.Errorf("n=%d: rows at lines %v fire", x, fired)
		}
	}
}

func TestWarnings(t *testing.T) {
	const file = "testdata/good/warnings.yaml"
	want := []string{
		file + ":4:18: event recv UNUSED is handled by no transition: it can never fire",
		file + ":6:3: timer idle is never started",
		file + ":7:13: event NEVER is handled by no transition: it can never fire",
		file + ":11:3: state ORPHAN is unreachable from the initial state A",
	}
	s := spectest.Load(t, file)
	var got []string
	for _, w := range s.Warnings {
		got = append(got, w.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Strict makes them errors, in the same order.
	s, err := spec.Load(file, spec.Strict())
	if s != nil {
		t.Fatal("Strict returned a spec")
	}
	var list spec.ErrorList
	if !errors.As(err, &list) || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("Strict: got\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
	if !errors.Is(err, spec.ErrInvalid) {
		t.Error("strict errors do not wrap ErrInvalid")
	}
}

// TestStrictClean: a spec without warnings passes Strict.
func TestStrictClean(t *testing.T) {
	spectest.TCP(t, spec.Strict())
}
