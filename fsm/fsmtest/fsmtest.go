// Package fsmtest checks generated machines against the spec they came
// from: a reference interpreter of docs/semantics.md over the IR, compared
// with a generated Packed.Step on every packed snapshot, and the
// checked-in generated files against a fresh generation (Fresh,
// FreshPackages). Run and Statuses model-check a spec's check in a test.
package fsmtest

import (
	"fmt"
	"slices"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// Step applies input (an index into the machine's Inputs: calls, one
// receipt per letter, expiries; without message fields these are the
// events) to the packed snapshot snap as docs/semantics.md says, under the
// contract of modelcheck.StepFunc (without the unhandled policy): a
// reference written apart from modelcheck's interpreter.
func Step(s *spec.Spec, snap uint64, input int) (next uint64, sends []uint8, row int, ok bool) {
	st := int(snap & s.Layout.StateMask())
	if st >= len(s.States) || input < 0 || input >= len(s.Inputs) {
		return snap, nil, -1, false
	}
	in := s.Inputs[input]
	event := in.Event.Index
	orig := snap
	if ev := in.Event; ev.Kind == spec.TimerEvent {
		snap &^= s.Layout.TimerBit(ev.Timer) // a timer that fired is no longer running
	}
	env := packedEnv{s: s, w: snap, letter: in.Letter}
	for _, r := range s.Table[st][event] {
		if r.Guard != nil && spec.Eval(r.Guard, env) == 0 {
			continue
		}
		if r.Error != "" && in.Event.Kind == spec.CallEvent {
			return orig, nil, r.Index, false
		}
		next = snap
		// set: every value on the old variables, then assign.
		vals := make([]int, len(r.Set))
		for i, a := range r.Set {
			vals[i] = spec.Eval(a.Value, env)
		}
		for i, a := range r.Set {
			next = a.Var.Put(next, vals[i])
		}
		for _, t := range r.Stop {
			next &^= s.Layout.TimerBit(t)
		}
		for _, t := range append(append([]*spec.Timer(nil), r.Start...), r.Restart...) {
			next |= s.Layout.TimerBit(t)
		}
		to := r.Target(s.States[st])
		next = next&^s.Layout.StateMask() | uint64(to.Index)
		// A sent letter's fields are computed on the snapshot before the step.
		for i, m := range r.Send {
			var fields []spec.Expr
			if i < len(r.SendFields) {
				fields = r.SendFields[i]
			}
			sends = append(sends, uint8(letterOf(m, fields, env)))
		}
		return next, sends, r.Index, true
	}
	return orig, nil, -1, false
}

// letterOf is the index in spec.Letters of the letter of m whose field
// values are those of exprs in env (a message without fields is one letter).
func letterOf(m *spec.Message, exprs []spec.Expr, env packedEnv) int {
	if len(m.Letters) == 0 {
		return m.Index
	}
	vals := make([]int, len(exprs))
	for i, x := range exprs {
		vals[i] = spec.Eval(x, env)
	}
	for _, l := range m.Letters {
		if len(l.Values) == len(vals) && slices.Equal(l.Values, vals) || len(vals) == 0 && len(l.Values) == 0 {
			return l.Index
		}
	}
	panic(fmt.Sprintf("fsmtest: %s has no letter with values %v", m.Name, vals))
}

type packedEnv struct {
	s      *spec.Spec
	w      uint64
	letter *spec.Letter // the letter received, or nil
}

func (e packedEnv) Var(_ int, v *spec.Var) int      { return v.Get(e.w) }
func (e packedEnv) State(int) int                   { return int(e.w & e.s.Layout.StateMask()) }
func (e packedEnv) Armed(_ int, t *spec.Timer) bool { return e.s.SnapshotArmed(e.w, t) }
func (e packedEnv) Count(int, *spec.Message) int    { return 0 }
func (e packedEnv) Msg(name string) int {
	v, ok := e.letter.Value(name)
	if !ok {
		panic("fsmtest: no field " + name + " in " + e.letter.String())
	}
	return v
}

// Valid reports whether snap is a snapshot the machine can be in as far as
// the encoding goes: a state in range and every variable's code in range.
func Valid(s *spec.Spec, snap uint64) bool { return s.ValidSnapshot(snap) }

// ComparePacked runs step and the reference Step on every valid packed
// snapshot and every event and returns the first difference, or nil. It
// enumerates 2^Layout.Bits snapshots, so it suits specs of up to about 20 bits.
func ComparePacked(s *spec.Spec, step modelcheck.StepFunc) error {
	if s.Layout.Bits > 24 {
		return fmt.Errorf("fsmtest: %d-bit snapshots are too many to enumerate", s.Layout.Bits)
	}
	ref := func(snap uint64, e int, _ []uint8) (uint64, []uint8, int, bool) { return Step(s, snap, e) }
	for snap := uint64(0); snap < 1<<s.Layout.Bits; snap++ {
		if !Valid(s, snap) {
			continue
		}
		for e := range s.Inputs {
			if msg := CompareStep(ref, step, snap, e); msg != "" {
				return fmt.Errorf("snapshot %#x, input %s: %s", snap, s.Inputs[e], msg)
			}
		}
	}
	return nil
}
