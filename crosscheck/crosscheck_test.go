package crosscheck

import (
	"context"
	"fmt"
	"maps"
	"math/bits"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// needSpin skips the test when spin or gcc is missing, except in CI
// (CI=true), where a missing SPIN is a failure.
func needSpin(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipping the SPIN cross-check: %v", err)
	}
}

// pans holds the models the tests compile: TestCounts and TestVerdicts
// render the same models for a check without overrides, and each
// compiled model serves its counts and both verdicts (SpinOptions).
var pans *PanCache

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fsmgen-pans-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pans = NewPanCache(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	specMu    sync.Mutex
	specCache = map[string]*spec.Spec{}
)

// loadSpec loads "tcp" (the embedded product spec, spec/tcp.yaml), a file
// under testdata/ by its base name, or a spec elsewhere in the repository
// by its path from here.
func loadSpec(t testing.TB, name string) *spec.Spec {
	t.Helper()
	specMu.Lock()
	defer specMu.Unlock()
	if s, ok := specCache[name]; ok {
		return s
	}
	var s *spec.Spec
	switch {
	case name == "tcp":
		s = spectest.TCP(t)
	case strings.Contains(name, "/"):
		s = spectest.Load(t, name)
	default:
		s = spectest.Load(t, "testdata/"+name+".yaml")
	}
	specCache[name] = s
	return s
}

// channel is a network setting applied to one inbox or both.
type channel struct {
	order     spec.Order
	capacity  int
	full      spec.FullPolicy
	loss, dup bool
}

func (ch channel) String() string {
	s := fmt.Sprintf("%s-%d-%s", ch.order, ch.capacity, ch.full)
	if ch.loss {
		s += "-loss"
	}
	if ch.dup {
		s += "-dup"
	}
	return s
}

func (ch channel) apply(c *spec.Channel) *spec.Channel {
	n := *c
	n.Order, n.Capacity, n.Full, n.Loss, n.Duplicate = ch.order, ch.capacity, ch.full, ch.loss, ch.dup
	return &n
}

var (
	ordered   = spec.Ordered
	unordered = spec.Unordered
	drop      = spec.DropWhenFull
	block     = spec.BlockWhenFull
)

// config is one cell of the matrix: a spec's check with its channels
// overridden (inbox[i] nil: as the check says).
type config struct {
	spec, check string
	inbox       [2]*channel
	anyTimeouts bool // override the check's timeouts with any
	// timed makes an untimed check timed: a tick, a value of the param
	// MSL, and every channel's messages living MSL.
	timed *timing
}

// timing is what config.timed sets: the tick, MSL and the early windows.
type timing struct {
	tick, msl time.Duration
	early     map[string]time.Duration
}

func (tm timing) String() string {
	s := fmt.Sprintf("timed-%s-msl%s", tm.tick, tm.msl)
	for _, t := range slices.Sorted(maps.Keys(tm.early)) {
		s += fmt.Sprintf("-early-%s-%s", t, tm.early[t])
	}
	return s
}

func both(ch channel) [2]*channel { return [2]*channel{&ch, &ch} }

func (cf config) String() string {
	name := cf.spec + "/" + cf.check
	switch {
	case cf.inbox[0] == nil && cf.inbox[1] == nil:
	case cf.inbox[0] != nil && cf.inbox[1] != nil && *cf.inbox[0] == *cf.inbox[1]:
		name += "/" + cf.inbox[0].String()
	default:
		for i, ch := range cf.inbox {
			if ch != nil {
				name += fmt.Sprintf("/in%d:%s", i, ch)
			}
		}
	}
	if cf.anyTimeouts {
		name += "/timeouts-any"
	}
	if cf.timed != nil {
		name += "/" + cf.timed.String()
	}
	return name
}

