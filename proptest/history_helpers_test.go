package proptest

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"

	"github.com/fsmgen/fsmgen/fsm"
	"github.com/fsmgen/fsmgen/spec"
)

// StepKind says what one step of a history does.
type StepKind uint8

const (
	CallStep    StepKind = iota // the user makes a call
	RecvStep                    // a message arrives
	AdvanceStep                 // the clock moves on by D, firing the timers that come due
	NextStep                    // the clock moves on to the next timer deadline, firing it
)

// Step is one step of a history. Name is a call as the spec writes it, or
// the letter received as it prints: the message with its field values,
// "SYN_ACK(seq=0, ack=1)", or a message without fields by its name.
type Step struct {
	Kind StepKind
	Name string
	D    time.Duration
}

// Call, Recv, Advance and Next build steps; a failing property prints its
// history with them, ready to paste into a regression test.
func Call(name string) Step        { return Step{Kind: CallStep, Name: name} }
func Recv(name string) Step        { return Step{Kind: RecvStep, Name: name} }
func Advance(d time.Duration) Step { return Step{Kind: AdvanceStep, D: d} }
func Next() Step                   { return Step{Kind: NextStep} }
func (st Step) String() string     { return st.GoString() }
func (h History) String() string   { return h.GoString() }

// History is a sequence of steps applied to a machine on a fake clock.
type History []Step

// GoString renders the step as the Go expression that builds it.
func (st Step) GoString() string {
	switch st.Kind {
	case CallStep:
		return fmt.Sprintf("proptest.Call(%q)", st.Name)
	case RecvStep:
		return fmt.Sprintf("proptest.Recv(%q)", st.Name)
	case AdvanceStep:
		return "proptest.Advance(" + goDuration(st.D) + ")"
	}
	return "proptest.Next()"
}

// GoString renders the history as a Go literal, one step per line.
func (h History) GoString() string {
	var b strings.Builder
	b.WriteString("proptest.History{\n")
	for _, st := range h {
		b.WriteString("\t" + st.GoString() + ",\n")
	}
	b.WriteString("}")
	return b.String()
}

// goDuration writes d as a Go constant expression: 4*time.Minute, 1500*time.Millisecond.
func goDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "time.Hour"}, {time.Minute, "time.Minute"}, {time.Second, "time.Second"}, {time.Millisecond, "time.Millisecond"}, {time.Microsecond, "time.Microsecond"}} {
		if d%u.d == 0 {
			if d == u.d {
				return u.name
			}
			return fmt.Sprintf("%d*%s", d/u.d, u.name)
		}
	}
	return fmt.Sprintf("%d*time.Nanosecond", int64(d))
}

// inputIndex returns the index in s.Inputs of a call or receipt step, or -1.
func inputIndex(s *spec.Spec, st Step) int {
	for _, in := range s.Inputs {
		e := in.Event
		if st.Kind == CallStep && e.Kind == spec.CallEvent && e.Name() == st.Name ||
			st.Kind == RecvStep && e.Kind == spec.MessageEvent && in.Letter.String() == st.Name {
			return in.Index
		}
	}
	return -1
}

// Transition is a row that fired in a machine under test, with the fake
// time it fired at. Event is the input's index in spec.Inputs.
type Transition struct {
	From, Event, To, Row int
	At                   time.Time
}

// Machine is a machine under test seen through spec indexes: a generated
// Machine behind an adapter, or the IR machine of NewIRMachine.
type Machine interface {
	// Fire applies the input with index e in spec.Inputs (a call, the
	// receipt of one letter, an expiry; without message fields the events).
	Fire(e int) error
	// Packed returns the snapshot in the layout of spec.Layout.
	Packed() uint64
}

// NewMachine makes a machine in its initial snapshot whose timers run on
// clock and which calls observe after each row that fires.
type NewMachine func(clock fsm.Clock, observe func(Transition)) Machine

// Epoch is the fake clock's start.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Run applies h to m on clock. Every step's error is passed to each,
// together with the step; unknown names are skipped.
func Run(s *spec.Spec, m Machine, clock *fsm.FakeClock, h History, each func(i int, st Step, err error)) {
	for i, st := range h {
		var err error
		switch st.Kind {
		case CallStep, RecvStep:
			e := inputIndex(s, st)
			if e < 0 {
				continue
			}
			err = m.Fire(e)
		case AdvanceStep:
			clock.Advance(st.D)
		case NextStep:
			if p := clock.Pending(); len(p) > 0 {
				clock.Advance(p[0].Sub(clock.Now()))
			}
		}
		if each != nil {
			each(i, st, err)
		}
	}
}

