package fsmtest

import (
	"fmt"
	"slices"
)

// CompareStep compares a generated Packed.Step (gen) with modelcheck's IR
// interpreter (ir) on one packed snapshot and event and returns the
// difference, or "". The interpreter applies the spec's unhandled policy;
// Packed.Step leaves it to its caller: ok false and row -1, snap unchanged.
func CompareStep(ir, gen StepFunc, snap uint64, event int) string {
	wn, ws, wr, wok := ir(snap, event, nil)
	gn, gs, gr, gok := gen(snap, event, nil)
	if wr < 0 {
		if gn != snap || len(gs) != 0 || gr != -1 || gok {
			return fmt.Sprintf("unhandled event: Packed.Step gave (next %#x, sends %v, row %d, ok %v), want (%#x, [], -1, false)", gn, gs, gr, gok, snap)
		}
		return ""
	}
	if wn != gn || !slices.Equal(ws, gs) || wr != gr || wok != gok {
		return fmt.Sprintf("Packed.Step gave (next %#x, sends %v, row %d, ok %v), the IR interpreter (next %#x, sends %v, row %d, ok %v)", gn, gs, gr, gok, wn, ws, wr, wok)
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

// CompareFullStep compares a generated Step, seen through an adapter, with
// the IR interpreter, the unhandled policy included, and returns the
// difference, or "".
func CompareFullStep(ir StepFunc, rowErrors []string, snap uint64, event int, got StepOutcome) string {
	wn, ws, wr, wok := ir(snap, event, nil)
	switch {
	case !wok && wr >= 0: // a failed call: it reports its row's error and changes nothing
		if got.Rejected || got.Next != snap || len(got.Sends) != 0 || got.Row != wr || got.Error != rowErrors[wr] {
			return fmt.Sprintf("a failed call: Step gave %+v, want the snapshot unchanged, row %d and error %q", got, wr, rowErrors[wr])
		}
	case !wok:
		if !got.Rejected || got.Next != snap || len(got.Sends) != 0 {
			return fmt.Sprintf("a rejected call: Step gave %+v, want the snapshot unchanged and ErrRejected", got)
		}
	case got.Rejected:
		return "Step rejected an event the spec accepts"
	case got.Next != wn || !slices.Equal(got.Sends, ws) || got.Row != wr:
		return fmt.Sprintf("Step gave (next %#x, sends %v, row %d), the IR interpreter (next %#x, sends %v, row %d)", got.Next, got.Sends, got.Row, wn, ws, wr)
	case wr >= 0 && got.Error != rowErrors[wr]:
		return fmt.Sprintf("Step reported %q, row %d says %q", got.Error, wr, rowErrors[wr])
	}
	return ""
}
