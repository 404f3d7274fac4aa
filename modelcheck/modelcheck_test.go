package modelcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

func loadCheck(t testing.TB, file, check string) (*spec.Spec, *spec.Check) {
	t.Helper()
	var s *spec.Spec
	if file == "" {
		s = spectest.TCP(t)
	} else {
		s = spectest.Load(t, file)
	}
	return s, spectest.Check(t, s, check)
}

func run(t testing.TB, s *spec.Spec, c *spec.Check, opts ...Option) (*Checker, *Result) {
	t.Helper()
	ck, err := New(s, c, opts...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ck.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ck, res
}

// explorable is c without properties and with every deadlock terminal, so
// that the search covers the whole graph.
func explorable(c *spec.Check) *spec.Check {
	cc := *c
	cc.Invariants, cc.Eventually = nil, nil
	cc.Terminal = &spec.Const{T: spec.Type{Kind: spec.BoolType}, Val: 1, Src: "true"}
	cc.Channels = slices.Clone(c.Channels) // the copy's channels are its own
	for i, ch := range c.Channels {
		x := *ch
		cc.Channels[i] = &x
	}
	return &cc
}

// TestHandCounts checks state and transition counts worked out by hand in
// the specs' check docs, with one and two workers.
func TestHandCounts(t *testing.T) {
	for _, tc := range []struct {
		file, check   string
		states, trans uint64
		depth         int
	}{
		{"testdata/toggle.yaml", "counts", 4, 6, 2},
		{"testdata/counter.yaml", "one_peer_counts", 6, 6, 4},
		{"testdata/broadcast.yaml", "counts", 5, 5, 3},
		{"testdata/broadcast.yaml", "counts_lossy", 10, 13, 3},
		{"testdata/reply.yaml", "counts", 10, 13, 5},
		{"testdata/reply.yaml", "lossy_to_x", 12, 18, 4},
	} {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%s/%d", tc.file, tc.check, workers), func(t *testing.T) {
				s, c := loadCheck(t, tc.file, tc.check)
				_, res := run(t, s, c, Workers(workers))
				if !res.OK() {
					var b bytes.Buffer
					res.WriteText(&b)
					t.Fatalf("want all properties to hold:\n%s", b.String())
				}
				if res.States != tc.states || res.Transitions != tc.trans || res.MaxDepth != tc.depth {
					t.Errorf("got %d states, %d transitions, depth %d; want %d, %d, %d", res.States, res.Transitions, res.MaxDepth, tc.states, tc.trans, tc.depth)
				}
			})
		}
	}
}

// netVariants returns the checks of s (the TCP spec, the three-peer
// broadcast) under every network semantics the checker implements, at a
// small capacity so the reference explorer keeps up.
func netVariants(s *spec.Spec) []*spec.Check {
	var out []*spec.Check
	for _, c := range s.Checks {
		if testing.Short() && totalBudget(c) > 4 {
			continue // e.g. api: every call once under 8 network semantics is minutes under -race
		}
		if c.Time != nil {
			continue // a timed check's channels are part of its claim (lifetimes, loss per channel); TestTimedReference varies them
		}
		for _, order := range []spec.Order{spec.Ordered, spec.Unordered} {
			for _, full := range []spec.FullPolicy{spec.DropWhenFull, spec.BlockWhenFull} {
				for _, dup := range []bool{false, true} {
					cc := explorable(c)
					cc.Name = fmt.Sprintf("%s/%s/%s/dup=%v", c.Name, order, full, dup)
					for _, ch := range cc.Channels {
						ch.Order, ch.Full, ch.Duplicate, ch.Capacity, ch.Loss = order, full, dup, 2, true
					}
					out = append(out, cc)
				}
			}
		}
	}
	return out
}

// specCheck is a check of a spec: a case of the tests that compare
// searches.
type specCheck struct {
	s *spec.Spec
	c *spec.Check
}

