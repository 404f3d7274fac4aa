package spec

// Snapshot helpers: one instance's control state, variables and armed
// timers packed into a word as Layout describes.

// InitialSnapshot is the packed snapshot of one instance before any event:
// the initial state, every variable at its initial value, no timer armed.
func (s *Machine) InitialSnapshot() uint64 {
	snap := uint64(s.Initial.Index)
	for _, v := range s.Vars {
		snap |= v.Encode(v.Init) << v.Offset
	}
	return snap
}

// SnapshotState is the control state of a packed snapshot, or nil if its
// state bits name no state.
func (s *Machine) SnapshotState(snap uint64) *State {
	i := int(snap & (1<<s.Layout.StateBits - 1))
	if i >= len(s.States) {
		return nil
	}
	return s.States[i]
}

// SnapshotArmed reports whether timer t is armed in a packed snapshot.
func (s *Machine) SnapshotArmed(snap uint64, t *Timer) bool {
	return snap>>(s.Layout.TimerOffset+uint(t.Index))&1 != 0
}

// SnapshotVar is the decoded value of v in a packed snapshot.
func (s *Machine) SnapshotVar(snap uint64, v *Var) int {
	return v.Decode(snap >> v.Offset & (1<<v.Width - 1))
}
