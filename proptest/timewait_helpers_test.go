package proptest

import (
	"fmt"
	"time"

	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/spec"
)

// CheckTimeWait runs h on a machine of the TCP spec s (any MSL) and checks
// that TIME_WAIT lasts exactly 2×MSL: the machine leaves TIME_WAIT on its
// timer exactly 2×MSL after it last entered TIME_WAIT or last received a
// retransmitted FIN (FIN or FIN_ACK) of its connection there (one in the
// window: its seq field is the machine's irs; another incarnation's FIN is
// dropped), it has left once that much time has passed, and the only other
// way out is ABORT (an RST is ignored, as RFC 1337 has it). It returns the
// first violation, or "".
func CheckTimeWait(s *spec.Spec, newM NewMachine, h History) string {
	var msl time.Duration
	for _, p := range s.Params {
		if p.Name == "MSL" {
			msl = p.Value
		}
	}
	twait := 2 * msl
	tw := s.State("TIME_WAIT").Index
	ev := func(name string) int {
		for _, e := range s.Events {
			if e.String() == name {
				return e.Index
			}
		}
		panic("proptest: the spec has no event " + name)
	}
	timeout, abort, fin, finAck := ev("timeout time_wait"), ev("ABORT"), ev("recv FIN"), ev("recv FIN_ACK")
	var irs *spec.Var
	for _, v := range s.Vars {
		if v.Name == "irs" {
			irs = v
		}
	}
	var m Machine
	// inWindow: the letter received belongs to the connection m is in.
	inWindow := func(l *spec.Letter) bool {
		seq, ok := l.Value("seq")
		return !ok || irs == nil || seq == irs.Get(m.Packed())
	}

	clock := fsm.NewFakeClock(Epoch)
	var since time.Time // when the current 2×MSL wait began
	var bad string
	fail := func(format string, args ...any) {
		if bad == "" {
			bad = fmt.Sprintf(format, args...)
		}
	}
	observe := func(t Transition) {
		in := s.Inputs[t.Event]
		name, ev := in.String(), in.Event.Index
		switch {
		case t.To == tw && t.From != tw:
			since = t.At
		case t.From == tw && t.To == tw && (ev == fin || ev == finAck) && inWindow(in.Letter):
			since = t.At
		case t.From == tw && t.To != tw && ev == timeout:
			if d := t.At.Sub(since); d != twait {
				fail("left TIME_WAIT on its timer %v after the wait began, want exactly 2×MSL = %v (MSL %v)", d, twait, msl)
			}
		case t.From == tw && t.To != tw && ev != abort:
			fail("left TIME_WAIT on %s (row %d) to %s: only the timer and ABORT may end it", name, t.Row, s.States[t.To].Name)
		}
	}
	m = newM(clock, observe)
	stateMask := s.Layout.StateMask()
	Run(s, m, clock, h, func(i int, st Step, _ error) {
		if int(m.Packed()&stateMask) == tw && clock.Now().Sub(since) >= twait {
			fail("still in TIME_WAIT after step %d (%s), %v after the wait began (2×MSL = %v)", i, st.GoString(), clock.Now().Sub(since), twait)
		}
	})
	return bad
}
