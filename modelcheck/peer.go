package modelcheck

import (
	"fmt"
	"go/token"

	"github.com/fsmgen/fsmgen/spec"
)

// StepFunc applies one event to a peer's packed snapshot (spec.Layout). It
// appends the messages the peer sends (message indexes, in order) to sends
// and returns the extended slice; row is the index in Spec.Rows of the row
// that fired, or -1 when the event was unhandled. ok is false only when the
// event was refused: a call that a row with `error` handles (a failed
// call), or an unhandled call under `calls: reject`. An unhandled
// message or timer expiry is consumed as docs/semantics.md says (reply,
// disarm) with row -1 and ok true.
//
// The generated code exports a function of this type named StepPacked;
// WithStep makes the checker drive it instead of the IR interpreter. The
// checker also accepts a step function that returns ok false with row -1
// for every unhandled event and applies the spec's unhandled policy itself.
type StepFunc func(snap uint64, event int, sends []uint8) (next uint64, out []uint8, row int, ok bool)

// guardFunc evaluates a guard over a peer snapshot.
type guardFunc func(snap uint64) int

type compiledRow struct {
	index    int
	guard    guardFunc
	to       int // -1: stay
	sends    []uint8
	clear    uint64 // timers stopped or restarted, and variables set
	arm      uint64 // timers started or restarted
	assigns  []compiledAssign
	hasGuard bool
	// failedCall marks a call row with `error`: the call fails and changes nothing.
	failedCall bool
}

type compiledAssign struct {
	v     *spec.Var
	value guardFunc
}

// interpreter runs the IR's transition table over packed snapshots.
type interpreter struct {
	s         *spec.Spec
	stateMask uint64
	table     [][][]compiledRow // [state][event]
}

// Interpreter compiles s's transition table to dense per-(state, event)
// rows with precompiled guards and returns its step function.
func Interpreter(s *spec.Spec) (StepFunc, error) {
	in, err := newInterpreter(s)
	if err != nil {
		return nil, err
	}
	return in.step, nil
}

func newInterpreter(s *spec.Spec) (*interpreter, error) {
	if s == nil || len(s.States) == 0 || s.Initial == nil {
		return nil, fmt.Errorf("modelcheck: spec has no states")
	}
	in := &interpreter{s: s, stateMask: 1<<s.Layout.StateBits - 1}
	rows := make([]compiledRow, len(s.Rows))
	for i, r := range s.Rows {
		cr := compiledRow{index: r.Index, to: -1}
		if r.To != nil {
			cr.to = r.To.Index
		}
		if r.Guard != nil {
			g, err := compileGuard(r.Guard)
			if err != nil {
				return nil, err
			}
			cr.guard, cr.hasGuard = g, true
		}
		for _, m := range r.Send {
			cr.sends = append(cr.sends, uint8(m.Index))
		}
		for _, t := range r.Stop {
			cr.clear |= 1 << (s.Layout.TimerOffset + uint(t.Index))
		}
		for _, t := range r.Restart {
			cr.clear |= 1 << (s.Layout.TimerOffset + uint(t.Index))
			cr.arm |= 1 << (s.Layout.TimerOffset + uint(t.Index))
		}
		for _, t := range r.Start {
			cr.arm |= 1 << (s.Layout.TimerOffset + uint(t.Index))
		}
		for _, a := range r.Set {
			val, err := compileGuard(a.Value)
			if err != nil {
				return nil, err
			}
			cr.assigns = append(cr.assigns, compiledAssign{v: a.Var, value: val})
			cr.clear |= (1<<a.Var.Width - 1) << a.Var.Offset
		}
		rows[i] = cr
	}
	in.table = make([][][]compiledRow, len(s.States))
	for st := range s.States {
		in.table[st] = make([][]compiledRow, len(s.Events))
		if st >= len(s.Table) {
			continue
		}
		for ev := range s.Events {
			if ev >= len(s.Table[st]) {
				continue
			}
			for _, r := range s.Table[st][ev] {
				cr := rows[r.Index]
				cr.failedCall = s.Events[ev].Kind == spec.CallEvent && r.Error != ""
				in.table[st][ev] = append(in.table[st][ev], cr)
			}
		}
	}
	return in, nil
}

func (in *interpreter) step(snap uint64, event int, sends []uint8) (uint64, []uint8, int, bool) {
	st := int(snap & in.stateMask)
	if st >= len(in.table) || event < 0 || event >= len(in.s.Events) {
		return snap, sends, -1, false
	}
	if ev := in.s.Events[event]; ev.Kind == spec.TimerEvent {
		// A timer that has fired is no longer running (docs/semantics.md, step 0).
		snap &^= 1 << (in.s.Layout.TimerOffset + uint(ev.Timer.Index))
	}
	for i := range in.table[st][event] {
		r := &in.table[st][event][i]
		if r.hasGuard && r.guard(snap) == 0 {
			continue
		}
		next := snap
		var set uint64
		for _, a := range r.assigns {
			code := a.v.Encode(a.value(snap)) & (1<<a.v.Width - 1)
			set |= code << a.v.Offset
		}
		next = next&^r.clear | set | r.arm
		if r.to >= 0 {
			next = next&^in.stateMask | uint64(r.to)
		}
		if r.failedCall {
			return snap, sends, r.index, false
		}
		return next, append(sends, r.sends...), r.index, true
	}
	return unhandled(in.s, snap, event, sends)
}

