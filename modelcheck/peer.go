package modelcheck

import (
	"fmt"
	"go/token"

	"github.com/fsmgen/fsmgen/spec"
)

// StepFunc applies one event to a peer's packed snapshot (spec.Layout). It
// appends the messages the peer sends (message indexes, in order) to sends
// and returns the extended slice; row is the index in Spec.Rows of the row
// that fired (its index in the machine's Rows), or -1 when the event was unhandled. ok is false only when the
// event was refused: a call that a row with `error` handles (a failed
// call), or an unhandled call under `calls: reject`. An unhandled
// message or timer expiry is consumed as docs/semantics.md says (reply,
// disarm) with row -1 and ok true.
//
// A generated package's Packed.Step is a function of this type; WithStep
// makes the checker drive it instead of the IR interpreter. The
// checker also accepts a step function that returns ok false with row -1
// for every unhandled event and applies the spec's unhandled policy itself.
type StepFunc func(snap uint64, event int, sends []uint8) (next uint64, out []uint8, row int, ok bool)

// guardFunc evaluates a guard over a peer snapshot.
type guardFunc func(snap uint64) int

type compiledRow struct {
	index    int
	guard    guardFunc
	to       int     // -1: stay
	sends    []uint8 // the letters sent, when no message sent has fields
	dynSends []compiledSend
	clear    uint64 // timers stopped or restarted, and variables set
	arm      uint64 // timers started or restarted
	assigns  []compiledAssign
	hasGuard bool
	// failedCall marks a call row with `error`: the call fails and changes nothing.
	failedCall bool
}

// compiledSend computes the letter of one message sent: its first letter
// plus each field's code times its stride (the last field varies fastest).
type compiledSend struct {
	base   int
	fields []compiledField
}

type compiledField struct {
	v      *spec.Var
	value  guardFunc
	stride int
}

type compiledAssign struct {
	v     *spec.Var
	value guardFunc
}

// interpreter runs the IR's transition table over packed snapshots.
type interpreter struct {
	s         *spec.Machine
	stateMask uint64
	table     [][][]compiledRow // [state][input]
}

// Interpreter compiles machine s's transition table to dense per-(state,
// input) rows with precompiled guards and returns its step function.
func Interpreter(s *spec.Machine) (StepFunc, error) {
	in, err := newInterpreter(s)
	if err != nil {
		return nil, err
	}
	return in.step, nil
}

// compileRow compiles row r of s for receiving letter lt (nil: for any
// input, when r does not read the message).
func compileRow(s *spec.Machine, r *spec.Row, lt *spec.Letter) (compiledRow, error) {
	cr := compiledRow{index: r.Index, to: -1}
	if r.To != nil {
		cr.to = r.To.Index
	}
	if r.Guard != nil {
		g, err := compileGuard(r.Guard, lt)
		if err != nil {
			return cr, err
		}
		cr.guard, cr.hasGuard = g, true
	}
	for i, m := range r.Send {
		cs := compiledSend{base: m.Letters[0].Index}
		if i < len(r.SendFields) && r.SendFields[i] != nil {
			stride := len(m.Letters)
			for fi, f := range m.Fields {
				stride /= f.Size()
				val, err := compileGuard(r.SendFields[i][fi], lt)
				if err != nil {
					return cr, err
				}
				cs.fields = append(cs.fields, compiledField{v: f, value: val, stride: stride})
			}
		}
		cr.dynSends = append(cr.dynSends, cs)
		cr.sends = append(cr.sends, uint8(cs.base))
	}
	if r.SendFields == nil {
		cr.dynSends = nil
	} else {
		cr.sends = nil
	}
	for _, t := range r.Stop {
		cr.clear |= s.Layout.TimerBit(t)
	}
	for _, t := range r.Restart {
		cr.clear |= s.Layout.TimerBit(t)
		cr.arm |= s.Layout.TimerBit(t)
	}
	for _, t := range r.Start {
		cr.arm |= s.Layout.TimerBit(t)
	}
	for _, a := range r.Set {
		val, err := compileGuard(a.Value, lt)
		if err != nil {
			return cr, err
		}
		cr.assigns = append(cr.assigns, compiledAssign{v: a.Var, value: val})
		cr.clear |= a.Var.Mask()
	}
	return cr, nil
}

func newInterpreter(s *spec.Machine) (*interpreter, error) {
	if s == nil || len(s.States) == 0 || s.Initial == nil {
		return nil, fmt.Errorf("modelcheck: machine has no states")
	}
	in := &interpreter{s: s, stateMask: s.Layout.StateMask()}
	rows := make([]compiledRow, len(s.Rows))
	perLetter := make([]map[*spec.Letter]compiledRow, len(s.Rows))
	for i, r := range s.Rows {
		if r.ReadsMsg() {
			perLetter[i] = map[*spec.Letter]compiledRow{}
			continue
		}
		cr, err := compileRow(s, r, nil)
		if err != nil {
			return nil, err
		}
		rows[i] = cr
	}
	in.table = make([][][]compiledRow, len(s.States))
	for st := range s.States {
		in.table[st] = make([][]compiledRow, len(s.Inputs))
		if st >= len(s.Table) {
			continue
		}
		for _, input := range s.Inputs {
			ev := input.Event
			if ev.Index >= len(s.Table[st]) {
				continue
			}
			for _, r := range s.Table[st][ev.Index] {
				cr := rows[r.Index]
				if pl := perLetter[r.Index]; pl != nil {
					var ok bool
					if cr, ok = pl[input.Letter]; !ok {
						var err error
						if cr, err = compileRow(s, r, input.Letter); err != nil {
							return nil, err
						}
						pl[input.Letter] = cr
					}
				}
				cr.failedCall = ev.Kind == spec.CallEvent && r.Error != ""
				in.table[st][input.Index] = append(in.table[st][input.Index], cr)
			}
		}
	}
	return in, nil
}

