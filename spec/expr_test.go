package spec_test

import (
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
)

// exprSpec has one guarded row whose guard is the expression under test;
// x and y range over -7..7, d over 1..3, z over 0..3, and m is an enum.
func exprSpec(guard, set string) string {
	src := `machine: m
vars:
  x: {type: int, min: -7, max: 7}
  y: {type: int, min: -7, max: 7}
  d: {type: int, min: 1, max: 3}
  z: {type: int, min: 0, max: 3}
  b: {type: bool}
  m: {type: enum, values: [lo, hi], init: lo}
calls: [GO]
states:
  A: {initial: true}
transitions:
  - from: A
    on: GO
`
	if guard != "" {
		src += "    if: " + quoteYAML(guard) + "\n"
	}
	if set != "" {
		src += "    set:\n      " + set + "\n"
	}
	return src
}

func quoteYAML(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

type mapEnv map[string]int

func (m mapEnv) Var(_ int, v *spec.Var) int   { return m[v.Name] }
func (m mapEnv) State(int) int                { return 0 }
func (m mapEnv) Armed(int, *spec.Timer) bool  { return false }
func (m mapEnv) Count(int, *spec.Message) int { return 0 }
func loadGuard(t *testing.T, guard string) spec.Expr {
	t.Helper()
	s, err := spec.Parse("e.yaml", []byte(exprSpec(guard, "")))
	if err != nil {
		t.Fatalf("%s: %v", guard, err)
	}
	return s.Rows[0].Guard
}

// TestExprPrecedence: how the new operators group, shown by String (which
// parenthesises every binary operation) and by evaluation.
func TestExprPrecedence(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"x / d * 2 == 1", "((x / d) * 2) == 1"},
		{"x + y % d == 1", "(x + (y % d)) == 1"},
		{"x % d / d == 0", "((x % d) / d) == 0"},
		{"b => x > 0", "b => (x > 0)"},
		{"b => b => b", "b => (b => b)"},
		{"b || b => b && b", "(b || b) => (b && b)"},
		{"b => b || b", "b => (b || b)"},
		{"b || b || b => b", "((b || b) || b) => b"},
		{"!(b => b)", "!(b => b)"},
		{"(b => b) => b", "(b => b) => b"},
		{"x>=y => x<=y", "(x >= y) => (x <= y)"},
		{"x==y=>b", "(x == y) => b"},
		{"cond(b, x, y) / d > 0", "(cond(b, x, y) / d) > 0"},
		{"cond(b => x > 0, m, hi) == lo", "cond(b => (x > 0), m, hi) == lo"},
		{"cond(b, lo, hi) == m", "cond(b, lo, hi) == m"},
		{"cond(x > 0, b, false)", "cond(x > 0, b, false)"},
		{"cond(b, cond(x > 0, 1, 2), 3) == z", "cond(b, cond(x > 0, 1, 2), 3) == z"},
	} {
		e := loadGuard(t, c.src)
		if got := e.String(); got != c.want {
			t.Errorf("%s: String %q, want %q", c.src, got, c.want)
		}
		// The printed form reads back as the same expression.
		if got := loadGuard(t, e.String()).String(); got != c.want {
			t.Errorf("%s: reparsed as %q, want %q", c.src, got, c.want)
		}
	}
}