func (cf config) build(t testing.TB) (*spec.Spec, *spec.Check) {
	t.Helper()
	s := loadSpec(t, cf.spec)
	base := spectest.Check(t, s, cf.check)
	c := *base
	c.Channels = slices.Clone(base.Channels) // the copy's channels are its own
	for i, ch := range cf.inbox {
		if ch != nil {
			c.Channels[i] = ch.apply(base.Channels[i])
		}
	}
	if cf.anyTimeouts {
		c.Timeouts = spec.AnyTimeout
	}
	if tm := cf.timed; tm != nil {
		c.Time = &spec.Timing{Tick: tm.tick, Early: tm.early, Pos: c.Pos}
		c.Timeouts = spec.AnyTimeout // a timed check fires timers by time
		c.Params = nil
		for _, p := range s.Params {
			q := *p
			if q.Name == "MSL" {
				q.Value = tm.msl
			}
			c.Params = append(c.Params, &q)
		}
		for i, ch := range c.Channels {
			n := *ch
			n.Lifetime = int(tm.msl / tm.tick)
			c.Channels[i] = &n
		}
	}
	return s, &c
}

// matrix covers ordered and unordered inboxes, capacities 1 to 4, with and
// without loss and duplication, full: drop and block.
var matrix = []config{
	{spec: "toggle", check: "basic"},
	{spec: "toggle", check: "basic", inbox: both(channel{unordered, 4, block, true, true})},
	{spec: "relay", check: "pair"},
	{spec: "relay", check: "pair", inbox: both(channel{ordered, 1, drop, false, true})},
	{spec: "relay", check: "pair", inbox: both(channel{ordered, 3, block, true, true})},
	{spec: "relay", check: "pair", inbox: both(channel{unordered, 4, block, true, false})},
	{spec: "tcp", check: "reliable"},
	{spec: "tcp", check: "lossy"},
	{spec: "tcp", check: "simultaneous"},
	{spec: "tcp", check: "api"},
	{spec: "tcp", check: "lossy_any"}, // lossy_any_fair is lossy with timeouts any, below
	{spec: "tcp", check: "stale_resets"},
	// The TCP pair without sequence numbers: the benchmarks' model.
	{spec: tcpUnsequenced, check: "lossy"},
	{spec: tcpUnsequenced, check: "lossy", inbox: both(channel{unordered, 4, drop, true, false}), anyTimeouts: true},
	{spec: "tcp", check: "old_duplicate_syn"},
	{spec: "tcp", check: "old_syn_recovery"},
	{spec: "tcp", check: "time_wait"},
	{spec: "tcp", check: "reliable", inbox: both(channel{ordered, 1, block, false, false})},
	{spec: "tcp", check: "reliable", inbox: both(channel{ordered, 2, drop, true, true})},
	{spec: "tcp", check: "lossy", inbox: both(channel{unordered, 2, block, false, true})},
	{spec: "tcp", check: "lossy", inbox: both(channel{unordered, 3, drop, true, true})},
	{spec: "tcp", check: "lossy", inbox: [2]*channel{{ordered, 2, drop, true, false}, {unordered, 3, block, false, true}}},
	{spec: "tcp", check: "simultaneous", inbox: both(channel{ordered, 4, block, true, false})},
	{spec: "tcp", check: "lossy", anyTimeouts: true},
	{spec: "tcp", check: "reliable", inbox: both(channel{ordered, 3, block, true, true}), anyTimeouts: true},
	{spec: "relay", check: "pair", inbox: both(channel{unordered, 3, drop, true, true}), anyTimeouts: true},
	{spec: "arith", check: "pair"},
	{spec: "arith", check: "pair", inbox: both(channel{ordered, 2, block, false, true})},
	{spec: "arith", check: "fails"},
	// Systems of two machines: a client and a server.
	{spec: reqresp, check: "lossy"},
	{spec: reqresp, check: "fifo"},
	{spec: reqresp, check: "lossy", inbox: both(channel{unordered, 4, block, true, true})},
	{spec: reqresp, check: "fifo", inbox: [2]*channel{{ordered, 3, drop, true, true}, {unordered, 2, block, false, true}}},
	// Messages with fields.
	{spec: abp, check: "lossy_fifo"},
	{spec: abp, check: "lossy_fifo", inbox: both(channel{unordered, 2, drop, true, true})},
	{spec: abp, check: "lossy_fifo", inbox: both(channel{ordered, 3, block, true, true})},
	// Monitors (abp's delivery monitor is part of every abp state).
	{spec: abp, check: "fifo_dup"},
	{spec: abp, check: "reordering"},
	// Three peers: a coordinator that sends to both participants.
	{spec: twophase, check: "reliable"},
	{spec: twophase, check: "lossy"},
	{spec: twophase, check: "lossy", inbox: [2]*channel{{ordered, 2, drop, true, true}, {unordered, 3, block, false, true}}},
	// Replies: the server answers whichever of two clients asked.
	{spec: reqresp, check: "two_clients"},
	{spec: reqresp, check: "two_clients", inbox: both(channel{ordered, 2, block, true, true})},
	// One channel overridden alone (channels: "x from hub").
	{spec: "../modelcheck/testdata/reply.yaml", check: "lossy_to_x"},
	{spec: broadcast, check: "mesh"},
	{spec: broadcast, check: "mesh", inbox: both(channel{ordered, 2, block, true, true})},
	// Variables written and never read (a monitor's read only by a goal).
	{spec: "writeonly", check: "lossy"},
	// Timed checks: ticks left per armed timer, message ages, early windows.
	{spec: "blink", check: "hand"},
	{spec: "blink", check: "hand_unordered"},
	{spec: "retx", check: "unordered"},
	{spec: "retx", check: "ordered"},
	{spec: "retx", check: "mixed"},
	{spec: "retx", check: "three"},
	{spec: "retx", check: "unordered", inbox: both(channel{ordered, 3, drop, true, true})},
	{spec: "retx", check: "ordered", inbox: both(channel{unordered, 3, block, true, true})},
	{spec: "race", check: "early"},
	{spec: timedPing, check: "counts_lossy"},
	{spec: timedPing, check: "late_ping_ordered"},
	{spec: timedRetx, check: "lossy"},
	{spec: timedRetx, check: "early"},
	{spec: timedRetx, check: "ageless"},
	// Lossless channels with a lifetime: the tick waits for the delivery of
	// a message of the last age (stuck: a delivery that cannot happen).
	{spec: timedPing, check: "counts_early"},
	{spec: timedStuck, check: "stuck"},
	{spec: "retx", check: "ordered", inbox: both(channel{ordered, 2, block, false, false})},
	{spec: "retx", check: "ordered", inbox: both(channel{unordered, 3, block, false, true})},
	{spec: "retx", check: "unordered", inbox: [2]*channel{{ordered, 2, drop, false, true}, {unordered, 2, drop, true, false}}},
	// tcp.yaml's checks made timed: a tick of 1s (retransmit is one tick),
	// MSL of one or two ticks (time_wait 2*MSL), segments living MSL.
	{spec: "tcp", check: "reliable", timed: &timing{tick: time.Second, msl: 2 * time.Second}},
	{spec: "tcp", check: "lossy", inbox: both(channel{unordered, 2, drop, true, false}),
		timed: &timing{tick: time.Second, msl: time.Second, early: map[string]time.Duration{"retransmit": time.Second}}},
	{spec: "tcp", check: "lossy", inbox: both(channel{ordered, 2, block, true, true}), timed: &timing{tick: time.Second, msl: 2 * time.Second}},
}

