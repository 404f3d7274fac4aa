package spec

// Snapshot helpers: one instance's control state, variables and armed
// timers packed into a word as Layout describes. Every package that reads
// or writes packed snapshots (the checker, the renderings' oracles, the
// trace validator) goes through these, so the layout is written once.

// StateMask is the mask of the control state's bits.
func (l Layout) StateMask() uint64 { return 1<<l.StateBits - 1 }

// TimerBit is the bit that is set while timer t is armed.
func (l Layout) TimerBit(t *Timer) uint64 { return 1 << (l.TimerOffset + uint(t.Index)) }

// TimerBits is the mask of every timer's bit.
func (l Layout) TimerBits() uint64 { return (1<<(l.Bits-l.TimerOffset) - 1) << l.TimerOffset }

// Mask is the mask of v's code in a packed snapshot.
func (v *Var) Mask() uint64 { return (1<<v.Width - 1) << v.Offset }

// Code is v's code in a packed snapshot.
func (v *Var) Code(snap uint64) uint64 { return snap >> v.Offset & (1<<v.Width - 1) }

// Get is v's decoded value in a packed snapshot.
func (v *Var) Get(snap uint64) int { return v.Decode(v.Code(snap)) }

// Put returns snap with v set to the decoded value val.
func (v *Var) Put(snap uint64, val int) uint64 {
	return snap&^v.Mask() | v.Encode(val)&(1<<v.Width-1)<<v.Offset
}

// InitialSnapshot is the packed snapshot of one instance before any event:
// the initial state, every variable at its initial value, no timer armed.
func (s *Machine) InitialSnapshot() uint64 {
	snap := uint64(s.Initial.Index)
	for _, v := range s.Vars {
		snap = v.Put(snap, v.Init)
	}
	return snap
}

// SnapshotState is the control state of a packed snapshot, or nil if its
// state bits name no state.
func (s *Machine) SnapshotState(snap uint64) *State {
	i := int(snap & s.Layout.StateMask())
	if i >= len(s.States) {
		return nil
	}
	return s.States[i]
}

// SnapshotArmed reports whether timer t is armed in a packed snapshot.
func (s *Machine) SnapshotArmed(snap uint64, t *Timer) bool {
	return snap&s.Layout.TimerBit(t) != 0
}

// SnapshotVar is the decoded value of v in a packed snapshot.
func (s *Machine) SnapshotVar(snap uint64, v *Var) int { return v.Get(snap) }

// ValidSnapshot reports whether snap is a snapshot of the machine: no bits
// past the layout, a state that exists, and every variable's code in range.
func (s *Machine) ValidSnapshot(snap uint64) bool {
	if s.Layout.Bits < 64 && snap>>s.Layout.Bits != 0 || snap&s.Layout.StateMask() >= uint64(len(s.States)) {
		return false
	}
	for _, v := range s.Vars {
		if v.Code(snap) >= uint64(v.Size()) {
			return false
		}
	}
	return true
}
