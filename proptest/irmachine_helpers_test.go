package proptest

import (
	"fmt"
	"time"

	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/modelcheck"
	"github.com/fsmgen/fsmgen/spec"
)

// NewIRMachine returns machines that run s through the model checker's IR
// interpreter with the generated Machine's timer semantics (fsm.Timers on
// the clock; a restarted timer, or one started while stopped, begins a new
// period; a timeout whose row leaves its timer armed runs it again). It
// stands in for the generated code of specs that are not generated, such as
// the deliberately broken copies of tcp.yaml, and for any param values.
func NewIRMachine(s *spec.Spec) NewMachine {
	step, err := modelcheck.Interpreter(s.Machine)
	if err != nil {
		panic(fmt.Sprintf("proptest: %v", err)) // s is a validated spec
	}
	return func(clock fsm.Clock, observe func(Transition)) Machine {
		m := &irMachine{s: s, step: step, clock: clock, observe: observe, snap: s.InitialSnapshot()}
		if clock != nil {
			after := make([]time.Duration, len(s.Timers))
			for i, t := range s.Timers {
				after[i] = t.After
			}
			m.timers = fsm.NewTimers(clock, after, m.expire)
		}
		return m
	}
}

type irMachine struct {
	s       *spec.Spec
	step    modelcheck.StepFunc
	clock   fsm.Clock
	timers  *fsm.Timers
	observe func(Transition)
	snap    uint64
}

func (m *irMachine) Packed() uint64 { return m.snap }

func (m *irMachine) armed(snap uint64) uint64 {
	return snap & m.s.Layout.TimerBits() >> m.s.Layout.TimerOffset
}

// errRejected is what the IR machine returns for a rejected call.
var errRejected = fmt.Errorf("proptest: %w", fsm.ErrRejected)

func (m *irMachine) Fire(e int) error {
	prev := m.snap
	next, _, row, ok := m.step(prev, e, nil)
	if !ok {
		return errRejected
	}
	m.snap = next
	if m.timers != nil {
		var start, stop, restart uint64
		if row >= 0 {
			r := m.s.Rows[row]
			for _, t := range r.Start {
				start |= 1 << t.Index
			}
			for _, t := range r.Stop {
				stop |= 1 << t.Index
			}
			for _, t := range r.Restart {
				restart |= 1 << t.Index
			}
		}
		pt, nt := m.armed(prev), m.armed(next)
		if nt != pt || start|restart != 0 {
			m.timers.Apply(nt, restart|start&^(pt&^stop))
		}
	}
	if row < 0 {
		return nil
	}
	if m.observe != nil {
		var at time.Time
		if m.clock != nil {
			at = m.clock.Now()
		}
		stateMask := m.s.Layout.StateMask()
		m.observe(Transition{From: int(prev & stateMask), Event: e, To: int(next & stateMask), Row: row, At: at})
	}
	if m.s.Rows[row].Error != "" {
		return fmt.Errorf("proptest: %s: %w", m.s.Rows[row].Error, fsm.ErrReported)
	}
	return nil
}

func (m *irMachine) expire(i int) {
	if !m.timers.Expired(i) || m.armed(m.snap)&(1<<i) == 0 {
		return
	}
	_ = m.Fire(len(m.s.Inputs) - len(m.s.Timers) + i)
	m.timers.Apply(m.armed(m.snap), 0)
}