const (
	tcpUnsequenced = "../spec/testdata/tcp_unsequenced.yaml"
	reqresp        = "../examples/reqresp/reqresp.yaml"
	abp            = "../examples/abp/abp.yaml"
	twophase       = "../examples/twophase/twophase.yaml"
	broadcast      = "../modelcheck/testdata/broadcast.yaml"
	timedPing      = "../modelcheck/testdata/timed.yaml"
	timedRetx      = "../modelcheck/testdata/timed_retx.yaml"
	timedStuck     = "../modelcheck/testdata/timed_stuck.yaml"
)

// TestCounts runs fsmgen's checker and SPIN on every configuration of the
// matrix, without properties, and requires equal counts: SPIN's "states,
// stored" is fsmgen's distinct states, and its "transitions" (stored +
// matched) is fsmgen's transitions plus one, for the initial state. SPIN
// runs the model with its invariants and terminal states, ignoring both
// (pan -A -E): the model TestVerdicts runs, so that one compiled model
// serves both tests, and the assertions and end labels are shown to add
// no states.
func TestCounts(t *testing.T) {
	needSpin(t)
	for _, cf := range matrix {
		t.Run(cf.String(), func(t *testing.T) {
			t.Parallel()
			s, c := cf.build(t)
			fr := runFsmgen(t, s, CountingCheck(c))
			if !fr.Complete {
				t.Fatalf("fsmgen did not complete: %s", fr.StopReason)
			}
			sr := runSpin(t, s, withoutGoals(c), fr.States)
			t.Logf("fsmgen %9d states %10d transitions  depth %4d  %v", fr.States, fr.Transitions, fr.MaxDepth, fr.Elapsed.Round(time.Millisecond))
			t.Logf("spin   %9d states %10d transitions  depth %4d  %v (+ compile %v)", sr.States, sr.Transitions, sr.Depth, sr.Search.Round(time.Millisecond), sr.Compile.Round(time.Millisecond))
			if sr.Errors != 0 {
				t.Errorf("spin reported %d errors: %s", sr.Errors, sr.Error)
			}
			if sr.States != fr.States || sr.Transitions != fr.Transitions+1 {
				t.Errorf("counts differ: fsmgen %d states, %d transitions; spin %d states, %d transitions (expected %d)",
					fr.States, fr.Transitions, sr.States, sr.Transitions, fr.Transitions+1)
			}
		})
	}
}

