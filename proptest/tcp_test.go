package proptest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/fsm/fsmtest"
	"github.com/fsmgen/fsmgen/fsm/tcp"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// stepCase is one (packed snapshot, input) pair.
type stepCase struct {
	Snap  uint64
	Event int
	Name  string // the event, for the failure message
}

func (c stepCase) String() string {
	return fmt.Sprintf("stepCase{Snap: %#x, Event: %d} // %s", c.Snap, c.Event, c.Name)
}

// snapGen generates valid packed snapshots of s with an event.
func snapGen(s *spec.Spec) gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		r := p.Rng
		snap := uint64(r.Intn(len(s.States)))
		for _, v := range s.Vars {
			snap |= uint64(r.Intn(v.Size())) << v.Offset
		}
		snap |= uint64(r.Int63n(1<<len(s.Timers))) << s.Layout.TimerOffset
		e := r.Intn(len(s.Inputs))
		return gopter.NewGenResult(stepCase{snap, e, s.Inputs[e].String()}, gopter.NoShrinker)
	}
}

// TestTCPStepMatchesSpec: fsm/tcp's Packed.Step and Step agree with the IR
// interpreter on random snapshots and events, the unhandled policy included.
func TestTCPStepMatchesSpec(t *testing.T) {
	s := spectest.TCP(t)
	ir, err := modelcheck.Interpreter(s.Machine)
	if err != nil {
		t.Fatal(err)
	}
	props := gopter.NewProperties(params(t, 5000))
	props.Property("Packed.Step == IR interpreter", prop.ForAll(func(c stepCase) string {
		return fsmtest.CompareStep(ir, tcp.Packed.Step, c.Snap, c.Event)
	}, snapGen(s)))
	props.Property("Step == IR interpreter", prop.ForAll(func(c stepCase) string {
		n, fx, err := tcp.Step(tcp.Packed.Unpack(c.Snap), tcp.Event(c.Event))
		got := fsmtest.StepOutcome{Next: tcp.Packed.Pack(n), Row: fx.Row, Error: fx.ErrorText(), Rejected: errors.Is(err, tcp.ErrRejected)}
		for _, m := range append(fx.Sent(), fx.Replied()...) {
			got.Sends = append(got.Sends, uint8(m))
		}
		if err != nil && !got.Rejected && !errors.Is(err, tcp.ErrReported) {
			return fmt.Sprintf("Step returned %v", err)
		}
		return fsmtest.CompareFullStep(s.Machine, ir, c.Snap, c.Event, got)
	}, snapGen(s)))
	props.TestingRun(t)
}

// TestTCPRejectedChangesNothing: on fsm/tcp, an event that the state does
// not accept returns an error wrapping ErrRejected and leaves the
// snapshot and the timers' deadlines as they were; a message is never
// rejected; no history makes the Machine panic (gopter reports a panic as
// an error).
func TestTCPRejectedChangesNothing(t *testing.T) {
	s := spectest.TCP(t)
	props := gopter.NewProperties(params(t, 2000))
	props.Property("rejected events change nothing", prop.ForAll(func(h History) string {
		clock := fsm.NewFakeClock(Epoch)
		m := tcp.New(tcp.WithClock(clock))
		deadlines := func() []time.Time {
			var out []time.Time
			for tm := tcp.Timer(0); tm < tcp.NumTimers; tm++ {
				d, _ := m.Deadline(tm)
				out = append(out, d)
			}
			return append(out, clock.Pending()...)
		}
		for i, st := range h {
			e := inputIndex(s, st)
			if e < 0 {
				Run(s, tcpMachine{m}, clock, History{st}, nil)
				continue
			}
			before, dl, can := m.Snapshot(), deadlines(), m.Can(tcp.Event(e))
			err := m.Fire(tcp.Event(e))
			rejected := errors.Is(err, tcp.ErrRejected)
			var re *tcp.RejectedError
			switch {
			case err != nil && !rejected && !errors.Is(err, tcp.ErrReported):
				return fmt.Sprintf("step %d (%s): error %v wraps neither ErrRejected nor ErrReported", i, st.GoString(), err)
			case rejected && (can || st.Kind == RecvStep):
				return fmt.Sprintf("step %d (%s): rejected in %v, but the spec accepts it", i, st.GoString(), before)
			case !rejected && !can && st.Kind == CallStep && s.Unhandled.Calls == spec.RejectCall && !errors.Is(err, tcp.ErrReported):
				return fmt.Sprintf("step %d (%s): accepted in %v, but no row handles it and unhandled calls are rejected", i, st.GoString(), before)
			case rejected && (!errors.As(err, &re) || re.State() != before.State || re.Event() != tcp.Event(e)):
				return fmt.Sprintf("step %d (%s): the rejection %v does not name state %v and the event", i, st.GoString(), err, before.State)
			case rejected && m.Snapshot() != before:
				return fmt.Sprintf("step %d (%s): rejected, but the snapshot went from %v to %v", i, st.GoString(), before, m.Snapshot())
			case rejected && !slices.Equal(deadlines(), dl):
				return fmt.Sprintf("step %d (%s): rejected, but the timers changed from %v to %v", i, st.GoString(), dl, deadlines())
			}
		}
		return ""
	}, HistoryGen{S: s}.Gen()))
	props.TestingRun(t)
}