// unhandled applies the spec's policy for an event no row handles.
func unhandled(s *spec.Spec, snap uint64, event int, sends []uint8) (uint64, []uint8, int, bool) {
	ev := s.Events[event]
	switch ev.Kind {
	case spec.CallEvent:
		return snap, sends, -1, s.Unhandled.Calls == spec.IgnoreCall
	case spec.MessageEvent:
		if s.Unhandled.Messages == spec.ReplyMessage && s.Unhandled.Reply != nil {
			sends = append(sends, uint8(s.Unhandled.Reply.Index))
		}
		return snap, sends, -1, true
	}
	return snap &^ (1 << (s.Layout.TimerOffset + uint(ev.Timer.Index))), sends, -1, true
}

// initialSnapshot is a peer's snapshot before any event.
func initialSnapshot(s *spec.Spec) uint64 {
	snap := uint64(s.Initial.Index)
	for _, v := range s.Vars {
		snap |= v.Encode(v.Init) << v.Offset
	}
	return snap
}

// compileGuard turns a guard or set value (over one peer's variables) into a closure.
func compileGuard(e spec.Expr) (guardFunc, error) {
	switch e := e.(type) {
	case *spec.Const:
		v := e.Val
		return func(uint64) int { return v }, nil
	case *spec.VarRef:
		v := e.Var
		off, mask := v.Offset, uint64(1)<<v.Width-1
		if v.Kind == spec.Int {
			min := v.Min
			return func(s uint64) int { return int(s>>off&mask) + min }, nil
		}
		return func(s uint64) int { return int(s >> off & mask) }, nil
	case *spec.Unary:
		x, err := compileGuard(e.X)
		if err != nil {
			return nil, err
		}
		if e.Op == token.NOT {
			return func(s uint64) int { return 1 - x(s) }, nil
		}
		return func(s uint64) int { return -x(s) }, nil
	case *spec.Binary:
		x, err := compileGuard(e.X)
		if err != nil {
			return nil, err
		}
		y, err := compileGuard(e.Y)
		if err != nil {
			return nil, err
		}
		f := binary(e.Op, x, y)
		if f == nil {
			return nil, fmt.Errorf("%s: modelcheck: unsupported operator %s", e.Pos(), e.Op)
		}
		return f, nil
	case *spec.Implies:
		x, err := compileGuard(e.X)
		if err != nil {
			return nil, err
		}
		y, err := compileGuard(e.Y)
		if err != nil {
			return nil, err
		}
		return implies(x, y), nil
	case *spec.Cond:
		c, err := compileGuard(e.If)
		if err != nil {
			return nil, err
		}
		x, err := compileGuard(e.Then)
		if err != nil {
			return nil, err
		}
		y, err := compileGuard(e.Else)
		if err != nil {
			return nil, err
		}
		return cond(c, x, y), nil
	}
	return nil, fmt.Errorf("%s: modelcheck: %q cannot appear in a guard", e.Pos(), e.String())
}

// implies is x => y; y is evaluated only when x holds.
func implies[S any](x, y func(S) int) func(S) int {
	return func(s S) int {
		if x(s) == 0 {
			return 1
		}
		return y(s)
	}
}

// cond is cond(c, x, y); only the chosen branch is evaluated.
func cond[S any](c, x, y func(S) int) func(S) int {
	return func(s S) int {
		if c(s) != 0 {
			return x(s)
		}
		return y(s)
	}
}

// binary combines two compiled operands; it serves guards and properties alike.
func binary[S any](op token.Token, x, y func(S) int) func(S) int {
	switch op {
	case token.LAND:
		return func(s S) int {
			if x(s) == 0 {
				return 0
			}
			return y(s)
		}
	case token.LOR:
		return func(s S) int {
			if x(s) != 0 {
				return 1
			}
			return y(s)
		}
	case token.EQL:
		return func(s S) int { return b2i(x(s) == y(s)) }
	case token.NEQ:
		return func(s S) int { return b2i(x(s) != y(s)) }
	case token.LSS:
		return func(s S) int { return b2i(x(s) < y(s)) }
	case token.LEQ:
		return func(s S) int { return b2i(x(s) <= y(s)) }
	case token.GTR:
		return func(s S) int { return b2i(x(s) > y(s)) }
	case token.GEQ:
		return func(s S) int { return b2i(x(s) >= y(s)) }
	case token.ADD:
		return func(s S) int { return x(s) + y(s) }
	case token.SUB:
		return func(s S) int { return x(s) - y(s) }
	case token.MUL:
		return func(s S) int { return x(s) * y(s) }
	case token.QUO: // the loader refuses a divisor that can be zero
		return func(s S) int { return x(s) / y(s) }
	case token.REM:
		return func(s S) int { return x(s) % y(s) }
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
