package fsmtest

import (
	"fmt"
	"slices"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// CompareStep compares step function got with want, both of the one
// contract of modelcheck.StepFunc, on one packed snapshot and input and
// returns the difference, or "".
func CompareStep(want, got modelcheck.StepFunc, snap uint64, event int) string {
	wn, ws, wr, wok := want(snap, event, nil)
	gn, gs, gr, gok := got(snap, event, nil)
	if wn != gn || !slices.Equal(ws, gs) || wr != gr || wok != gok {
		return fmt.Sprintf("got (next %#x, sends %v, row %d, ok %v), want (next %#x, sends %v, row %d, ok %v)", gn, gs, gr, gok, wn, ws, wr, wok)
	}
	return ""
}

// StepOutcome is what a generated Step did, in spec indexes: the packed
// next snapshot, the sends, the row (-1: unhandled) and whether the event
// was rejected.
type StepOutcome struct {
	Next     uint64
	Sends    []uint8
	Row      int
	Error    string // the error the row reported
	Rejected bool
}

// CompareFullStep compares a generated Step of machine m, seen through an
// adapter, with step function ref (of the contract of modelcheck.StepFunc)
// and the machine's unhandled policy, and returns the difference, or "".
func CompareFullStep(m *spec.Machine, ref modelcheck.StepFunc, snap uint64, event int, got StepOutcome) string {
	wn, ws, wr, wok := ref(snap, event, nil)
	if !wok && wr < 0 {
		wn, ws, wr, wok = modelcheck.Unhandled(m, snap, event, ws)
	}
	switch {
	case !wok && wr >= 0: // a failed call: it reports its row's error and changes nothing
		if got.Rejected || got.Next != snap || len(got.Sends) != 0 || got.Row != wr || got.Error != m.Rows[wr].Error {
			return fmt.Sprintf("a failed call: Step gave %+v, want the snapshot unchanged, row %d and error %q", got, wr, m.Rows[wr].Error)
		}
	case !wok:
		if !got.Rejected || got.Next != snap || len(got.Sends) != 0 {
			return fmt.Sprintf("a rejected call: Step gave %+v, want the snapshot unchanged and ErrRejected", got)
		}
	case got.Rejected:
		return "Step rejected an event the spec accepts"
	case got.Next != wn || !slices.Equal(got.Sends, ws) || got.Row != wr:
		return fmt.Sprintf("Step gave (next %#x, sends %v, row %d), the IR interpreter (next %#x, sends %v, row %d)", got.Next, got.Sends, got.Row, wn, ws, wr)
	case wr >= 0 && got.Error != m.Rows[wr].Error:
		return fmt.Sprintf("Step reported %q, row %d says %q", got.Error, wr, m.Rows[wr].Error)
	}
	return ""
}
