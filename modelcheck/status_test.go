package modelcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
)

// A liveness pass cut short leaves the safety properties decided: the
// search of every reachable state completed before it. The invariants and
// deadlock hold, so do the goals decided before the stop, and only the
// rest are unknown; the outcome stays incomplete and says which hold.
func TestLivenessStoppedKeepsSafety(t *testing.T) {
	s, c := loadCheck(t, "", "reliable")
	cc := *c
	second := *c.Eventually[0]
	second.Name = "closed_again"
	cc.Eventually = []*spec.Liveness{c.Eventually[0], &second}
	for _, cont := range []bool{false, true} {
		for stopAt := range 2 {
			ctx, cancel := context.WithCancel(context.Background())
			opts := []Option{Workers(2)}
			if cont {
				opts = append(opts, Continue())
			}
			ck, err := New(s, &cc, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ck.atGoal = func(i int) {
				if i == stopAt {
					cancel()
				}
			}
			res, err := ck.Run(ctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if res.Complete || !res.SafetyComplete || res.Outcome != "incomplete" || res.StopReason != "interrupted" {
				t.Fatalf("continue %v, stop at goal %d: complete %v, safety complete %v, outcome %s (%s)", cont, stopAt, res.Complete, res.SafetyComplete, res.Outcome, res.StopReason)
			}
			goal := 0
			for _, p := range res.Properties {
				want := "holds"
				if p.Kind == LivenessViolation {
					if goal >= stopAt {
						want = "unknown"
					}
					goal++
				}
				if p.Status != want {
					t.Errorf("continue %v, stop at goal %d: %s %s is %s, want %s", cont, stopAt, p.Kind, p.Name, p.Status, want)
				}
			}
			sum := res.Summary()
			if !strings.HasPrefix(sum, "outcome: incomplete (interrupted): invariant ") || !strings.Contains(sum, "deadlock freedom") ||
				!strings.Contains(sum, "liveness closed_again is not established") && !strings.Contains(sum, "are not established") {
				t.Errorf("continue %v, stop at goal %d: summary %q", cont, stopAt, sum)
			}
			if stopAt == 1 && !strings.Contains(sum, "liveness both_closed hold") && !strings.Contains(sum, "liveness both_closed,") {
				t.Errorf("summary %q does not say that both_closed holds", sum)
			}
			var buf bytes.Buffer
			if err := res.WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			var j struct {
				Outcome        string `json:"outcome"`
				SafetyComplete bool   `json:"safety_complete"`
				Properties     []struct{ Name, Status string }
			}
			if err := json.Unmarshal(buf.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
			if j.Outcome != "incomplete" || !j.SafetyComplete || len(j.Properties) != len(res.Properties) || j.Properties[0].Status != "holds" {
				t.Errorf("JSON %+v", j)
			}
		}
	}
}

// A step's set effects are typed in JSON, as the state's variables are,
// and read back.
func TestStepSetJSON(t *testing.T) {
	s, c := loadCheck(t, "testdata/counter.yaml", "overflow")
	_, res := run(t, s, c)
	st := res.Violation.Trace.Steps[1]
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"set":{"n":2}`) {
		t.Errorf("step JSON %s lacks \"set\":{\"n\":2}", b)
	}
	var back Step
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Set) != 1 || back.Set[0] != "n=2" || back.describe() != st.describe() {
		t.Errorf("read back %q as %q", st.describe(), back.describe())
	}
}
