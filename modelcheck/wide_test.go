package modelcheck

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// testdata/chain.yaml is a chain of 131 states S0..S130: Si has only call
// ci (c0..c129), which leads to Si+1, and c129 also sends DONE to the other
// peer, which drops it in any state. Its checks give both peers a budget
// of 1 for every call, so that a system state is two 8-bit snapshots, two
// 1-bit inboxes (empty or [DONE]) and 2×130 one-bit budgets: 278 bits, five
// words. The budgets add no states: ci is spent exactly when the peer is
// past Si.
//
// Count by hand. The peers never interact but for DONE, and DONE changes
// nothing but the inbox it is taken from, so a peer together with the
// inbox it sends to evolves on its own, through 132 local states:
//
//	(Si, [])        i = 0..129   one action, ci
//	(S130, [DONE])               one action, the other peer takes DONE
//	(S130, [])                   no action
//
// The reachable system states are all pairs of local states, 132 × 132 =
// 17,424. Each of the 131 local transitions happens alongside any of the
// other side's 132 states, and there are two sides: 2 × 132 × 131 = 34,584
// transitions. The farthest state is the last one, both sides at (S130,
// []): 131 + 131 = 262 steps; it is also the only state with no action.
//
// The same counts hold with any budgets of at least 1, and with some or all
// calls unbounded: a call can only fire once whatever its budget.
const (
	chainStates      = 132 * 132
	chainTransitions = 2 * 132 * 131
	chainDepth       = 2 * 131
)

// chainCheck is check of testdata/chain.yaml with the first bounded calls
// of each peer given budget, the others unbounded.
func chainCheck(t testing.TB, check string, bounded, budget int) (*spec.Spec, *spec.Check) {
	t.Helper()
	s, c := loadCheck(t, "testdata/chain.yaml", check)
	for _, p := range c.Peers {
		if len(p.Calls) != 130 {
			t.Fatalf("peer %s has %d call budgets, want 130", p.Name, len(p.Calls))
		}
		for i := range p.Calls {
			p.Calls[i].Budget = budget
			if i >= bounded {
				p.Calls[i].Budget = spec.Unbounded
			}
		}
	}
	return s, c
}

// checkFields checks that the fields of m's states lie inside its words
// and do not overlap.
func checkFields(t *testing.T, m *model) {
	t.Helper()
	fields := []field{m.peer[0], m.peer[1], m.box[0], m.box[1]}
	for _, b := range m.budgets {
		fields = append(fields, b.f)
	}
	used := make([]uint64, m.words)
	for i, f := range fields {
		if int(f.word) >= m.words || int(f.shift)+int(f.width) > 64 || f.word == 0 && int(f.shift)+int(f.width) > 63 {
			t.Fatalf("field %d (word %d, shift %d, width %d) is outside a state of %d words", i, f.word, f.shift, f.width, m.words)
		}
		if bits := f.mask << f.shift; used[f.word]&bits != 0 {
			t.Fatalf("field %d (word %d, shift %d, width %d) overlaps another", i, f.word, f.shift, f.width)
		} else {
			used[f.word] |= bits
		}
	}
}

// TestWideCounts checks the hand counts of testdata/chain.yaml with states
// of 1, 2, 4, 5 and 33 words (from fewer bounded calls to every call with
// the widest budget, 255: 8 bits each), with one worker and two. Every
// property of the check holds, the eventually goal included, which
// explores the whole graph again.
func TestWideCounts(t *testing.T) {
	for _, tc := range []struct {
		bounded, budget int
		bits, words     int
	}{
		{0, 1, 18, 1},
		{40, 1, 98, 2},
		{100, 1, 218, 4},
		{130, 1, 278, 5},
		{130, 255, 2*8 + 2 + 2*130*8, 33},
	} {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("bounded=%d/budget=%d/workers=%d", tc.bounded, tc.budget, workers), func(t *testing.T) {
				s, c := chainCheck(t, "walk", tc.bounded, tc.budget)
				ck, res := run(t, s, c, Workers(workers))
				checkFields(t, ck.m)
				if res.StateBits != tc.bits || res.StateWords != tc.words {
					t.Errorf("state of %d bits in %d words, want %d in %d", res.StateBits, res.StateWords, tc.bits, tc.words)
				}
				if !res.OK() {
					t.Fatalf("want all properties to hold; complete %v (%s), violation %v", res.Complete, res.StopReason, res.Violation != nil)
				}
				if res.States != chainStates || res.Transitions != chainTransitions || res.MaxDepth != chainDepth {
					t.Errorf("got %d states, %d transitions, depth %d; want %d, %d, %d",
						res.States, res.Transitions, res.MaxDepth, chainStates, chainTransitions, chainDepth)
				}
			})
		}
	}
}

