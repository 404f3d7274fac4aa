package spec_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

var update = flag.Bool("update", false, "rewrite the golden .err files of testdata/bad")

// TestBadSpecs loads every testdata/bad/NAME.yaml and compares the errors
// with NAME.err, line for line. Run with -update to rewrite the goldens (and
// then read every changed one).
func TestBadSpecs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("only %d bad specs", len(files))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			s, err := spec.Parse(name, data, spec.Strict())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Parse took %v", d)
			}
			if err == nil {
				t.Fatalf("Parse accepted the spec (machine %s)", s.Name)
			}
			checkErrors(t, name, err)
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./spec -run TestBadSpecs -update)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
	// Every golden belongs to a spec.
	goldens, _ := filepath.Glob("testdata/bad/*.err")
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".err") + ".yaml"); err != nil {
			t.Errorf("%s has no spec", g)
		}
	}
}

// minimal is a small valid spec the tests below vary.
const minimal = `machine: m
calls: [GO]
states:
  A: {initial: true}
transitions:
  - {from: A, on: GO}
`

func TestParseErrorIs(t *testing.T) {
	_, err := spec.Parse("x.yaml", []byte("machine: [\n"))
	if !errors.Is(err, spec.ErrInvalid) {
		t.Fatalf("got %v, want an error wrapping ErrInvalid", err)
	}
	var e *spec.Error
	if !errors.As(err, &e) || e.Pos.File != "x.yaml" || e.Pos.Line != 2 {
		t.Fatalf("errors.As: %#v", e)
	}
}

func TestTooLarge(t *testing.T) {
	data := append([]byte(minimal+"doc: "), bytes.Repeat([]byte("x"), spec.MaxSize)...)
	start := time.Now()
	_, err := spec.Parse("big.yaml", data)
	want := fmt.Sprintf("big.yaml:1:1: file is %d bytes: specs are at most 1048576", len(data))
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("rejecting an oversized file took %v", d)
	}
}

// TestHugeName: a 200 KB name, under MaxSize, is rejected with a clipped
// message; as a mapping key it is too long for YAML itself (1024 at most).
func TestHugeName(t *testing.T) {
	name := strings.Repeat("S", 200<<10)
	for _, tc := range []struct{ src, want string }{
		{
			strings.Replace(minimal, "machine: m", "machine: "+name, 1),
			`huge.yaml:1:10: machine "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS..." is too long: names have at most 64 characters`,
		},
		{
			strings.Replace(minimal, "from: A", "from: "+name, 1),
			`huge.yaml:6:12: unknown state "SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS..."`,
		},
		{
			strings.ReplaceAll(minimal, "A", name),
			`huge.yaml:4:1: invalid YAML: mapping values are not allowed in this context`,
		},
	} {
		start := time.Now()
		_, err := spec.Parse("huge.yaml", []byte(tc.src))
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %.300v, want %s", err, tc.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
	}
}

// TestHugeScalar: a long doc string is fine; only names are bounded.
func TestHugeScalar(t *testing.T) {
	src := minimal + "doc: " + strings.Repeat("word ", 100<<10) + "\n"
	s := spectest.Parse(t, "doc.yaml", []byte(src))
	if len(s.Doc) < 400<<10 {
		t.Fatalf("doc of %d bytes", len(s.Doc))
	}
}

// TestAliasBomb: the billion-laughs document is rejected at once, without
// expanding it.
func TestAliasBomb(t *testing.T) {
	data, err := os.ReadFile("testdata/bad/alias_bomb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = spec.Parse("alias_bomb.yaml", data)
	if err == nil || !strings.Contains(err.Error(), "anchors and aliases are not supported") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

// TestTooMany: declarations beyond the bounds are rejected before the
// transition table (states × events) is allocated.
func TestTooMany(t *testing.T) {
	var b strings.Builder
	b.WriteString("machine: m\nmessages: [")
	for i := range 300 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("M" + itoa(i))
	}
	b.WriteString("]\ncalls: [GO]\nstates:\n  A: {initial: true}\n")
	for i := range 300 {
		b.WriteString("  S" + itoa(i) + ":\n")
	}
	b.WriteString("transitions:\n  - {from: A, on: GO}\n")
	_, err := spec.Parse("many.yaml", []byte(b.String()))
	want := "many.yaml:2:1438: too many messages: 300, at most 256\n" +
		"many.yaml:261:3: too many states: 301, at most 256"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want\n%s", err, want)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

// TestOverlapReportedOnce: many identical rows give one error per row, not
// one per pair of rows and per state.
func TestOverlapReportedOnce(t *testing.T) {
	var b strings.Builder
	b.WriteString("machine: m\ncalls: [GO]\nstates:\n  A: {initial: true}\n  B: {}\ntransitions:\n")
	for range 2000 {
		b.WriteString("  - {from: \"*\", on: GO}\n")
	}
	start := time.Now()
	_, err := spec.Parse("rows.yaml", []byte(b.String()))
	var list spec.ErrorList
	if !errors.As(err, &list) || len(list) != 1999 {
		t.Fatalf("got %d errors, want 1999", len(list))
	}
	if !strings.HasPrefix(list[0].Error(), "rows.yaml:8:5: this transition and the one at line 7 both fire on GO in state A") {
		t.Errorf("first error: %v", list[0])
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestUnknownParamOverride(t *testing.T) {
	_, err := fsmgen.TCP(spec.WithParam("TTL", time.Second))
	want := "spec/tcp.yaml:104:3: cannot set param TTL: the spec declares no such param (its params: MSL, FIN_TIMEOUT)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

// TestExclusiveGuardsScale: many rows on one cell whose guards exclude each
// other are checked in reasonable time.
func TestExclusiveGuardsScale(t *testing.T) {
	var b strings.Builder
	b.WriteString("machine: m\nvars:\n  n: {type: int, min: 0, max: 255}\ncalls: [GO]\nstates:\n  A: {initial: true}\ntransitions:\n")
	for i := range 256 {
		fmt.Fprintf(&b, "  - {from: A, on: GO, if: n == %d}\n", i)
	}
	start := time.Now()
	s := spectest.Parse(t, "exclusive.yaml", []byte(b.String()))
	if len(s.Table[0][0]) != 256 {
		t.Fatalf("%d rows in the cell", len(s.Table[0][0]))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}