// HistoryGen generates histories for the machine of spec S. It walks the
// machine as it generates (on the IR machine, with the same clock), so that
// most steps are events the current state handles and the walk goes deep;
// the rest are arbitrary calls and messages, clock advances of random
// length (around Scale, the longest timer period, most often) and moves to
// the next timer deadline. Histories shrink by dropping steps and
// shortening advances.
type HistoryGen struct {
	S *spec.Spec
}

// Gen is the gopter generator of History values.
func (hg HistoryGen) Gen() gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		return gopter.NewGenResult(hg.New(p.Rng, 1+p.MaxSize/2+p.Rng.Intn(p.MaxSize/2+1)), gen.SliceShrinker(shrinkStep))
	}
}

// New generates one history of n steps.
func (hg HistoryGen) New(r *rand.Rand, n int) History {
	s := hg.S
	clock := fsm.NewFakeClock(Epoch)
	m := NewIRMachine(s)(clock, nil)
	var scale time.Duration = time.Second
	for _, t := range s.Timers {
		scale = max(scale, t.After)
	}
	var events []int // calls and receipts, as indexes in s.Inputs
	for _, in := range s.Inputs {
		if in.Event.Kind != spec.TimerEvent {
			events = append(events, in.Index)
		}
	}
	stepOf := func(e int) Step {
		in := s.Inputs[e]
		if in.Event.Kind == spec.CallEvent {
			return Call(in.Event.Name())
		}
		return Recv(in.Letter.String())
	}
	h := make(History, 0, n)
	visits := make([]int, len(s.States))
	for len(h) < n {
		snap := m.Packed()
		st := int(snap & s.Layout.StateMask())
		visits[st]++
		var handled, moving []int
		var weights []float64 // of moving: rarely visited targets first
		total := 0.0
		for _, e := range events {
			rows := s.Table[st][s.Inputs[e].Event.Index]
			if len(rows) > 0 {
				handled = append(handled, e)
				for _, row := range rows {
					if row.To != nil && row.To.Index != st {
						moving = append(moving, e)
						w := 1 / float64(1+visits[row.To.Index])
						weights = append(weights, w)
						total += w
						break
					}
				}
			}
		}
		var step Step
		switch x := r.Intn(100); {
		case x < 40 && len(moving) > 0:
			k, y := 0, r.Float64()*total
			for k < len(moving)-1 && y >= weights[k] {
				y -= weights[k]
				k++
			}
			step = stepOf(moving[k])
		case x < 65 && len(handled) > 0:
			step = stepOf(pick(r, handled))
		case x < 75 && len(events) > 0:
			step = stepOf(pick(r, events))
		case x < 90:
			step = Advance(randomDuration(r, scale))
		default:
			step = Next()
		}
		h = append(h, step)
		Run(s, m, clock, History{step}, nil)
	}
	return h
}

// randomDuration is 0, a few milliseconds, around scale or its half, or anything up to 1.5×scale.
func randomDuration(r *rand.Rand, scale time.Duration) time.Duration {
	switch r.Intn(6) {
	case 0:
		return time.Duration(r.Intn(1000)) * time.Millisecond
	case 1:
		return scale + time.Duration(r.Intn(3)-1)
	case 2:
		return scale/2 + time.Duration(r.Intn(3)-1)*time.Second
	case 3:
		return time.Duration(r.Int63n(int64(scale)/int64(time.Second)*3/2)) * time.Second
	}
	return time.Duration(r.Int63n(int64(scale)*3/2 + 1))
}

// shrinkStep shortens an advance: to whole minutes, seconds or milliseconds, or by half.
func shrinkStep(v any) gopter.Shrink {
	st := v.(Step)
	var cands []Step
	if st.Kind == AdvanceStep && st.D > 0 {
		seen := map[time.Duration]bool{st.D: true}
		for _, d := range []time.Duration{st.D.Truncate(time.Minute), st.D.Truncate(time.Second), st.D.Truncate(time.Millisecond), st.D / 2, 0} {
			if !seen[d] {
				seen[d] = true
				cands = append(cands, Advance(d))
			}
		}
	}
	return shrinkTo(cands)
}

// shrinkTo offers the candidates in order: a gopter.Shrink over a slice.
func shrinkTo[T any](cands []T) gopter.Shrink {
	i := 0
	return func() (any, bool) {
		if i >= len(cands) {
			return nil, false
		}
		i++
		return cands[i-1], true
	}
}