// TestWideAgreesWithReference compares the 5-word chain with the
// reference explorer, which shares no code with the checker (skipped with
// -short: the reference takes seconds).
func TestWideAgreesWithReference(t *testing.T) {
	if testing.Short() {
		t.Skip("the reference explorer is slow on the chain")
	}
	s, c := chainCheck(t, "walk", 130, 1)
	c = explorable(c)
	want := refExplore(s, c)
	if want.states != chainStates || want.transitions != chainTransitions || want.maxDepth != chainDepth {
		t.Errorf("reference: %d states, %d transitions, depth %d; hand count %d, %d, %d",
			want.states, want.transitions, want.maxDepth, chainStates, chainTransitions, chainDepth)
	}
	_, res := run(t, s, c, Workers(2))
	if int(res.States) != want.states || int(res.Transitions) != want.transitions || res.MaxDepth != want.maxDepth {
		t.Errorf("got %d states, %d transitions, depth %d; reference %d, %d, %d",
			res.States, res.Transitions, res.MaxDepth, want.states, want.transitions, want.maxDepth)
	}
}

// TestWideCounterexamples checks the chain's failing checks with 5-word
// and 33-word states: each counterexample is as short as can be (and, but
// with -short, as short as the reference explorer's) and replays.
//
//   - meet: both peers at S130 takes 130 calls of each, 260 steps, the
//     DONEs still in flight.
//   - stuck: without a terminal condition the last state, 262 steps away,
//     is a deadlock.
//   - restless: a never comes back to S0; every behaviour ends in that
//     deadlock, where the goal is false, so the lasso is the 262 steps there
//     and then a stutter.
func TestWideCounterexamples(t *testing.T) {
	for _, tc := range []struct {
		check    string
		kind     Kind
		property string
		depth    int
	}{
		{"meet", InvariantViolation, "never_both_done", 260},
		{"stuck", Deadlock, "deadlock", 262},
		{"restless", LivenessViolation, "back_to_start", 262},
	} {
		if tc.kind != LivenessViolation && !testing.Short() {
			s, c := chainCheck(t, tc.check, 130, 1)
			if ref := refExplore(s, c); ref.firstViolation != tc.depth {
				t.Errorf("%s: the reference explorer's first violation is at depth %d, want %d", tc.check, ref.firstViolation, tc.depth)
			}
		}
		for _, budget := range []int{1, 255} {
			for _, workers := range []int{1, 2} {
				t.Run(fmt.Sprintf("%s/budget=%d/workers=%d", tc.check, budget, workers), func(t *testing.T) {
					s, c := chainCheck(t, tc.check, 130, budget)
					ck, res := run(t, s, c, Workers(workers))
					if res.StateWords <= 4 {
						t.Errorf("state of %d words, want more than 4", res.StateWords)
					}
					v := res.Violation
					if v == nil {
						t.Fatal("no violation")
					}
					if v.Kind != tc.kind || v.Property != tc.property || v.Depth != tc.depth {
						t.Fatalf("got %s %s at depth %d, want %s %s at depth %d", v.Kind, v.Property, v.Depth, tc.kind, tc.property, tc.depth)
					}
					steps := tc.depth
					if tc.kind == LivenessViolation {
						steps++ // the stutter
						if v.Trace.LoopStart != tc.depth {
							t.Errorf("the cycle starts at step %d, want %d", v.Trace.LoopStart, tc.depth)
						}
					}
					if len(v.Trace.Steps) != steps {
						t.Errorf("trace of %d steps, want %d", len(v.Trace.Steps), steps)
					}
					if err := ck.Confirm(v); err != nil {
						t.Errorf("replay: %v", err)
					}
					last := v.Trace.Steps[len(v.Trace.Steps)-1].State
					if last.Peers[0].State != "S130" || last.Peers[1].State != "S130" {
						t.Errorf("the trace ends in %s, want both peers at S130", last.String())
					}
				})
			}
		}
	}
}

