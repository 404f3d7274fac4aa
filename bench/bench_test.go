// Package bench compares the generated TCP machine with peer state-machine
// libraries on the same event sequence. It is its own module so that the
// peers stay out of fsmgen's go.mod.
package bench

import (
	"context"
	"testing"

	looplab "github.com/looplab/fsm"
	"github.com/qmuntal/stateless"

	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/tcp"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// seq is two full active opens and data-less closes, CLOSED to CLOSED: each
// event is one transition. Each open takes the next ISN (0, then 2: false,
// then true), and the peer's segments acknowledge it; after both the
// snapshot is the initial one again.
var seq = append(closeSeq(false), closeSeq(true)...)

// closeSeq opens actively with ISN n against a peer with the other ISN.
func closeSeq(n bool) []tcp.Event {
	p := !n
	return []tcp.Event{
		tcp.CallActiveOpen,              // CLOSED -> SYN_SENT
		tcp.RecvEvent(tcp.SynAck(p, n)), // -> ESTABLISHED
		tcp.CallClose,                   // -> FIN_WAIT_1
		tcp.RecvEvent(tcp.AckFin(p, n)), // -> FIN_WAIT_2
		tcp.RecvEvent(tcp.Fin(p, n)),    // -> TIME_WAIT
		tcp.TimeoutTimeWait,             // -> CLOSED
	}
}

// names are the events as the peers' tables call them: a receipt by its
// message ("recv SYN_ACK"), since the peers carry no field values.
var names = func() []string {
	out := make([]string, len(seq))
	for i, e := range seq {
		out[i] = e.String()
		if m, ok := e.Message(); ok {
			out[i] = "recv " + m.Kind().String()
		}
	}
	return out
}()

var (
	sinkSnap tcp.Snapshot
	sinkInt  int
)

// Every benchmark here loops over b.N rather than b.Loop: b.Loop keeps each
// value assigned in its body alive by storing it to the stack, and reloading
// the Snapshot from those byte stores costs a store-forwarding stall (about
// 10 ns per step here) that measures the harness, not the code. The
// loops consume every result themselves instead, and all benchmarks use the
// same loop, the peers included.

// BenchmarkStep calls Step as a caller does: the snapshot it returns (state,
// variables and timers) is the next step's input, the row and the error are
// consumed, and the events come from a slice, so nothing can be hoisted or
// left out. The Snapshot stays in registers from one step to the next
// (fsmtest.InRegisters), and Step is small enough to be inlined here.
func BenchmarkStep(b *testing.B) {
	s := tcp.Initial()
	rows, fails, j := 0, 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n, fx, err := tcp.Step(s, seq[j])
		if err != nil {
			fails++ // no call here: it would make the loop spill s
		}
		s, rows = n, rows+fx.Row
		if j++; j == len(seq) {
			j = 0
		}
	}
	if fails > 0 {
		b.Fatalf("%d steps failed", fails)
	}
	sinkSnap, sinkInt = s, rows
}

// BenchmarkStepEffects also reads every effect: the messages to send, the
// timer actions and the error text (informational).
func BenchmarkStepEffects(b *testing.B) {
	s := tcp.Initial()
	sum, fails, j := 0, 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		n, fx, err := tcp.Step(s, seq[j])
		if err != nil {
			fails++
		}
		for _, m := range fx.Sent() {
			sum += int(m)
		}
		sum += fx.Row + int(fx.Stop()|fx.Start()|fx.Restart()) + len(fx.ErrorText())
		s = n
		if j++; j == len(seq) {
			j = 0
		}
	}
	if fails > 0 {
		b.Fatalf("%d steps failed", fails)
	}
	sinkSnap, sinkInt = s, sum
}

// BenchmarkMachine calls Machine.Fire directly, as the peers' loops call
// theirs; the hook counts the transitions.
func BenchmarkMachine(b *testing.B) {
	n := 0
	m := tcp.New(tcp.OnTransition(func(tcp.Transition) { n++ }))
	j := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := m.Fire(seq[j]); err != nil {
			b.Fatal(err)
		}
		if j++; j == len(seq) {
			j = 0
		}
	}
	if n != b.N {
		b.Fatalf("%d transitions in %d steps", n, b.N)
	}
	sinkInt = n
}

// BenchmarkMachineFakeClock also runs the timers (on a fake clock).
func BenchmarkMachineFakeClock(b *testing.B) {
	n := 0
	m := tcp.New(tcp.WithClock(fsm.NewFakeClock(fsm.SystemClock.Now())), tcp.OnTransition(func(tcp.Transition) { n++ }))
	benchMachine(b, m.Fire)
	sinkInt = n
}

// BenchmarkSyncMachine adds the mutex of the concurrency-safe wrapper.
func BenchmarkSyncMachine(b *testing.B) {
	n := 0
	m := tcp.NewSync(tcp.OnTransition(func(tcp.Transition) { n++ }))
	benchMachine(b, m.Fire)
	sinkInt = n
}

// benchMachine runs the informational Machine variants through a func value.
func benchMachine(b *testing.B, fire func(tcp.Event) error) {
	j := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := fire(seq[j]); err != nil {
			b.Fatal(err)
		}
		if j++; j == len(seq) {
			j = 0
		}
	}
}

