package modelcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
)

// TestTimedHandCounts checks the counts worked out by hand in
// testdata/timed.yaml (the reasoning is in each check's doc), with one and
// two workers: one timer, one message with a lifetime (of one tick,
// which stops time while the message is in flight, and of two), with
// loss and with an early window.
func TestTimedHandCounts(t *testing.T) {
	for _, tc := range []struct {
		check         string
		states, trans uint64
		depth         int
	}{
		{"counts", 6, 5, 5},
		{"counts_lossy", 6, 7, 4},
		{"counts_early", 8, 10, 4},
	} {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/%d", tc.check, workers), func(t *testing.T) {
				s, c := loadCheck(t, "testdata/timed.yaml", tc.check)
				_, res := run(t, s, explorable(c), Workers(workers))
				if !res.Complete || res.Violation != nil {
					t.Fatalf("search incomplete or violated: %+v", res.Violation)
				}
				if res.States != tc.states || res.Transitions != tc.trans || res.MaxDepth != tc.depth {
					t.Errorf("got %d states, %d transitions, depth %d; want %d, %d, %d", res.States, res.Transitions, res.MaxDepth, tc.states, tc.trans, tc.depth)
				}
			})
		}
	}
}

// TestTimedVerdicts: properties that hold only because of lifetimes, early
// windows and the tick's fairness, and the variants that break them.
func TestTimedVerdicts(t *testing.T) {
	for _, tc := range []struct {
		check    string
		violated string // "" when every property holds
		depth    int
	}{
		{"counts", "", 0},
		{"counts_lossy", "", 0},
		// The timer fires while its PING is in flight only with the early window.
		{"counts_early", "done_means_quiet", 3},
		// No PING arrives after the timer that outlasts its lifetime...
		{"late_ping", "", 0},
		{"late_ping_ordered", "", 0},
		// ... or lasts as long: a message lives less than its lifetime,
		// and is lost, or delivered, before the timer is due...
		{"late_ping_equal_life", "", 0},
		{"late_ping_lossless", "", 0},
		// ... but one does when the lifetime is longer than the timer.
		{"late_ping_long_life", "watch.no_late_ping", 5},
		// A lossless channel loses no message to its lifetime.
		{"conserved", "", 0},
		// Time must pass for a to be DONE: the tick is fair.
		{"needs_time", "", 0},
		{"needs_time_unfair", "done", 0},
	} {
		t.Run(tc.check, func(t *testing.T) {
			s, c := loadCheck(t, "testdata/timed.yaml", tc.check)
			ck, res := run(t, s, c)
			v := res.Violation
			switch {
			case tc.violated == "" && (v != nil || !res.OK()):
				var b bytes.Buffer
				res.WriteText(&b)
				t.Fatalf("want every property to hold:\n%s", b.String())
			case tc.violated == "":
				return
			case v == nil || v.Property != tc.violated:
				t.Fatalf("want %s violated, got %+v", tc.violated, v)
			case v.Kind != LivenessViolation && v.Depth != tc.depth:
				t.Errorf("%s violated after %d steps, want %d", v.Property, v.Depth, tc.depth)
			}
			if err := ck.Confirm(v); err != nil {
				t.Errorf("the counterexample does not replay: %v", err)
			}
		})
	}
}

// TestLosslessLifetime: in a lossless channel a lifetime loses no
// message (time waits for its delivery instead) and delivers none at an
// age of the lifetime or more, over ordered and unordered channels and
// lifetimes of 1 to 3 ticks. conserved's monitor counts the PINGs sent and
// received; late_ping_lossless's flags a PING received after rto (as many
// ticks as the lifetime, or more) fired.
func TestLosslessLifetime(t *testing.T) {
	for _, tc := range []struct {
		check     string
		lifetimes []int
	}{
		{"conserved", []int{1, 2, 3}},
		{"late_ping_lossless", []int{1, 2}}, // rto lasts 2 ticks
	} {
		for _, order := range []spec.Order{spec.Ordered, spec.Unordered} {
			for _, life := range tc.lifetimes {
				t.Run(fmt.Sprintf("%s/%s/lifetime=%d", tc.check, order, life), func(t *testing.T) {
					s, c := loadCheck(t, "testdata/timed.yaml", tc.check)
					cc := *c
					cc.Channels = nil
					for _, ch := range c.Channels {
						x := *ch
						x.Order, x.Lifetime = order, life
						if x.Loss {
							t.Fatalf("%s: channel %s is lossy", tc.check, c.ChannelName(ch))
						}
						cc.Channels = append(cc.Channels, &x)
					}
					_, res := run(t, s, &cc)
					if res.Violation != nil || !res.OK() {
						var b bytes.Buffer
						res.WriteText(&b)
						t.Fatalf("want every property to hold:\n%s", b.String())
					}
				})
			}
		}
	}
}

