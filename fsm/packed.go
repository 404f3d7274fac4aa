package fsm

// Packed is a generated machine over the packed snapshots of the model
// checker (spec.Layout): what the checker, the property tests and the
// cross-checks drive, behind one value per generated package (its Packed).
type Packed[S comparable, E, M Enum, TS Set] struct {
	bits      int
	numEvents int
	step      TypedStep[S, E, M, TS]
	pack      func(S) uint64
	unpack    func(uint64) S
}

// NewPacked describes the generated Step over snapshots of bits bits that
// pack and unpack encode and decode.
func NewPacked[S comparable, E, M Enum, TS Set](bits, numEvents int, step TypedStep[S, E, M, TS], pack func(S) uint64, unpack func(uint64) S) Packed[S, E, M, TS] {
	return Packed[S, E, M, TS]{bits, numEvents, step, pack, unpack}
}

// Bits is the width of a packed snapshot.
func (p Packed[S, E, M, TS]) Bits() int { return p.bits }

// Pack encodes s in the packed layout: the state in the low bits, each
// variable's code at its offset, one bit per timer after them.
func (p Packed[S, E, M, TS]) Pack(s S) uint64 { return p.pack(s) }

// Unpack decodes a snapshot that Pack encoded.
func (p Packed[S, E, M, TS]) Unpack(w uint64) S { return p.unpack(w) }

// Step is the generated Step over packed snapshots, with the signature of
// modelcheck.StepFunc. event indexes the machine's events (with message
// fields, its inputs: one receipt per message with its field values), and
// sends hold message numbers. It appends the sent messages (replies last) to sends and
// returns it, with the index in Transitions of the row that fired. ok is
// false when the event takes no effect: when no row fired (row is -1, snap
// is returned unchanged and the caller applies the unhandled policy) and
// when a call failed (row is the failed call's row; nothing changes).
func (p Packed[S, E, M, TS]) Step(snap uint64, event int, sends []uint8) (next uint64, out []uint8, row int, ok bool) {
	if uint(event) >= uint(p.numEvents) {
		return snap, sends, -1, false
	}
	n, fx, err := p.step(p.unpack(snap), E(event))
	if fx.Row < 0 {
		return snap, sends, -1, false
	}
	if err != nil {
		return snap, sends, fx.Row, false // a failed call changes nothing
	}
	l, _ := fx.list() // what goes to the peers, then the replies
	for _, m := range l {
		sends = append(sends, uint8(m))
	}
	return p.pack(n), sends, fx.Row, true
}
