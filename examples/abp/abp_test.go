package abp_test

import (
	"testing"

	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// TestVerdicts model-checks every check of abp.yaml with the verdicts its
// README states, and the stale-data counterexample over reordering.
func TestVerdicts(t *testing.T) {
	s := spectest.Load(t, "abp.yaml")
	for _, c := range []struct {
		check  string
		states uint64
		status map[string]string // property -> status
	}{
		{"lossy_fifo", 107, map[string]string{"delivery.in_order": "holds", "deadlock": "holds", "delivery.all_delivered": "holds"}},
		{"fifo_dup", 112, map[string]string{"delivery.in_order": "holds", "deadlock": "holds", "delivery.all_delivered": "violated"}},
		{"reordering", 0, map[string]string{"delivery.in_order": "violated"}},
	} {
		t.Run(c.check, func(t *testing.T) {
			r := fsmtest.Run(t, s, spectest.Check(t, s, c.check), modelcheck.Workers(2))
			if c.states != 0 && r.States != c.states {
				t.Errorf("%d states, expected %d", r.States, c.states)
			}
			got := fsmtest.Statuses(r)
			for name, want := range c.status {
				if got[name] != want {
					t.Errorf("%s: %s, expected %s", name, got[name], want)
				}
			}
			if c.check != "reordering" {
				return
			}
			// The classic failure: a retransmission of item 0, overtaken by
			// item 1, is delivered as the third item.
			v := r.Violation
			if v == nil || v.Trace == nil || len(v.Trace.Steps) != 7 {
				t.Fatalf("expected a 7-step counterexample, got %+v", v)
			}
			last := v.Trace.Steps[6]
			if last.Peer != "r" || last.Message != "DATA(bit=false, item=0)" {
				t.Errorf("the last step delivers %s to %s, expected the stale DATA(bit=false, item=0) to r", last.Message, last.Peer)
			}
		})
	}
}