// table is the TCP transition table from the spec, without actions. The
// peers have no variables and their events no fields, so of the rows that
// guards tell apart the table keeps those for segments of the connection
// (every field equal to the ISN it names, both ISNs false) and a passive open:
// the rows seq takes.
type edge struct{ from, event, to string }

func table(tb testing.TB) []edge {
	s := spectest.TCP(tb)
	var out []edge
	for _, r := range s.Rows {
		if r.Guard != nil && spec.Eval(r.Guard, inSequence{}) == 0 {
			continue
		}
		for _, from := range r.From {
			for _, e := range r.On {
				out = append(out, edge{from.Name, e.String(), r.Target(from).Name})
			}
		}
	}
	return out
}

// inSequence evaluates guards for a segment of the connection: iss, irs
// and every field false, passive true.
type inSequence struct{}

func (inSequence) Var(_ int, v *spec.Var) int   { return b2i(v.Name == "passive") }
func (inSequence) State(int) int                { return 0 }
func (inSequence) Armed(int, *spec.Timer) bool  { return false }
func (inSequence) Count(int, *spec.Message) int { return 0 }
func (inSequence) Msg(string) int               { return 0 }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func newLooplab(tb testing.TB) *looplab.FSM {
	var events []looplab.EventDesc
	for _, e := range table(tb) {
		events = append(events, looplab.EventDesc{Name: e.event, Src: []string{e.from}, Dst: e.to})
	}
	n := 0
	return looplab.NewFSM("CLOSED", events, looplab.Callbacks{
		"enter_state": func(context.Context, *looplab.Event) { n++ },
	})
}

func BenchmarkLooplab(b *testing.B) {
	f := newLooplab(b)
	ctx := context.Background()
	j := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := f.Event(ctx, names[j]); err != nil {
			b.Fatal(err)
		}
		if j++; j == len(seq) {
			j = 0
		}
	}
}

func newStateless(tb testing.TB) *stateless.StateMachine {
	sm := stateless.NewStateMachineWithMode("CLOSED", stateless.FiringImmediate)
	n := 0
	for _, e := range table(tb) {
		c := sm.Configure(e.from)
		if e.from == e.to {
			c.PermitReentry(e.event)
		} else {
			c.Permit(e.event, e.to)
		}
	}
	sm.OnTransitioned(func(context.Context, stateless.Transition) { n++ })
	return sm
}

func BenchmarkStateless(b *testing.B) {
	sm := newStateless(b)
	j := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := sm.Fire(names[j]); err != nil {
			b.Fatal(err)
		}
		if j++; j == len(seq) {
			j = 0
		}
	}
}

// TestSameSequence checks that every implementation walks the sequence
// CLOSED to CLOSED through the same states.
func TestSameSequence(t *testing.T) {
	m := tcp.New()
	f := newLooplab(t)
	sm := newStateless(t)
	for i, e := range seq {
		if err := m.Fire(e); err != nil {
			t.Fatal(err)
		}
		if err := f.Event(context.Background(), names[i]); err != nil {
			t.Fatal(err)
		}
		if err := sm.Fire(names[i]); err != nil {
			t.Fatal(err)
		}
		st, _ := sm.State(context.Background())
		if want := m.State().String(); f.Current() != want || st != want {
			t.Fatalf("after %v: generated %s, looplab %s, stateless %v", e, want, f.Current(), st)
		}
	}
	if m.State() != tcp.StateClosed {
		t.Fatalf("ends in %v", m.State())
	}
}

// TestZeroAllocs is the allocation half of the performance bar (the time
// half is measured by the benchmarks, never asserted).
func TestZeroAllocs(t *testing.T) {
	s := tcp.Initial()
	if a := testing.AllocsPerRun(1000, func() {
		for _, e := range seq {
			s, _, _ = tcp.Step(s, e)
		}
	}); a != 0 {
		t.Errorf("Step: %v allocs per sequence", a)
	}
	n := 0
	for _, m := range []*tcp.Machine{
		tcp.New(tcp.OnTransition(func(tcp.Transition) { n++ })),
		tcp.New(tcp.WithClock(fsm.NewFakeClock(fsm.SystemClock.Now())), tcp.OnTransition(func(tcp.Transition) { n++ })),
	} {
		_ = m.Fire(seq[0]) // the first arming of a timer creates it
		_ = m.Fire(seq[1])
		if a := testing.AllocsPerRun(1000, func() {
			for _, e := range seq {
				_ = m.Fire(e)
			}
		}); a != 0 {
			t.Errorf("Machine.Fire: %v allocs per sequence", a)
		}
	}
}

// BenchmarkBaselineCall is the floor on this machine: the same loop calling
// a function that does nothing but a table lookup (not inlined).
func BenchmarkBaselineCall(b *testing.B) {
	s := tcp.Initial()
	j := 0
	b.ResetTimer()
	for range b.N {
		s = baseline(s, seq[j])
		if j++; j == len(seq) {
			j = 0
		}
	}
	sinkSnap = s
}

var baselineTable = [tcp.NumStates][tcp.NumEvents]tcp.State{}

//go:noinline
func baseline(s tcp.Snapshot, e tcp.Event) tcp.Snapshot {
	if s.State < tcp.NumStates && e < tcp.NumEvents {
		s.State = baselineTable[s.State][e]
	}
	return s
}