// TestStoppedTime: in stuck, a message in a lossless channel has its last
// age and its delivery cannot happen, so no tick may pass: the state is
// a deadlock, though timers are armed and not due. In stuck_lossy the tick
// loses the messages instead, and no deadlock is reachable.
func TestStoppedTime(t *testing.T) {
	s, c := loadCheck(t, "testdata/timed_stuck.yaml", "stuck")
	ck, res := run(t, s, c)
	v := res.Violation
	if v == nil || v.Kind != Deadlock || v.Depth != 2 {
		var b bytes.Buffer
		res.WriteText(&b)
		t.Fatalf("want a deadlock after 2 steps:\n%s", b.String())
	}
	var b bytes.Buffer
	v.Trace.WriteText(&b)
	if want := "a WAIT {rto:2} | b WAIT {rto:2} | to a [PING@0] | to b [PING@0]"; !strings.Contains(b.String(), want) {
		t.Errorf("the deadlock is not %q:\n%s", want, b.String())
	}
	if err := ck.Confirm(v); err != nil {
		t.Errorf("the counterexample does not replay: %v", err)
	}
	s, c = loadCheck(t, "testdata/timed_stuck.yaml", "stuck_lossy")
	if _, res := run(t, s, c); res.Violation != nil || !res.OK() {
		var b bytes.Buffer
		res.WriteText(&b)
		t.Fatalf("stuck_lossy: want no deadlock:\n%s", b.String())
	}
}

// TestTickFairness: needs_time holds because the tick is a fairness class.
// Taken out of fairness, b's NOP loop while a waits is a fair cycle on
// which a never becomes DONE, and the goal fails.
func TestTickFairness(t *testing.T) {
	s, c := loadCheck(t, "testdata/timed.yaml", "needs_time")
	ck, err := New(s, c)
	if err != nil {
		t.Fatal(err)
	}
	if got := ck.m.classes[ck.m.actions[ck.m.tickAt].class]; got != "tick" {
		t.Fatalf("the tick's class is %q", got)
	}
	ck.m.actions[ck.m.tickAt].class = -1
	res, err := ck.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Property != "done" {
		t.Fatalf("with an unfair tick: want done violated, got %+v", v)
	}
	loop := v.Trace.Steps[v.Trace.LoopStart:]
	if len(loop) != 1 || loop[0].Action != "call(b, NOP)" || loop[0].State.Peers[0].State != "WAIT" {
		var b bytes.Buffer
		v.Trace.WriteText(&b)
		t.Errorf("want a cycle of b's NOP while a waits:\n%s", b.String())
	}
}

// timedVariants returns the checks of the timed test specs (without
// monitors, which the reference explorer does not run) under every
// network semantics (lossy, where a message's lifetime ends in its loss,
// and lossless, where it stops time until the message is delivered),
// lifetimes and early windows as the specs give them.
func timedVariants(t *testing.T) []struct {
	s *spec.Spec
	c *spec.Check
} {
	var out []struct {
		s *spec.Spec
		c *spec.Check
	}
	for _, f := range []struct{ file, checks string }{
		{"testdata/timed.yaml", "counts counts_early needs_time"},
		{"testdata/timed_retx.yaml", "lossy early ageless"},
		{"testdata/timed_stuck.yaml", "stuck"},
	} {
		for _, name := range strings.Fields(f.checks) {
			s, c := loadCheck(t, f.file, name)
			for _, order := range []spec.Order{spec.Ordered, spec.Unordered} {
				for _, full := range []spec.FullPolicy{spec.DropWhenFull, spec.BlockWhenFull} {
					for _, dup := range []bool{false, true} {
						for _, loss := range []bool{true, false} {
							if testing.Short() && (full == spec.BlockWhenFull) != (dup != loss) {
								continue // half of them
							}
							cc := explorable(c)
							cc.Name = fmt.Sprintf("%s/%s/%s/%s/dup=%v/loss=%v", f.file, name, order, full, dup, loss)
							for _, ch := range cc.Channels {
								ch.Order, ch.Full, ch.Duplicate, ch.Loss = order, full, dup, loss
							}
							out = append(out, struct {
								s *spec.Spec
								c *spec.Check
							}{s, cc})
						}
					}
				}
			}
		}
	}
	return out
}

