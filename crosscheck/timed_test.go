package crosscheck

import (
	"context"
	"testing"
)

// TestTimedHandCounts runs SPIN on the Promela rendering of timed checks
// counted by hand (the counts are in the specs' comments), without
// properties: the rendering's tick, ages and deadlines alone decide them.
func TestTimedHandCounts(t *testing.T) {
	needSpin(t)
	for _, tc := range []struct {
		spec, check         string
		states, transitions uint64
	}{
		{"blink", "hand", 6, 5},
		{"blink", "hand_unordered", 7, 8},
	} {
		t.Run(tc.spec+"/"+tc.check, func(t *testing.T) {
			t.Parallel()
			s := loadSpec(t, tc.spec)
			c := s.Check(tc.check)
			if c == nil || c.Time == nil {
				t.Fatalf("%s has no timed check %s", tc.spec, tc.check)
			}
			r, err := RunSpin(context.Background(), s, CountingCheck(c), SpinOptions{Optimize: "-O0", HashBits: 10})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Complete || r.Errors != 0 {
				t.Fatalf("spin: complete %v, %d errors: %s", r.Complete, r.Errors, r.Error)
			}
			if r.States != tc.states || r.Transitions != tc.transitions+1 {
				t.Errorf("spin: %d states, %d transitions; counted by hand: %d states, %d transitions (spin's + 1)",
					r.States, r.Transitions, tc.states, tc.transitions)
			}
		})
	}
}
