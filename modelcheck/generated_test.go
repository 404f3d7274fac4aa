package modelcheck

import (
	"testing"

	"github.com/fsmgen/fsmgen/fsm/tcp"
	"github.com/fsmgen/fsmgen/spec"
)

// TestGeneratedStepAgrees drives the generated TCP machine (fsm/tcp's
// StepPacked) instead of the IR interpreter and requires the same state
// graph: counts, depth and per-row coverage, for every TCP check under
// every network semantics. This verifies the code that ships.
func TestGeneratedStepAgrees(t *testing.T) {
	s, err := spec.TCP()
	if err != nil {
		t.Fatal(err)
	}
	checks := tcpVariants(s)
	for _, c := range s.Checks {
		checks = append(checks, explorable(c))
	}
	for _, c := range checks {
		t.Run(c.Name, func(t *testing.T) {
			_, want := run(t, s, c, Workers(2))
			_, got := run(t, s, c, Workers(2), WithStep(tcp.StepPacked))
			if got.States != want.States || got.Transitions != want.Transitions || got.MaxDepth != want.MaxDepth {
				t.Fatalf("generated: %d states, %d transitions, depth %d; interpreter: %d, %d, %d",
					got.States, got.Transitions, got.MaxDepth, want.States, want.Transitions, want.MaxDepth)
			}
			for i := range want.Coverage {
				if got.Coverage[i].Hits != want.Coverage[i].Hits {
					t.Errorf("row %d (%s): generated fired %d times, interpreter %d", i, want.Coverage[i].Desc, got.Coverage[i].Hits, want.Coverage[i].Hits)
				}
			}
		})
	}
}
