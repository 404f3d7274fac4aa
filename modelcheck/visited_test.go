package modelcheck

import (
	"math/rand/v2"
	"testing"
)

// TestVisitedGrow fills one-word tables across their growth, packed (20
// and 50 bits, and 20 bits with a 2-bit displacement field, which sends
// many states to the overflow table) and wide (63 bits), with one goroutine
// and with two, and checks that every state keeps its slot mapping and its
// parent.
func TestVisitedGrow(t *testing.T) {
	for _, stateBits := range []int{20, 50, 63, -20} {
		dispBits := uint(packedDispBits)
		if stateBits < 0 {
			stateBits, dispBits = -stateBits, 2
		}
		for _, par := range []int{1, 2} {
			rng := rand.New(rand.NewPCG(1, uint64(stateBits)))
			set := newVisited(1, stateBits, 1024, dispBits)
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
			if set.packed != (stateBits <= maxPackedBits) {
				t.Errorf("%d bits: packed %v", stateBits, set.packed)
			}
			if n := len(set.over.states); (dispBits == 2) != (n > 0) {
				t.Errorf("%d bits, displacement field %d bits: %d states in the overflow table", stateBits, dispBits, n)
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

// TestMixer: the packed layout's mix is a bijection on k bits that unmix
// undoes, for every width it is used at.
func TestMixer(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for k := uint(1); k <= 64; k++ {
		m := newMixer(k)
		for range 2000 {
			x := rng.Uint64() & m.mask
			y := m.mix(x)
			if y&^m.mask != 0 || m.unmix(y) != x {
				t.Fatalf("k=%d: mix(%#x) = %#x, unmix = %#x", k, x, y, m.unmix(y))
			}
		}
	}
	// Small widths: a permutation.
	for k := uint(1); k <= 12; k++ {
		m := newMixer(k)
		seen := make([]bool, 1<<k)
		for x := range uint64(1) << k {
			seen[m.mix(x)] = true
		}
		for y, ok := range seen {
			if !ok {
				t.Fatalf("k=%d: %d is not an image", k, y)
			}
		}
	}
}

// TestOverflowSearch runs whole searches with a 2-bit displacement field,
// so that many states live in the packed table's overflow table, and
// checks that they find the same states, transitions, depth and verdicts
// as with the normal field, with one worker and two, and that every
// counterexample replays.
func TestOverflowSearch(t *testing.T) {
	for _, tc := range []struct{ file, check string }{
		{"../spec/tcp.yaml", "lossy"},
		{"../spec/tcp.yaml", "api"},
		{"../spec/testdata/tcp_unsequenced.yaml", "api"}, // one that overflows
		{"../spec/testdata/tcp_no_time_wait.yaml", "time_wait"},
		{"../spec/testdata/tcp_no_closing.yaml", "lossy"},
	} {
		s, c := loadCheck(t, tc.file, tc.check)
		_, want := run(t, s, c, Workers(1))
		if want.overflowed != 0 {
			t.Errorf("%s %s: %d states overflowed with a 16-bit displacement field", tc.file, tc.check, want.overflowed)
		}
		for _, workers := range []int{1, 2} {
			ck, got := run(t, s, c, Workers(workers), func(c *Checker) { c.dispBits = 2 })
			if tc.file == "../spec/testdata/tcp_unsequenced.yaml" && got.overflowed == 0 {
				t.Errorf("%s %s, %d workers: no state overflowed with a 2-bit displacement field", tc.file, tc.check, workers)
			}
			if got.States != want.States || got.Transitions != want.Transitions || got.MaxDepth != want.MaxDepth || got.OK() != want.OK() {
				t.Errorf("%s %s, %d workers: %d states, %d transitions, depth %d, ok %v; want %d, %d, %d, %v", tc.file, tc.check, workers,
					got.States, got.Transitions, got.MaxDepth, got.OK(), want.States, want.Transitions, want.MaxDepth, want.OK())
			}
			if v := got.Violation; v != nil {
				if err := ck.Confirm(v); err != nil {
					t.Errorf("%s %s: replay: %v", tc.file, tc.check, err)
				}
			}
		}
	}
}