func (in *interpreter) step(snap uint64, event int, sends []uint8) (uint64, []uint8, int, bool) {
	st := int(snap & in.stateMask)
	if st >= len(in.table) || event < 0 || event >= len(in.s.Inputs) {
		return snap, sends, -1, false
	}
	if ev := in.s.Inputs[event].Event; ev.Kind == spec.TimerEvent {
		// A timer that has fired is no longer running (docs/semantics.md, step 0).
		snap &^= in.s.Layout.TimerBit(ev.Timer)
	}
	for i := range in.table[st][event] {
		r := &in.table[st][event][i]
		if r.hasGuard && r.guard(snap) == 0 {
			continue
		}
		next := snap
		var set uint64
		for _, a := range r.assigns {
			set = a.v.Put(set, a.value(snap))
		}
		next = next&^r.clear | set | r.arm
		if r.to >= 0 {
			next = next&^in.stateMask | uint64(r.to)
		}
		if r.failedCall {
			return snap, sends, r.index, false
		}
		if r.dynSends == nil {
			return next, append(sends, r.sends...), r.index, true
		}
		for _, cs := range r.dynSends {
			lt := cs.base
			for _, f := range cs.fields {
				lt += int(f.v.Encode(f.value(snap))) * f.stride
			}
			sends = append(sends, uint8(lt))
		}
		return next, sends, r.index, true
	}
	return unhandled(in.s, snap, event, sends)
}

// unhandled applies the machine's policy for an event no row handles.
func unhandled(s *spec.Machine, snap uint64, event int, sends []uint8) (uint64, []uint8, int, bool) {
	ev := s.Inputs[event].Event
	switch ev.Kind {
	case spec.CallEvent:
		return snap, sends, -1, s.Unhandled.Calls == spec.IgnoreCall
	case spec.MessageEvent:
		if s.Unhandled.Messages == spec.ReplyMessage && s.Unhandled.Reply != nil {
			sends = append(sends, uint8(s.Unhandled.Reply.Letters[0].Index))
		}
		return snap, sends, -1, true
	}
	return snap &^ s.Layout.TimerBit(ev.Timer), sends, -1, true
}

// compileGuard turns a guard or value (over one peer's variables and, for
// a receipt of letter lt, the message's fields) into a closure.
func compileGuard(e spec.Expr, lt *spec.Letter) (guardFunc, error) {
	switch e := e.(type) {
	case *spec.Const:
		v := e.Val
		return func(uint64) int { return v }, nil
	case *spec.VarRef:
		return varReader(e.Var), nil
	case *spec.MsgField:
		v, ok := 0, false
		if lt != nil {
			v, ok = lt.Value(e.Name)
		}
		if !ok {
			return nil, fmt.Errorf("%s: modelcheck: %s read where no message with that field is received", e.Pos(), e)
		}
		return func(uint64) int { return v }, nil
	}
	rec := func(x spec.Expr) (func(uint64) int, error) { return compileGuard(x, lt) }
	if f, ok, err := compileOps(e, rec); ok {
		return f, err
	}
	return nil, fmt.Errorf("%s: modelcheck: %q cannot appear in a guard", e.Pos(), e.String())
}

// compileOps compiles the operators guards and properties share (unary,
// binary, implication, conditional) into closures over S, compiling the
// operands with rec; ok is false for any other expression.
func compileOps[S any](e spec.Expr, rec func(spec.Expr) (func(S) int, error)) (f func(S) int, ok bool, err error) {
	var operands []spec.Expr
	switch e := e.(type) {
	case *spec.Unary:
		operands = []spec.Expr{e.X}
	case *spec.Binary:
		operands = []spec.Expr{e.X, e.Y}
	case *spec.Implies:
		operands = []spec.Expr{e.X, e.Y}
	case *spec.Cond:
		operands = []spec.Expr{e.If, e.Then, e.Else}
	default:
		return nil, false, nil
	}
	xs := make([]func(S) int, len(operands))
	for i, o := range operands {
		if xs[i], err = rec(o); err != nil {
			return nil, true, err
		}
	}
	switch e := e.(type) {
	case *spec.Unary:
		x := xs[0]
		if e.Op == token.NOT {
			return func(s S) int { return 1 - x(s) }, true, nil
		}
		return func(s S) int { return -x(s) }, true, nil
	case *spec.Binary:
		if f := binary(e.Op, xs[0], xs[1]); f != nil {
			return f, true, nil
		}
		return nil, true, fmt.Errorf("%s: modelcheck: unsupported operator %s", e.Pos(), e.Op)
	case *spec.Implies:
		return implies(xs[0], xs[1]), true, nil
	}
	return cond(xs[0], xs[1], xs[2]), true, nil
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
