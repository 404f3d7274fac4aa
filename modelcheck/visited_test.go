package modelcheck

import (
	"math/rand/v2"
	"testing"
)

// TestVisitedGrow fills one-word tables across their growth, including
// the switch from the packed layout to the wide one (50-bit states leave
// room for 2^14 slots packed), with one goroutine and with two, and checks
// that every state keeps its slot mapping and its parent.
func TestVisitedGrow(t *testing.T) {
	for _, stateBits := range []int{20, 50, 63} {
		for _, par := range []int{1, 2} {
			rng := rand.New(rand.NewPCG(1, uint64(stateBits)))
			set := newVisited(1, stateBits, 1024)
			mask := uint64(1)<<stateBits - 1
			parentOf := map[uint64]uint64{} // state -> parent state
			slotOf := map[uint64]uint32{}
			var states []uint64
			add := func(v uint64, parent uint32) {
				s, isNew := set.insert(&vec{v}, parent)
				if !isNew {
					return
				}
				slotOf[v] = s
				states = append(states, v)
			}
			root := rng.Uint64() & mask
			add(root, noParent)
			for len(states) < 60000 {
				if float64(len(states)+1) > maxLoad*float64(set.size) {
					remap := set.grow(set.nextSize(set.size), par)
					for v, s := range slotOf {
						slotOf[v] = remap[s]
					}
				}
				p := states[rng.IntN(len(states))]
				v := rng.Uint64() & mask
				if _, ok := slotOf[v]; ok {
					continue
				}
				parentOf[v] = p
				add(v, slotOf[p])
			}
			if stateBits == 50 && set.packed {
				t.Errorf("%d bits: a table of %d slots is still packed", stateBits, set.size)
			}
			if stateBits == 20 && !set.packed {
				t.Errorf("%d bits: a table of %d slots is not packed", stateBits, set.size)
			}
			for v, s := range slotOf {
				if got, ok := set.lookup(&vec{v}); !ok || got != s || !set.used(s) || set.at(s)[0] != v {
					t.Fatalf("%d bits, par %d: state %#x: lookup %d %v, want slot %d", stateBits, par, v, got, ok, s)
				}
				want := noParent
				if v != root {
					want = slotOf[parentOf[v]]
				}
				if got := set.parentOf(s); got != want {
					t.Fatalf("%d bits, par %d: state %#x: parent %d, want %d", stateBits, par, v, got, want)
				}
			}
		}
	}
}
