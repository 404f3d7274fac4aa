package modelcheck

import (
	"testing"

	"github.com/fsmgen/fsmgen/examples/abp/receiver"
	"github.com/fsmgen/fsmgen/examples/abp/sender"
	"github.com/fsmgen/fsmgen/fsm/tcp"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestGeneratedStepAgrees drives the generated TCP machine (fsm/tcp's
// Packed.Step) instead of the IR interpreter and requires the same state
// graph: counts, depth and per-row coverage, for every TCP check under
// every network semantics. This verifies the code that ships.
func TestGeneratedStepAgrees(t *testing.T) {
	s := spectest.TCP(t)
	checks := netVariants(s)
	for _, c := range s.Checks {
		checks = append(checks, explorable(c))
	}
	for _, c := range checks {
		t.Run(c.Name, func(t *testing.T) {
			_, want := run(t, s, c, Workers(2))
			_, got := run(t, s, c, Workers(2), WithStep(tcp.Packed.Step))
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

// TestGeneratedFieldsAgree drives the generated sender and receiver of the
// alternating-bit protocol (examples/abp), whose messages carry fields,
// instead of the interpreter: every check gives the same verdict, and its
// whole graph the same counts, depth and per-row coverage.
func TestGeneratedFieldsAgree(t *testing.T) {
	s := spectest.Load(t, "../examples/abp/abp.yaml")
	gen := []Option{Workers(2), WithMachineStep("sender", sender.Packed.Step), WithMachineStep("receiver", receiver.Packed.Step)}
	for _, c := range s.Checks {
		for _, whole := range []bool{false, true} {
			cc, name := c, c.Name
			if whole {
				cc, name = explorable(c), c.Name+"/whole"
			}
			t.Run(name, func(t *testing.T) {
				_, want := run(t, s, cc, Workers(2))
				_, got := run(t, s, cc, gen...)
				if got.States != want.States || got.Transitions != want.Transitions || got.MaxDepth != want.MaxDepth {
					t.Fatalf("generated: %d states, %d transitions, depth %d; interpreter: %d, %d, %d",
						got.States, got.Transitions, got.MaxDepth, want.States, want.Transitions, want.MaxDepth)
				}
				if (got.Violation == nil) != (want.Violation == nil) || got.Violation != nil && (got.Violation.Kind != want.Violation.Kind || got.Violation.Property != want.Violation.Property) {
					t.Fatalf("generated: violation %+v; interpreter: %+v", got.Violation, want.Violation)
				}
				if whole && want.States < 50 {
					t.Fatalf("only %d states: the search did not cover the graph", want.States)
				}
				for i := range want.Coverage {
					if got.Coverage[i].Hits != want.Coverage[i].Hits {
						t.Errorf("row %d (%s): generated fired %d times, interpreter %d", i, want.Coverage[i].Desc, got.Coverage[i].Hits, want.Coverage[i].Hits)
					}
				}
				t.Logf("%d states, %d transitions, depth %d", got.States, got.Transitions, got.MaxDepth)
			})
		}
	}
}