// TestWideLayoutAgrees runs the specs of the other tests, and TCP under
// every network semantics, with every field of a state in a word of its
// own, so that small checks take the multi-word search; the counts,
// verdicts and counterexample depths must be those of the packed layout,
// which is one word for two peers (monitors included) in 63 bits, untimed.
func TestWideLayoutAgrees(t *testing.T) {
	cases := smallChecks(t, func(c *spec.Check) *spec.Check { return c }, explorable)
	s := spectest.TCP(t)
	for _, c := range append(slices.Clone(s.Checks), netVariants(s)...) {
		cases = append(cases, specCheck{s, c})
	}
	spread := func(c *Checker) { c.spread = true }
	for _, p := range cases {
		name := p.s.Name + "/" + p.c.Name
		if len(p.c.Invariants) == 0 && len(p.c.Eventually) == 0 {
			name += "/explore"
		}
		t.Run(name, func(t *testing.T) {
			_, want := run(t, p.s, p.c, Workers(1))
			if len(p.c.Peers) == 2 && p.c.Time == nil && want.StateBits <= 63 && want.StateWords != 1 {
				t.Errorf("a state of two peers (monitors: %d), untimed, of %d bits takes %d words, want one", len(p.c.Monitors), want.StateBits, want.StateWords)
			}
			if testing.Short() && want.States > 100_000 {
				t.Skip("the spread runs of a check of over 100,000 states are minutes under -race; netVariants has it at a small capacity")
			}
			for _, workers := range []int{1, 2} {
				ck, res := run(t, p.s, p.c, Workers(workers), spread)
				if res.StateWords < 4 || res.StateWords <= want.StateWords {
					t.Errorf("spread over %d words, packed in %d", res.StateWords, want.StateWords)
				}
				if res.Complete != want.Complete || res.States != want.States || res.Transitions != want.Transitions || res.MaxDepth != want.MaxDepth {
					t.Errorf("workers %d: complete %v, %d states, %d transitions, depth %d; packed: %v, %d, %d, %d", workers,
						res.Complete, res.States, res.Transitions, res.MaxDepth, want.Complete, want.States, want.Transitions, want.MaxDepth)
				}
				v, w := res.Violation, want.Violation
				if (v == nil) != (w == nil) {
					t.Fatalf("workers %d: violation %v, packed %v", workers, v != nil, w != nil)
				}
				if v == nil {
					continue
				}
				if v.Kind != w.Kind || v.Property != w.Property || v.Depth != w.Depth {
					t.Errorf("workers %d: %s %s at depth %d; packed: %s %s at depth %d", workers, v.Kind, v.Property, v.Depth, w.Kind, w.Property, w.Depth)
				}
				if err := ck.Confirm(v); err != nil {
					t.Errorf("workers %d: replay: %v", workers, err)
				}
			}
		})
	}
}

// TestTouchProbesHome checks that touch, which hashes a successor's words
// where they lie, loads the slot that insert puts the state in when the
// table is empty: its home.
func TestTouchProbesHome(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, words := range []int{2, 5, 33, maxWords} {
		for range 100 {
			var v vec
			for i := range words {
				v[i] = rng.Uint64()
			}
			v[0] &^= occupied
			set := newVisited(words, 64*words-1, 1024, packedDispBits)
			if _, isNew := set.insert(&v, noParent); !isNew {
				t.Fatal("insert into an empty table found the state")
			}
			var buf succs
			buf.reset(words)
			buf.push(&v, 0, -1)
			if got := set.touch(&buf); got != v[0]|occupied {
				t.Fatalf("%d words: touch loaded %#x, want the state's first word %#x", words, got, v[0]|occupied)
			}
		}
	}
}