// TestExprEval: / and % truncate toward zero as in Go, => and cond
// evaluate as defined, over every valuation of x, y, d and b.
func TestExprEval(t *testing.T) {
	div := loadGuard(t, "x / d == y")
	rem := loadGuard(t, "x % d == y")
	negDiv := loadGuard(t, "x / -d == y")
	negRem := loadGuard(t, "x % -d == y")
	impl := loadGuard(t, "x > 0 => y > 0 => b")
	cnd := loadGuard(t, "cond(b, x, y) == cond(!b, y, x) - 0 * cond(b, 1, 2)")
	for x := -7; x <= 7; x++ {
		for y := -7; y <= 7; y++ {
			for d := 1; d <= 3; d++ {
				for b := 0; b <= 1; b++ {
					env := mapEnv{"x": x, "y": y, "d": d, "b": b}
					check := func(name string, e spec.Expr, want bool) {
						if got := spec.Eval(e, env) != 0; got != want {
							t.Errorf("%s with %v: %v, want %v", name, env, got, want)
						}
					}
					check("x / d == y", div, x/d == y)
					check("x % d == y", rem, x%d == y)
					check("x / -d == y", negDiv, x/-d == y)
					check("x % -d == y", negRem, x%-d == y)
					check("implication", impl, !(x > 0) || !(y > 0) || b == 1)
					check("cond", cnd, true)
				}
			}
		}
	}
	// Spot values: truncation, not flooring.
	for _, c := range []struct {
		src  string
		x, d int
		want int
	}{
		{"x / d", -7, 2, -3}, {"x % d", -7, 2, -1}, {"x / d", 7, 2, 3}, {"x % d", 7, 2, 1},
		{"x / -d", 7, 2, -3}, {"x % -d", 7, 2, 1}, {"x / -d", -7, 2, 3}, {"x % -d", -7, 2, -1},
	} {
		e := loadGuard(t, c.src+" == 0")
		val := e.(*spec.Binary).X
		if got := spec.Eval(val, mapEnv{"x": c.x, "d": c.d}); got != c.want {
			t.Errorf("%s with x=%d d=%d: %d, want %d", c.src, c.x, c.d, got, c.want)
		}
	}
}

// TestExprShortCircuit: a divisor that is zero only where && || => or
// cond do not evaluate the division is accepted.
func TestExprShortCircuit(t *testing.T) {
	for _, g := range []string{
		"z != 0 && x / z > 0",
		"z == 0 || x % z == 1",
		"z > 0 => x / z < 2",
		"cond(z == 0, 0, x / z) == 1",
		"x / (z + 1) == 0",
		"x / d % (d + 1) == 0",
	} {
		loadGuard(t, g)
	}
	// A set value may divide by a variable its guard keeps from zero.
	if _, err := spec.Parse("e.yaml", []byte(exprSpec("z > 0", "x: x / z"))); err != nil {
		t.Error(err)
	}
	if _, err := spec.Parse("e.yaml", []byte(exprSpec("", "m: cond(b, hi, lo)"))); err != nil {
		t.Error(err)
	}
}

// TestExprErrors: type errors, zero divisors and out-of-range values, each
// at its exact column (a guard starts at column 10, inside its quotes, and
// so does a set value).
func TestExprErrors(t *testing.T) {
	for _, c := range []struct{ guard, set, want string }{
		{"x / z == 1", "", `e.yaml:15:14: division by zero: the divisor "z" of "x / z" is 0 when x=-7, z=0`},
		{"b && x % (d - 1) == 1", "", `e.yaml:15:20: remainder by zero: the divisor "d - 1" of "x % (d - 1)" is 0 when b=true, x=-7, d=1`},
		{"x => b", "", `e.yaml:15:10: operator => needs bool operands, found int "x"`},
		{"b => x", "", `e.yaml:15:15: operator => needs bool operands, found int "x"`},
		{"b =>", "", `e.yaml:15:14: invalid expression "b =>": expected operand, found 'EOF'`},
		{"=> b", "", `e.yaml:15:10: invalid expression "=> b": expected operand, found '=>'`},
		{"x = > b", "", `e.yaml:15:12: invalid expression "x = > b": expected '==', found '=': = is not a comparison, write == (or != for not equal)`},
		{"cond(x, 1, 2) == 1", "", `e.yaml:15:15: the condition of cond must be bool, found int "x"`},
		{"cond(b, 1, false)", "", `e.yaml:15:21: the branches of cond differ in type: "1" is int, "false" is bool`},
		{"cond(b, lo, x) == m", "", `e.yaml:15:18: the branches of cond differ in type: "x" is int, "lo" is no variable, true or false`},
		{"cond(b, lo, hi)", "", `e.yaml:15:18: unknown name "lo": expected a variable, an enum value, true or false`},
		{"cond(b, 1) == 1", "", `e.yaml:15:10: cond takes three arguments: a condition, the value when it holds and the value when it does not`},
		{"b / 2 == 1", "", `e.yaml:15:10: operator / needs int operands, found bool "b"`},
		{"", "x: y / d * 2", `e.yaml:16:10: set x: value -14 is outside -7..7 when x=-7, y=-7, d=1, z=0, b=false, m=lo`},
		{"", "z: x % 4", `e.yaml:16:10: set z: value -3 is outside 0..3 when x=-7, y=-7, d=1, z=0, b=false, m=lo`},
		{"", "x: y / z", `e.yaml:16:14: division by zero: the divisor "z" of "y / z" is 0 when x=-7, y=-7, d=1, z=0, b=false, m=lo`},
		{"", "x: cond(b, y, 8)", `e.yaml:16:10: set x: value 8 is outside -7..7 when x=-7, y=-7, d=1, z=0, b=false, m=lo`},
		{"", "m: cond(b, lo, x)", `e.yaml:16:18: the branches of cond differ in type: "x" is int, "lo" is no variable, true or false`},
	} {
		_, err := spec.Parse("e.yaml", []byte(exprSpec(c.guard, c.set)))
		if err == nil {
			t.Errorf("%q %q: no error", c.guard, c.set)
			continue
		}
		if got := err.Error(); got != c.want {
			t.Errorf("%q %q:\n got %s\nwant %s", c.guard, c.set, got, c.want)
		}
	}
}