// TestTimedReference compares the checker with the reference explorer on
// timed checks: ordered and unordered channels, loss, duplication, both
// full policies, lifetimes in some channels and not others, early windows.
func TestTimedReference(t *testing.T) {
	for _, v := range timedVariants(t) {
		t.Run(v.c.Name, func(t *testing.T) {
			want := refExplore(v.s, v.c)
			for _, workers := range []int{1, 2} {
				_, res := run(t, v.s, v.c, Workers(workers))
				if res.States != uint64(want.states) || res.Transitions != uint64(want.transitions) || res.MaxDepth != want.maxDepth {
					t.Errorf("%d workers: checker %d states, %d transitions, depth %d; reference %d, %d, %d",
						workers, res.States, res.Transitions, res.MaxDepth, want.states, want.transitions, want.maxDepth)
				}
			}
		})
	}
}

// TestTimedTrace: a timed counterexample shows the ticks, the remaining
// ticks and the ages; its JSON reads back and replays; a corrupted one
// is refused with the step and the reason.
func TestTimedTrace(t *testing.T) {
	s, c := loadCheck(t, "testdata/timed.yaml", "late_ping_long_life")
	ck, res := run(t, s, c)
	v := res.Violation
	if v == nil {
		t.Fatal("want a violation")
	}
	var b bytes.Buffer
	v.Trace.WriteText(&b)
	text := b.String()
	for _, want := range []string{
		"1. a calls GO: IDLE -> WAIT, sends PING",
		"a WAIT {rto:2} | b IDLE | to a [] | to b [PING@0]",
		"2. time passes a tick",
		"a WAIT {rto:1} | b IDLE | to a [] | to b [PING@1]",
		"5. b receives PING (age 2): stays IDLE",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("trace lacks %q:\n%s", want, text)
		}
	}
	if m := v.Trace.Mermaid(); !strings.Contains(m, "2. tick") {
		t.Errorf("Mermaid lacks the tick:\n%s", m)
	}
	data, err := json.Marshal(v.Trace)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"tick"`, `"remaining":{"rto":2}`, `"ages":[0]`, `"age":2`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("JSON trace lacks %s:\n%s", want, data)
		}
	}
	var back Trace
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if _, err := ck.Replay(&back); err != nil {
		t.Fatalf("the JSON trace does not replay: %v", err)
	}
	for _, tc := range []struct {
		what, from, to, err string
	}{
		{"an age changed", `"ages":[1]`, `"ages":[0]`, "step 2: tick leads to"},
		{"remaining ticks changed", `"remaining":{"rto":1}`, `"remaining":{"rto":2}`, "step 2: tick leads to"},
		{"a tick where the timer is due", `"action":"timeout(a, rto)"`, `"action":"tick"`, "step 4: tick is not enabled"},
	} {
		bad := bytes.Replace(data, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(bad, data) {
			t.Fatalf("%s: %s is not in the trace", tc.what, tc.from)
		}
		var tr Trace
		if err := json.Unmarshal(bad, &tr); err != nil {
			t.Fatal(err)
		}
		_, err := ck.Replay(&tr)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %v, want an error containing %q", tc.what, err, tc.err)
		}
	}
}

// TestTimedReadmeExample runs the README's timed example: every line of
// the trace it shows must be in the real output, in order.
func TestTimedReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "$ fsmgen check --config late_ping_long_life modelcheck/testdata/timed.yaml\n")
	if !ok {
		t.Fatal("the README has no timed example")
	}
	block, _, _ = strings.Cut(block, "```")
	s, c := loadCheck(t, "testdata/timed.yaml", "late_ping_long_life")
	_, res := run(t, s, c)
	var b bytes.Buffer
	res.WriteText(&b)
	out := strings.ReplaceAll(b.String(), "testdata/timed.yaml", "modelcheck/testdata/timed.yaml")
	rest := out
	for _, w := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		if w == "..." {
			continue
		}
		k := strings.Index(rest, w+"\n")
		if k < 0 {
			t.Fatalf("README: line %q is not in the output (in order):\n%s", w, out)
		}
		rest = rest[k+len(w)+1:]
	}
}
