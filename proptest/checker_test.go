package proptest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// viewEnv evaluates property expressions over a checker's readable state,
// independently of the checker's compiled properties.
type viewEnv struct {
	s  *spec.Spec
	ss modelcheck.SystemState
}

func (e viewEnv) Var(peer int, v *spec.Var) int {
	text := e.ss.Peers[peer].Vars[v.Name]
	switch v.Kind {
	case spec.Bool:
		if text == "true" {
			return 1
		}
		return 0
	case spec.Enum:
		return slices.Index(v.Values, text)
	}
	n, _ := strconv.Atoi(text)
	return n
}

func (e viewEnv) State(peer int) int { return e.s.State(e.ss.Peers[peer].State).Index }

func (e viewEnv) Armed(peer int, t *spec.Timer) bool {
	return slices.Contains(e.ss.Peers[peer].Timers, t.Name)
}

func (e viewEnv) Count(to int, m *spec.Message) int {
	n := 0
	for i, in := range e.ss.Inboxes {
		if to >= 0 && i != to {
			continue
		}
		for _, x := range in.Messages {
			if m == nil || x == m.Name {
				n++
			}
		}
	}
	return n
}

// checkerStats counts what the checker property saw.
var checkerStats struct{ compared, violations, cut int }

// checkerLimit bounds each run; a run that reaches it is not compared.
const checkerLimit = 20000

// checkChecker runs every check of rs with 1 and 2 workers and returns what
// went wrong, or "".
func checkChecker(rs *RandomSpec) string {
	s, err := spec.Parse("random.yaml", rs.YAML())
	if err != nil {
		return "parse: " + err.Error()
	}
	for _, ch := range s.Checks {
		var res [2]*modelcheck.Result
		var checkers [2]*modelcheck.Checker
		for w := range 2 {
			c, err := modelcheck.New(s, ch, modelcheck.Workers(w+1), modelcheck.MaxStates(checkerLimit))
			if err != nil {
				return fmt.Sprintf("check %s: %v", ch.Name, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			res[w], err = c.Run(ctx)
			cancel()
			if err != nil {
				return fmt.Sprintf("check %s, %d workers: %v", ch.Name, w+1, err)
			}
			checkers[w] = c
		}
		a, b := res[0], res[1]
		if a.StopReason != "" || b.StopReason != "" {
			checkerStats.cut++
			continue // a limit cut the search short: nothing to compare
		}
		checkerStats.compared++
		if a.Violation != nil {
			checkerStats.violations++
		}
		if (a.Violation == nil) != (b.Violation == nil) {
			return fmt.Sprintf("check %s: 1 worker found violation %v, 2 workers %v", ch.Name, a.Violation, b.Violation)
		}
		if a.States != b.States || a.Transitions != b.Transitions {
			return fmt.Sprintf("check %s: %d states, %d transitions with 1 worker; %d, %d with 2", ch.Name, a.States, a.Transitions, b.States, b.Transitions)
		}
		if a.Violation != nil && (a.Violation.Kind != b.Violation.Kind || a.Violation.Depth != b.Violation.Depth) {
			return fmt.Sprintf("check %s: 1 worker found a %v at depth %d, 2 workers a %v at depth %d", ch.Name, a.Violation.Kind, a.Violation.Depth, b.Violation.Kind, b.Violation.Depth)
		}
		for w, r := range res {
			v := r.Violation
			if v == nil {
				continue
			}
			if err := checkers[w].Confirm(v); err != nil {
				return fmt.Sprintf("check %s, %d workers: the %v counterexample does not replay to a violation: %v", ch.Name, w+1, v.Kind, err)
			}
			if v.Kind != modelcheck.InvariantViolation {
				continue
			}
			last, err := checkers[w].Replay(v.Trace)
			if err != nil {
				return fmt.Sprintf("check %s: replay: %v", ch.Name, err)
			}
			for _, p := range ch.Invariants {
				if p.Name == v.Property && spec.Eval(p.Expr, viewEnv{s, last}) != 0 {
					return fmt.Sprintf("check %s: invariant %s holds at the end of its counterexample (%s)", ch.Name, p.Name, last)
				}
			}
		}
	}
	return ""
}

// TestCheckerInvariants: on random small specs and check configurations,
// 1 and 2 workers find the same distinct-state and transition counts (or
// violations at the same depth), and every counterexample replays to a
// state that violates its property.
func TestCheckerInvariants(t *testing.T) {
	props := gopter.NewProperties(params(t, 300))
	props.Property("checker: workers agree, counterexamples replay", prop.ForAll(checkChecker, SpecGen{Checks: true}.Gen()))
	props.TestingRun(t)
	t.Logf("checks compared: %d (%d with a counterexample); cut short by the state limit: %d", checkerStats.compared, checkerStats.violations, checkerStats.cut)
}
