package crosscheck

import (
	"fmt"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestWideCounts compares the two tools on modelcheck/testdata/chain.yaml,
// whose system state takes five 64-bit words in fsmgen (2×130 one-bit call
// budgets), and again with every budget 255 (33 words). Both must find the
// 132×132 states and 2×132×131 transitions that modelcheck/wide_test.go
// counts by hand.
func TestWideCounts(t *testing.T) {
	needSpin(t)
	for _, tc := range []struct{ budget, words int }{{1, 5}, {255, 33}} {
		t.Run(fmt.Sprintf("budget=%d", tc.budget), func(t *testing.T) {
			t.Parallel()
			s := spectest.Load(t, "../modelcheck/testdata/chain.yaml")
			c := s.Check("walk")
			for _, p := range c.Peers {
				for i := range p.Calls {
					p.Calls[i].Budget = tc.budget
				}
			}
			c = CountingCheck(c)
			fr := runFsmgen(t, s, c)
			if !fr.Complete {
				t.Fatalf("fsmgen did not complete: %s", fr.StopReason)
			}
			if fr.StateWords != tc.words {
				t.Errorf("fsmgen's state takes %d words, want %d", fr.StateWords, tc.words)
			}
			sr := runSpin(t, s, c, fr.States)
			t.Logf("fsmgen %9d states %10d transitions  depth %4d  %v", fr.States, fr.Transitions, fr.MaxDepth, fr.Elapsed.Round(time.Millisecond))
			t.Logf("spin   %9d states %10d transitions  depth %4d  %v (+ compile %v)", sr.States, sr.Transitions, sr.Depth, sr.Search.Round(time.Millisecond), sr.Compile.Round(time.Millisecond))
			if sr.Errors != 0 {
				t.Errorf("spin reported %d errors: %s", sr.Errors, sr.Error)
			}
			const states, transitions = 132 * 132, 2 * 132 * 131
			if fr.States != states || fr.Transitions != transitions {
				t.Errorf("fsmgen: %d states, %d transitions; hand count %d, %d", fr.States, fr.Transitions, states, transitions)
			}
			if sr.States != fr.States || sr.Transitions != fr.Transitions+1 {
				t.Errorf("counts differ: fsmgen %d states, %d transitions; spin %d states, %d transitions (expected %d)",
					fr.States, fr.Transitions, sr.States, sr.Transitions, fr.Transitions+1)
			}
		})
	}
}