// smallChecks are the checks of the small test specs that the comparisons
// with the reference explorer and between state layouts run, each in every
// form that forms make of it (explorable, or the check as it is).
func smallChecks(t testing.TB, forms ...func(*spec.Check) *spec.Check) []specCheck {
	t.Helper()
	var out []specCheck
	for _, f := range []string{"testdata/toggle.yaml", "testdata/counter.yaml", "testdata/cycle.yaml", "testdata/abp.yaml", "testdata/abp_noretx.yaml"} {
		s := spectest.Load(t, f)
		for _, c := range s.Checks {
			for _, form := range forms {
				out = append(out, specCheck{s, form(c)})
			}
		}
	}
	return out
}

// TestAgreesWithReference compares the checker with the reference
// explorer (ref_test.go) on every test spec and on TCP under every network
// semantics.
func TestAgreesWithReference(t *testing.T) {
	cases := smallChecks(t, explorable)
	// The reference reads no message fields: TCP without sequence numbers;
	// then three peers, and replies.
	for _, f := range []string{"../spec/testdata/tcp_unsequenced.yaml", "testdata/broadcast.yaml", "testdata/reply.yaml"} {
		s := spectest.Load(t, f)
		for _, c := range netVariants(s) {
			cases = append(cases, specCheck{s, c})
		}
	}
	for _, p := range cases {
		t.Run(p.s.Name+"/"+p.c.Name, func(t *testing.T) {
			want := refExplore(p.s, p.c)
			for _, workers := range []int{1, 2} {
				_, res := run(t, p.s, p.c, Workers(workers))
				if int(res.States) != want.states || int(res.Transitions) != want.transitions || res.MaxDepth != want.maxDepth {
					t.Errorf("workers %d: got %d states, %d transitions, depth %d; reference %d, %d, %d",
						workers, res.States, res.Transitions, res.MaxDepth, want.states, want.transitions, want.maxDepth)
				}
			}
		})
	}
}

// TestShortestCounterexample checks that the reported trace is as short as
// the reference explorer's first violation, and that it replays.
func TestShortestCounterexample(t *testing.T) {
	for _, tc := range []struct {
		file, check string
		kind        Kind
		depth       int
	}{
		{"testdata/toggle.yaml", "basic", InvariantViolation, 2},
		{"testdata/counter.yaml", "overflow", InvariantViolation, 2},
		{"testdata/counter.yaml", "stuck", Deadlock, 3},
		{"testdata/abp_noretx.yaml", "no_retransmit", Deadlock, 3},
		{"testdata/abp.yaml", "bad_invariant", InvariantViolation, -1},
	} {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%s/%d", tc.file, tc.check, workers), func(t *testing.T) {
				s, c := loadCheck(t, tc.file, tc.check)
				ck, res := run(t, s, c, Workers(workers))
				v := res.Violation
				if v == nil {
					t.Fatal("no violation")
				}
				if v.Kind != tc.kind {
					t.Errorf("kind %s, want %s", v.Kind, tc.kind)
				}
				ref := refExplore(s, c)
				if v.Depth != ref.firstViolation || (tc.depth >= 0 && v.Depth != tc.depth) {
					t.Errorf("counterexample of %d steps; reference first violation at depth %d, hand count %d", v.Depth, ref.firstViolation, tc.depth)
				}
				if len(v.Trace.Steps) != v.Depth {
					t.Errorf("trace has %d steps, depth %d", len(v.Trace.Steps), v.Depth)
				}
				if err := ck.Confirm(v); err != nil {
					t.Errorf("replay: %v", err)
				}
				if !strings.HasPrefix(v.Trace.Mermaid(), "sequenceDiagram\n") {
					t.Error("no Mermaid diagram")
				}
			})
		}
	}
}

// TestLiveness checks fairness on small cycles (testdata/cycle.yaml).
func TestLiveness(t *testing.T) {
	for _, tc := range []struct {
		check string
		fails bool
		loop  int // steps on the cycle, when it fails
	}{
		{"none", true, 2},
		{"weak", true, 2},
		{"strong", false, 0},
		{"weak_spin", false, 0},
		{"none_spin", true, 2},
		{"stuck", true, 1},
	} {
		t.Run(tc.check, func(t *testing.T) {
			s, c := loadCheck(t, "testdata/cycle.yaml", tc.check)
			ck, res := run(t, s, c, Workers(2))
			if !res.Complete {
				t.Fatalf("incomplete: %s", res.StopReason)
			}
			v := res.Violation
			if (v != nil) != tc.fails {
				t.Fatalf("violation %v, want %v", v != nil, tc.fails)
			}
			if v == nil {
				return
			}
			if v.Kind != LivenessViolation || v.Trace.LoopStart < 0 {
				t.Fatalf("got %s, loop start %d; want a liveness lasso", v.Kind, v.Trace.LoopStart)
			}
			if n := len(v.Trace.Steps) - v.Trace.LoopStart; n != tc.loop {
				t.Errorf("cycle of %d steps, want %d", n, tc.loop)
			}
			if err := ck.Confirm(v); err != nil {
				t.Errorf("replay: %v", err)
			}
		})
	}
}