// TestDivisionRanges: when the values an expression reads have too many
// combinations to enumerate, a divisor's value range decides.
func TestDivisionRanges(t *testing.T) {
	src := func(inv string) string {
		return `machine: m
vars:
  x: {type: int, min: 0, max: 15}
  y: {type: int, min: 0, max: 15}
  z: {type: int, min: 0, max: 15}
calls: [GO]
states:
  A: {initial: true}
transitions:
  - {from: A, on: GO}
checks:
  pair:
    peers:
      a: {calls: {GO: 1}}
      b: {calls: {GO: 1}}
    network: {order: unordered, capacity: 1}
    invariants:
      p: ` + inv + "\n"
	}
	const many = "a.x + a.y + a.z + b.x + b.y > "
	for _, ok := range []string{
		many + "a.x / (a.y + 1)",
		many + "a.x % (b.z * 2 - 31)",
		many + "a.x / (a.y / 4 + 1) % (a.z % 3 + 1)",
		many + "a.x / cond(b.x > 0, 1, -1)",
		"a.y > 0 => a.x / a.y < 16", // few enough to enumerate
		"a.state == cond(a.x > 0, A, A) && cond(b.x > 1, b.state, A) != A => a.z % 2 == b.z % 2",
	} {
		if _, err := spec.Parse("r.yaml", []byte(src(ok))); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, c := range []struct{ inv, want string }{
		{many + "a.x / (a.y - 1)", `r.yaml:18:47: division by zero: the divisor "a.y - 1" of "a.x / (a.y - 1)" is 0 when a.y=1`},
		{many + "a.x % (a.y % 4)", `r.yaml:18:47: remainder by zero: the divisor "a.y % 4" of "a.x % (a.y % 4)" is 0 when a.y=0`},
		{many + "a.x % (a.x + a.y + a.z + b.x + b.y - 1)", `r.yaml:18:47: remainder by zero: the divisor "((((a.x + a.y) + a.z) + b.x) + b.y) - 1" of "a.x % (((((a.x + a.y) + a.z) + b.x) + b.y) - 1)" can be 0: its values range over -1..74 (too many combinations to tell exactly)`},
		{many + "a.x % (a.x * a.y * a.z * b.x * b.y + 1)", ""},
		{"a.y > 0 => a.x / (a.y - 1) < 16", `r.yaml:18:28: division by zero: the divisor "a.y - 1" of "a.x / (a.y - 1)" is 0 when a.y=1, a.x=0`},
	} {
		_, err := spec.Parse("r.yaml", []byte(src(c.inv)))
		if c.want == "" && err == nil {
			continue
		}
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.inv, err, c.want)
		}
	}
}