// hygieneClock is a fake clock that tells a hook before and after each callback.
type hygieneClock struct {
	*fsm.FakeClock
	around func(f func())
}

func (c *hygieneClock) AfterFunc(d time.Duration, f func()) fsm.Timer {
	return c.FakeClock.AfterFunc(d, func() { c.around(f) })
}

// CheckTimerHygiene runs h on fsm/tcp and checks that in CLOSED no timer is
// armed (in the snapshot or on the clock), that a timer fires only in a
// state that handles it, and that it fires only while armed, a whole
// number of periods after it was last armed afresh (so a stopped timer
// never fires later).
func CheckTimerHygiene(s *spec.Spec, h History) string {
	clock := &hygieneClock{FakeClock: fsm.NewFakeClock(Epoch)}
	var bad string
	fail := func(format string, args ...any) {
		if bad == "" {
			bad = fmt.Sprintf(format, args...)
		}
	}
	armedAt := make([]time.Time, len(s.Timers))
	var m *tcp.Machine
	var fired []tcp.Transition // transitions seen during the current callback
	inCallback := false
	// update records fresh armings after a step that moved prev to next by row.
	update := func(prev, next tcp.Snapshot, row int) {
		for i, t := range s.Timers {
			bit := tcp.Timer(i)
			fresh := !prev.Timers.Has(bit) && next.Timers.Has(bit)
			if row >= 0 && slices.Contains(s.Rows[row].Restart, t) {
				fresh = true
			}
			if fresh {
				armedAt[i] = clock.Now()
			}
		}
	}
	clock.around = func(f func()) {
		before := m.Snapshot()
		fired, inCallback = nil, true
		f()
		inCallback = false
		after := m.Snapshot()
		now := clock.Now()
		for i := range s.Timers {
			tm := tcp.Timer(i)
			ev := int(tcp.TimeoutEvent(tm))
			var tr *tcp.Transition
			for k := range fired {
				if int(fired[k].Event) == ev {
					tr = &fired[k]
				}
			}
			expired := tr != nil || (before.Timers.Has(tm) && !after.Timers.Has(tm) && before.State == after.State)
			if !expired {
				continue
			}
			if !before.Timers.Has(tm) {
				fail("timer %s fired while disarmed, in %v", s.Timers[i].Name, before)
			}
			if len(s.Table[before.State][s.Inputs[ev].Event.Index]) == 0 {
				fail("timer %s fired in %v, a state that does not handle it", s.Timers[i].Name, before.State)
			}
			if d, p := now.Sub(armedAt[i]), s.Timers[i].After; d <= 0 || d%p != 0 {
				fail("timer %s fired %v after it was armed, not a whole number of periods of %v", s.Timers[i].Name, d, p)
			}
			row := -1
			if tr != nil {
				row = tr.Row
			}
			update(before, after, row)
			if after.Timers.Has(tm) {
				armedAt[i] = now // still armed: the Machine runs it again, a period from now
			}
		}
	}
	m = tcp.New(tcp.WithClock(clock), tcp.OnTransition(func(t tcp.Transition) {
		if inCallback {
			fired = append(fired, t)
		}
	}))
	check := func(i int, st Step) {
		snap := m.Snapshot()
		if snap.State != tcp.StateClosed {
			return
		}
		if snap.Timers != 0 {
			fail("after step %d (%s): in CLOSED with timers armed: %v", i, st.GoString(), snap)
		}
		for tm := tcp.Timer(0); tm < tcp.NumTimers; tm++ {
			if d, ok := m.Deadline(tm); ok {
				fail("after step %d (%s): in CLOSED with timer %v running on the clock until %v", i, st.GoString(), tm, d.Sub(Epoch))
			}
		}
	}
	for i, st := range h {
		if e := inputIndex(s, st); e >= 0 {
			prev := m.Snapshot()
			_ = m.Fire(tcp.Event(e))
			_, _, row, _ := tcp.Packed.Step(tcp.Packed.Pack(prev), e, nil) // the row that fired, or -1
			update(prev, m.Snapshot(), row)
		} else {
			Run(s, tcpMachine{m}, clock.FakeClock, History{st}, nil)
		}
		check(i, st)
	}
	return bad
}

// TestTCPTimerHygiene checks CheckTimerHygiene on random histories.
func TestTCPTimerHygiene(t *testing.T) {
	s := spectest.TCP(t)
	props := gopter.NewProperties(params(t, 2000))
	props.Property("timer hygiene (fsm/tcp)", prop.ForAll(func(h History) string { return CheckTimerHygiene(s, h) }, HistoryGen{S: s}.Gen()))
	props.TestingRun(t)
}