// TestLimits checks that MaxStates and cancellation stop cleanly with the
// figures so far.
func TestLimits(t *testing.T) {
	s, c := tcpBenchCheck(t, 4)
	_, res := run(t, s, c, Workers(2), MaxStates(1000))
	if res.Complete || res.StopReason == "" || res.States < 1000 {
		t.Errorf("MaxStates: complete %v, reason %q, %d states", res.Complete, res.StopReason, res.States)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ck, err := New(s, c, Workers(2))
	if err != nil {
		t.Fatal(err)
	}
	res, err = ck.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Complete || res.StopReason != "interrupted" {
		t.Errorf("cancelled: complete %v, reason %q", res.Complete, res.StopReason)
	}
	_, res = run(t, s, c, Workers(2), MaxMemory(1<<20))
	if res.Complete || !strings.Contains(res.StopReason, "memory") {
		t.Errorf("MaxMemory: complete %v, reason %q", res.Complete, res.StopReason)
	}
}

// TestJSON checks that a result with a counterexample round-trips as JSON.
func TestJSON(t *testing.T) {
	s, c := loadCheck(t, "testdata/counter.yaml", "overflow")
	_, res := run(t, s, c)
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	v, _ := back["violation"].(map[string]any)
	if v == nil || v["kind"] != "invariant" || v["property"] != "below_two" {
		t.Errorf("violation in JSON: %v", back["violation"])
	}
}

// TestChannels checks the inbox automata against their definitions.
func TestChannels(t *testing.T) {
	for _, ch := range []*spec.Channel{
		{Order: spec.Unordered, Capacity: 7},
		{Order: spec.Ordered, Capacity: 3},
	} {
		b, err := newInbox(ch, 7)
		if err != nil {
			t.Fatal(err)
		}
		want := binom(14, 7) // multisets of at most 7 over 7 kinds
		if ch.Order == spec.Ordered {
			want = 1 + 7 + 49 + 343
		}
		if b.n != want {
			t.Errorf("%s capacity %d: %d contents, want %d", ch.Order, ch.Capacity, b.n, want)
		}
		if b.length[0] != 0 {
			t.Error("content 0 is not empty")
		}
	}
	if _, err := newInbox(&spec.Channel{Order: spec.Ordered, Capacity: 64}, 7); err == nil {
		t.Error("no error for an ordered inbox of capacity 64")
	}
}

// totalBudget is the number of calls the peers of c may make (unbounded
// budgets count as one).
func totalBudget(c *spec.Check) int {
	n := 0
	for _, p := range c.Peers {
		for _, b := range p.Calls {
			n += max(b.Budget, 1)
		}
	}
	return n
}

// TestLassoTakesEachClassOnce: a liveness counterexample's cycle does not
// go round twice. One PING bounces between the peers for ever; under no
// fairness and under weak fairness the cycle is the two deliveries.
func TestLassoTakesEachClassOnce(t *testing.T) {
	s, c := loadCheck(t, "testdata/pingpong.yaml", "loop")
	_, res := run(t, s, c, Continue())
	if len(res.Violations) != 2 {
		t.Fatalf("%d violations, want both goals violated", len(res.Violations))
	}
	for _, v := range res.Violations {
		tr := v.Trace
		if tr == nil || tr.LoopStart != 1 || len(tr.Steps)-tr.LoopStart != 2 {
			t.Errorf("%s: want a prefix of 1 step and a cycle of 2, got %+v", v.Property, tr)
		}
	}
}