// runFsmgen runs modelcheck on c with one worker, or as opts say.
func runFsmgen(t *testing.T, s *spec.Spec, c *spec.Check, opts ...modelcheck.Option) *modelcheck.Result {
	t.Helper()
	return fsmtest.Run(t, s, c, append([]modelcheck.Option{modelcheck.Workers(1)}, opts...)...)
}

// withoutGoals is c without its eventually goals, which a safety run of
// SPIN does not check (TestVerdicts leaves liveness to the TLA+ rendering).
func withoutGoals(c *spec.Check) *spec.Check {
	cc := *c
	cc.Eventually = nil
	return &cc
}

// runSpin runs SPIN to count states, its properties ignored, with a depth
// bound and hash table sized for about states states (a DFS is never
// deeper than twice the number of states: with terminal states declared,
// the jump after each action is a step of its own).
func runSpin(t *testing.T, s *spec.Spec, c *spec.Check, states uint64) *SpinResult {
	t.Helper()
	o := SpinOptions{MaxDepth: 2*int(states) + 10, HashBits: max(bits.Len64(states)+1, 10), NoAssertions: true, NoEndStates: true, Cache: pans}
	if states < 1_000_000 {
		o.Optimize = "-O0" // compiling pan.c with -O2 takes longer than the search saves
	}
	r, err := RunSpin(context.Background(), s, c, o)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete {
		t.Fatalf("spin's search was cut short:\n%s", r.Output)
	}
	return r
}

// TestLarge compares the two tools on large configurations: tcp.yaml's
// lossy_any with inboxes of capacity 5 (2,169,217 states), and the TCP
// pair without sequence numbers (the benchmarks' model, bench_test.go)
// over unordered lossy inboxes of capacity 6 with timeouts any, and its
// lossy check timed with an MSL of three ticks; it runs only with
// FSMGEN_CROSSCHECK_LARGE=1 and logs both tools' times.
func TestLarge(t *testing.T) {
	if os.Getenv("FSMGEN_CROSSCHECK_LARGE") != "1" {
		t.Skip("set FSMGEN_CROSSCHECK_LARGE=1 to run")
	}
	needSpin(t)
	for _, cf := range []config{
		{spec: "tcp", check: "lossy_any", inbox: both(channel{unordered, 5, drop, true, true})},
		{spec: tcpUnsequenced, check: "lossy", inbox: both(channel{unordered, 6, drop, true, false}), anyTimeouts: true},
		{spec: tcpUnsequenced, check: "lossy", timed: &timing{tick: time.Second, msl: 3 * time.Second}},
	} {
		s, c := cf.build(t)
		fr := runFsmgen(t, s, CountingCheck(c), modelcheck.Workers(2))
		sr := runSpin(t, s, withoutGoals(c), fr.States)
		t.Logf("%s", cf)
		t.Logf("fsmgen (2 workers) %d states %d transitions in %v", fr.States, fr.Transitions, fr.Elapsed.Round(time.Millisecond))
		t.Logf("spin               %d states %d transitions in %v (+ compile %v)", sr.States, sr.Transitions, sr.Search.Round(time.Millisecond), sr.Compile.Round(time.Millisecond))
		if sr.States != fr.States || sr.Transitions != fr.Transitions+1 {
			t.Errorf("%s: counts differ", cf)
		}
	}
}
