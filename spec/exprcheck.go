package spec

import (
	"fmt"
	"go/token"
	"math"
	"strings"
)

// A division or remainder whose divisor can be zero is refused when the
// spec is loaded. Guards and properties are checked here, by enumerating
// every combination of the values the expression reads (its atoms: the
// variables, states, timers and inbox counts it names, each over its own
// range, independently) and evaluating it as it runs: && || => and cond
// evaluate only what they need, so `n != 0 && x / n > 1` is accepted.
// When the combinations are too many to enumerate, each divisor's value
// range (Range) must exclude zero. Set values are checked by the loader
// under their row's guard, over the machine's variables.

// atomKey identifies an atom of an expression.
type atomKey struct {
	kind int // 0 variable, 1 state, 2 timer, 3 count, 4 message field, 5 monitor variable
	peer int
	ref  any // *Var, *Timer, *Message (a nil *Message: every kind) or a field's name
}

func keyOf(e Expr) (atomKey, bool) {
	switch e := e.(type) {
	case *VarRef:
		return atomKey{0, e.Peer, e.Var}, true
	case *StateOf:
		return atomKey{1, e.Peer, nil}, true
	case *Armed:
		return atomKey{2, e.Peer, e.Timer}, true
	case *Count:
		return atomKey{3, e.To, e.Msg}, true
	case *MsgField:
		return atomKey{4, -1, e.Name}, true
	case *MonRef:
		return atomKey{5, -1, e.Var}, true
	}
	return atomKey{}, false
}

// atomEnv gives each atom the value enumerated for it.
type atomEnv map[atomKey]int

func (m atomEnv) Var(p int, v *Var) int          { return m[atomKey{0, p, v}] }
func (m atomEnv) State(p int) int                { return m[atomKey{1, p, nil}] }
func (m atomEnv) Armed(p int, t *Timer) bool     { return m[atomKey{2, p, t}] != 0 }
func (m atomEnv) Count(to int, msg *Message) int { return m[atomKey{3, to, msg}] }
func (m atomEnv) Msg(name string) int            { return m[atomKey{4, -1, name}] }
func (m atomEnv) Mon(_ *Monitor, v *Var) int     { return m[atomKey{5, -1, v}] }

// domain is the range of values an atom takes: a variable's range, the
// control states, a timer's armed bit, and an inbox's capacity (the sum of
// both for the whole network).
func domain(s *Spec, c *Check, e Expr) (lo, hi int) {
	switch e := e.(type) {
	case *VarRef:
		if e.Var.Kind == Int {
			return e.Var.Min, e.Var.Max
		}
		return 0, e.Var.Size() - 1
	case *StateOf:
		return 0, len(e.Machine.States) - 1
	case *Armed:
		return 0, 1
	case *MsgField:
		return varRange(e.Field(e.Messages[0]))
	case *MonRef:
		return varRange(e.Var)
	case *Count:
		if c == nil {
			return 0, math.MaxInt32
		}
		for _, ch := range c.Channels {
			if ch != nil && (e.To < 0 || ch.To == e.To) && !c.Unused(ch) {
				hi += ch.Capacity // a channel that never carries a message is always empty
			}
		}
		return 0, hi
	}
	return 0, 0
}

// varRange is the range of values v takes (decoded: bools 0..1, enums by index).
func varRange(v *Var) (lo, hi int) {
	if v.Kind == Int {
		return v.Min, v.Max
	}
	return 0, v.Size() - 1
}

// isDivision reports whether e is a / or %.
func isDivision(e Expr) (*Binary, bool) {
	b, ok := e.(*Binary)
	return b, ok && (b.Op == token.QUO || b.Op == token.REM)
}

// hasDivision reports whether e has a / or %.
func hasDivision(e Expr) bool {
	has := false
	Walk(e, func(x Expr) {
		if _, ok := isDivision(x); ok {
			has = true
		}
	})
	return has
}

// divisions checks that no divisor in e can be zero (see above).
func (sc *exprScope) divisions(e Expr) error {
	if !hasDivision(e) {
		return nil
	}
	var zero *Binary
	when, found, tooMany := sc.enumerate(e, func(env atomEnv) bool {
		zero = nil
		eval(e, env, &zero)
		return zero != nil
	})
	switch {
	case tooMany:
		return sc.divisionRanges(e)
	case found:
		return divisionError(zero, when)
	}
	return nil
}

// find reports whether the bool expression e holds for some combination
// of the values it reads, and for which.
func (sc *exprScope) find(e Expr) (when string, found, tooMany bool) {
	return sc.enumerate(e, func(env atomEnv) bool { return Eval(e, env) != 0 })
}

// enumerate calls f with every combination of the values of e's atoms
// until it returns true, and says for which combination; tooMany when
// there are more than maxValuations.
func (sc *exprScope) enumerate(e Expr, f func(atomEnv) bool) (when string, found, tooMany bool) {
	var atoms []Expr
	seen := map[atomKey]bool{}
	Walk(e, func(x Expr) {
		if k, ok := keyOf(x); ok && !seen[k] {
			seen[k] = true
			atoms = append(atoms, x)
		}
	})
	total := 1
	for _, a := range atoms {
		lo, hi := domain(sc.spec, sc.check, a)
		if total *= hi - lo + 1; hi-lo+1 > maxValuations || total > maxValuations {
			return "", false, true
		}
	}
	env := atomEnv{}
	var rec func(i int)
	rec = func(i int) {
		if found {
			return
		}
		if i == len(atoms) {
			if f(env) {
				found, when = true, describeAtoms(sc.spec, atoms, env)
			}
			return
		}
		k, _ := keyOf(atoms[i])
		lo, hi := domain(sc.spec, sc.check, atoms[i])
		for v := lo; v <= hi && !found; v++ {
			env[k] = v
			rec(i + 1)
		}
	}
	rec(0)
	return when, found, false
}

// divisionError reports that b's divisor is zero; when says when.
func divisionError(b *Binary, when string) *Error {
	if when != "" {
		when = " when " + when
	}
	return zeroError(b, "is 0"+when)
}

func zeroError(b *Binary, what string) *Error {
	op := "division"
	if b.Op == token.REM {
		op = "remainder"
	}
	return errorf(b.Y.Pos(), "%s by zero: the divisor %q of %q %s", op, b.Y.String(), b.String(), what)
}

func describeAtoms(s *Spec, atoms []Expr, env atomEnv) string {
	var parts []string
	for _, a := range atoms {
		k, _ := keyOf(a)
		v := env[k]
		val := fmt.Sprint(v)
		switch a := a.(type) {
		case *VarRef:
			val = a.Var.Format(v)
		case *StateOf:
			val = a.Machine.States[v].Name
		case *MsgField:
			val = a.Field(a.Messages[0]).Format(v)
		case *MonRef:
			val = a.Var.Format(v)
		case *Armed:
			val = fmt.Sprint(v != 0)
		}
		parts = append(parts, a.String()+"="+val)
	}
	return strings.Join(parts, ", ")
}

// divisionRanges checks e's divisors one by one, for when the values e
// reads have too many combinations to enumerate: each divisor by the
// combinations of the values it reads, whatever the rest of e, or when
// those too are too many, by its value range (Range).
func (sc *exprScope) divisionRanges(e Expr) error {
	var err error
	Walk(e, func(x Expr) {
		b, ok := isDivision(x)
		if !ok || err != nil {
			return
		}
		zero := &Binary{Op: token.EQL, X: b.Y, Y: &Const{T: Type{Kind: IntType}}, P: b.P}
		if when, ok, tooMany := sc.find(zero); tooMany {
			if lo, hi := Range(b.Y, sc.spec, sc.check); lo <= 0 && hi >= 0 {
				err = zeroError(b, fmt.Sprintf("can be 0: its values range over %d..%d (too many combinations to tell exactly)", lo, hi))
			}
		} else if ok {
			err = divisionError(b, when)
		}
	})
	return err
}

// Range returns bounds on the values e can take, given the ranges of the
// variables, states, timers and (with c) inboxes it reads. The bounds may
// be loose, never wrong.
func Range(e Expr, s *Spec, c *Check) (lo, hi int) {
	switch e := e.(type) {
	case *Const:
		return e.Val, e.Val
	case *VarRef, *StateOf, *Armed, *Count, *MsgField, *MonRef:
		return domain(s, c, e)
	case *Unary:
		if e.Op == token.NOT {
			return 0, 1
		}
		lo, hi := Range(e.X, s, c)
		return neg(hi), neg(lo)
	case *Cond:
		lo1, hi1 := Range(e.Then, s, c)
		lo2, hi2 := Range(e.Else, s, c)
		return min(lo1, lo2), max(hi1, hi2)
	case *Binary:
		if e.Type().Kind == BoolType {
			return 0, 1
		}
		alo, ahi := Range(e.X, s, c)
		blo, bhi := Range(e.Y, s, c)
		switch e.Op {
		case token.ADD:
			return addSat(alo, blo), addSat(ahi, bhi)
		case token.SUB:
			return addSat(alo, neg(bhi)), addSat(ahi, neg(blo))
		case token.MUL:
			return corners(alo, ahi, blo, bhi, mulSat)
		case token.QUO:
			if blo > 0 || bhi < 0 { // truncated division is monotone in each operand here
				return corners(alo, ahi, blo, bhi, func(x, y int) int {
					if x == math.MinInt && y == -1 {
						return math.MaxInt
					}
					return x / y
				})
			}
			m := max(abs(alo), abs(ahi)) // |x / y| <= |x|
			return neg(m), m
		case token.REM: // the sign of x; |x % y| < |y| and <= |x|
			m := max(abs(blo), abs(bhi))
			if m > 0 {
				m--
			}
			lo, hi = 0, 0
			if ahi > 0 {
				hi = min(ahi, m)
			}
			if alo < 0 {
				lo = neg(min(abs(alo), m))
			}
			return lo, hi
		}
	}
	return 0, 1 // bools
}

func corners(alo, ahi, blo, bhi int, f func(x, y int) int) (lo, hi int) {
	lo, hi = math.MaxInt, math.MinInt
	for _, x := range []int{alo, ahi} {
		for _, y := range []int{blo, bhi} {
			v := f(x, y)
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi
}

func neg(x int) int {
	if x == math.MinInt {
		return math.MaxInt
	}
	return -x
}

func abs(x int) int {
	if x < 0 {
		return neg(x)
	}
	return x
}

func addSat(x, y int) int {
	r := x + y
	switch {
	case x > 0 && y > 0 && r < 0:
		return math.MaxInt
	case x < 0 && y < 0 && r >= 0:
		return math.MinInt
	}
	return r
}

func mulSat(x, y int) int {
	if x == 0 || y == 0 {
		return 0
	}
	r := x * y
	if r/y != x || (x == -1 && y == math.MinInt) || (y == -1 && x == math.MinInt) {
		if (x < 0) != (y < 0) {
			return math.MinInt
		}
		return math.MaxInt
	}
	return r
}
