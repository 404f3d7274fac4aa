package fsm

import (
	"sync"
	"time"
)

// Transition describes a row that fired, for OnTransition hooks.
type Transition[St, E Enum] struct {
	From  St
	Event E
	To    St
	Row   int // index in Transitions
}

// TypedStep is the type of a generated package's Step (Packed.Step is
// its form over packed snapshots, for the model checker).
type TypedStep[S comparable, E, M Enum, TS Set] func(S, E) (S, Effects[M, TS], error)

// Machine runs a generated machine for embedding: it keeps a Snapshot,
// applies events with the generated Step, runs the timers on a clock and
// calls hooks for the messages to send, the transitions taken and the errors
// reported. The generated package names it Machine and makes it with New.
//
// A Machine is not safe for concurrent use. Use it from one goroutine, with
// no clock (timers are tracked in the snapshot and you fire their timeouts)
// or a clock whose callbacks run on that goroutine, such as FakeClock, whose
// Advance runs them. With SystemClock, timers expire on other goroutines:
// use SyncMachine.
//
// Hooks run after the snapshot has changed, on the goroutine that fired the
// event: OnTransition, then OnSend per message sent, then OnReply per
// message replied, then OnError. A hook may
// fire events on other machines; firing on the same Machine from a hook is
// allowed but nests the second step inside the first one's hooks.
type Machine[S comparable, St, E, M, T Enum, TS Set] struct {
	snap         S    // the snapshot, when fresh
	fresh        bool // snap is the current snapshot
	table        bool // steps are looked up in the generated table, from idx
	idx          uint // with table: the snapshot's column (fsm.Cells)
	state        St   // the snapshot's control state
	armed        TS   // the snapshot's armed timers
	firstTimeout uint // the first timeout event (Spec.FirstTimeout)
	numTimers    uint
	def          *Def[S, St, E, M, T, TS]
	step         TypedStep[S, E, M, TS]
	look         lookup[M, TS] // with table: the Def's table
	timers       *Timers       // nil without a clock
	lock         sync.Locker   // set by SyncMachine; timer expiries take it
	onSend       func(M)
	onReply      func(M)
	onTransition func(Transition[St, E])
	onError      func(error)
}

// lookup is a Def's table as a Machine reads it (see Def.Fill).
type lookup[M Enum, TS Set] struct {
	cells   []uint64 // Machine's copy, in its own layout (mcRow and on)
	outs    []Outcome[M, TS]
	columns uint   // a column's bits
	column  uint64 // the mask of the next column in a cell
	state   uint64 // the mask of the next state in a column
	events  uint
}

// Option configures a Machine or SyncMachine.
type Option[S comparable, St, E, M, T Enum, TS Set] func(*config[S, St, E, M, T, TS])

// config collects the options.
type config[S comparable, St, E, M, T Enum, TS Set] struct {
	clock        Clock
	snap         *S
	after        []time.Duration
	onSend       func(M)
	onReply      func(M)
	onTransition func(Transition[St, E])
	onError      func(error)
}

// WithClock runs the machine's timers on clock: arming a timer schedules its
// timeout event. Without it, timers are only tracked in the snapshot.
func (d *Def[S, St, E, M, T, TS]) WithClock(clock Clock) Option[S, St, E, M, T, TS] {
	return func(c *config[S, St, E, M, T, TS]) { c.clock = clock }
}

// WithSnapshot starts the machine from s instead of the initial snapshot;
// its armed timers start a full period when there is a clock.
func (d *Def[S, St, E, M, T, TS]) WithSnapshot(s S) Option[S, St, E, M, T, TS] {
	return func(c *config[S, St, E, M, T, TS]) { c.snap = &s }
}

// WithTimerDuration makes timer t run for dur instead of its spec duration,
// e.g. to shorten TIME_WAIT in a demonstration. A duration that is not
// positive, or a timer out of range, is ignored.
func (d *Def[S, St, E, M, T, TS]) WithTimerDuration(t T, dur time.Duration) Option[S, St, E, M, T, TS] {
	return func(c *config[S, St, E, M, T, TS]) {
		if int(t) < len(c.after) && dur > 0 {
			c.after[t] = dur
		}
	}
}

// OnSend sets the hook that sends a message to the peer. It is called once
// per message, in order.
func (d *Def[S, St, E, M, T, TS]) OnSend(f func(M)) Option[S, St, E, M, T, TS] {
	return func(c *config[S, St, E, M, T, TS]) { c.onSend = f }
}

// OnReply sets the hook that sends a message back to the sender of the
// message received (a row's reply, or the unhandled policy's). It is
// called once per message, in order, after OnSend's. Without it, replies
// go to OnSend: with two peers, the sender is the peer.
func (d *Def[S, St, E, M, T, TS]) OnReply(f func(M)) Option[S, St, E, M, T, TS] {
	return func(c *config[S, St, E, M, T, TS]) { c.onReply = f }
}

// OnTransition sets the hook called after each transition row fires.
func (d *Def[S, St, E, M, T, TS]) OnTransition(f func(Transition[St, E])) Option[S, St, E, M, T, TS] {
	return func(c *config[S, St, E, M, T, TS]) { c.onTransition = f }
}

// OnError sets the hook called with the *ReportedError of every message or
// timeout transition that reports one; timeouts have no caller to return it
// to. Failed calls are only returned.
func (d *Def[S, St, E, M, T, TS]) OnError(f func(error)) Option[S, St, E, M, T, TS] {
	return func(c *config[S, St, E, M, T, TS]) { c.onError = f }
}

// New returns a Machine that runs step, the generated Step of d's machine,
// in the initial snapshot.
func (d *Def[S, St, E, M, T, TS]) New(step TypedStep[S, E, M, TS], opts ...Option[S, St, E, M, T, TS]) *Machine[S, St, E, M, T, TS] {
	m := new(Machine[S, St, E, M, T, TS])
	m.init(d, step, opts)
	return m
}

// init applies opts to a zero Machine.
func (m *Machine[S, St, E, M, T, TS]) init(d *Def[S, St, E, M, T, TS], step TypedStep[S, E, M, TS], opts []Option[S, St, E, M, T, TS]) {
	c := config[S, St, E, M, T, TS]{after: append([]time.Duration(nil), d.spec.After...)}
	for _, o := range opts {
		o(&c)
	}
	m.def, m.step = d, step
	m.firstTimeout, m.numTimers = uint(d.spec.FirstTimeout), uint(len(d.spec.After))
	m.snap, m.fresh = d.spec.Initial, true
	if c.snap != nil {
		m.snap = *c.snap
	}
	m.state, m.armed = d.spec.Parts(m.snap)
	// A snapshot out of range rejects every event, so it never changes: it
	// stays as given, outside the table.
	if m.table = d.cells != nil && d.spec.Valid(m.snap); m.table {
		m.idx = d.spec.Index(m.snap)
		m.look = lookup[M, TS]{d.cells, d.outs, d.layout.Columns, 1<<d.layout.Columns - 1, 1<<d.layout.IndexVars - 1, uint(d.spec.NumEvents)}
	}
	m.onSend, m.onReply, m.onTransition, m.onError = c.onSend, c.onReply, c.onTransition, c.onError
	if m.onReply == nil {
		m.onReply = m.onSend
	}
	if m.onSend == nil && m.onReply != nil {
		m.onSend = func(M) {} // replies only: what is sent goes nowhere
	}
	if c.clock != nil {
		m.timers = NewTimers(c.clock, c.after, m.expire)
		m.timers.Apply(uint64(m.armed), uint64(m.armed))
	}
}

// Deliver applies the arrival of message msg; see Fire.
func (m *Machine[S, St, E, M, T, TS]) Deliver(msg M) error {
	return m.Fire(m.def.spec.Recv(msg))
}

// Fire applies event e. It returns a *RejectedError when the event is
// rejected (a timeout whose timer is not running included: a timer
// expires only while it runs) and a *ReportedError when a call fails, and
// then the machine is unchanged; it also returns a *ReportedError when the message or timeout
// transition that fired reports an error ("connection reset"), after
// calling OnError. Otherwise it returns nil. It does not allocate.
func (m *Machine[S, St, E, M, T, TS]) Fire(e E) error {
	var fx Effects[M, TS] // with the table, only when the hooks need it
	var row int
	from, prev := m.state, m.armed
	if t := uint(e) - m.firstTimeout; t < m.numTimers && prev&(1<<t) == 0 {
		return m.def.Reject(from, e) // a timer expires only while it runs
	}
	l := &m.look
	var c uint64
	if m.table {
		// Step's lookup, on the column and timers the machine keeps.
		// A shift masked to 63 needs no check that it is in range.
		c = l.cells[min(uint(e), l.events)<<(l.columns&63)|m.idx]
		if c&(1<<mcFail) != 0 {
			return l.outs[c>>mcOut].Err
		}
		row = int(int16(c >> mcRow))
		m.idx, m.state, m.fresh = uint(c&l.column), St(c&l.state), false
		m.armed = prev&^TS(uint8(c>>mcStop)) | TS(uint8(c>>mcArm))
	} else {
		next, f, err := m.step(m.snap, e)
		if err != nil {
			return err
		}
		fx, row, m.snap = f, f.Row, next
		m.state, m.armed = m.def.spec.Parts(next)
	}
	if m.table && (m.timers != nil || m.onReply != nil) {
		fx = l.outs[c>>mcOut].Fx
	}
	if m.timers != nil {
		m.retime(prev, e, fx)
	}
	var a *action[M, TS]
	if acts := m.def.tab.acts; uint(row) < uint(len(acts)) {
		a = &acts[row]
		if m.onTransition != nil {
			m.onTransition(Transition[St, E]{from, e, m.state, row})
		}
	}
	if m.onReply != nil { // set whenever OnSend or OnReply is
		m.send(fx)
	}
	if a != nil && a.reported.text != "" {
		if m.onError != nil {
			m.onError(&a.reported)
		}
		return &a.reported
	}
	return nil
}

// send hands the messages of fx to the hooks: those sent to OnSend, then
// those replied to OnReply.
func (m *Machine[S, St, E, M, T, TS]) send(fx Effects[M, TS]) {
	l, r := fx.list()
	for i, msg := range l {
		if i < len(l)-r {
			m.onSend(msg)
		} else {
			m.onReply(msg)
		}
	}
}

// retime makes the clock timers match the armed ones after event e with
// effects fx, prev the timers armed before it: a restarted timer, or one
// started while stopped, begins a new period.
func (m *Machine[S, St, E, M, T, TS]) retime(prev TS, e E, fx Effects[M, TS]) {
	stop, start, restart := fx.timers()
	if m.armed == prev && start|restart == 0 {
		return
	}
	running := prev &^ stop
	if first := m.def.spec.FirstTimeout; int(e) >= first {
		running &^= 1 << (int(e) - first)
	}
	fresh := restart | start&^running
	m.timers.Apply(uint64(m.armed), uint64(fresh))
}

// expire is the clock callback of timer i.
func (m *Machine[S, St, E, M, T, TS]) expire(i int) {
	if m.lock != nil {
		m.lock.Lock()
		defer m.lock.Unlock()
	}
	if !m.timers.Expired(i) || m.armed&(1<<i) == 0 {
		return
	}
	_ = m.Fire(E(m.def.spec.FirstTimeout + i)) // reported errors went to OnError
	// The timer stopped running on the clock; run it again if the row re-armed it.
	m.timers.Apply(uint64(m.armed), 0)
}

// State returns the current control state.
func (m *Machine[S, St, E, M, T, TS]) State() St { return m.state }

// Snapshot returns the current snapshot.
func (m *Machine[S, St, E, M, T, TS]) Snapshot() S {
	if !m.fresh {
		sp := &m.def.spec
		m.snap, m.fresh = sp.With(sp.FromIndex(m.idx), m.state, m.armed), true
	}
	return m.snap
}

// Can reports whether e takes effect now: a transition row fires for it,
// and it is not a call that fails. Fire also accepts the events that the
// unhandled policy accepts (see Step).
func (m *Machine[S, St, E, M, T, TS]) Can(e E) bool {
	if t := uint(e) - m.firstTimeout; t < m.numTimers && m.armed&(1<<t) == 0 {
		return false // its timer is not running
	}
	_, fx, err := m.step(m.Snapshot(), e)
	return fx.Row >= 0 && err == nil
}

// Permitted lists the events for which Can is true, in event order.
func (m *Machine[S, St, E, M, T, TS]) Permitted() []E {
	var out []E
	for e := range m.def.spec.NumEvents {
		if m.Can(E(e)) {
			out = append(out, E(e))
		}
	}
	return out
}

// Deadline returns when timer t expires, and false when it is not running
// on the clock (or there is no clock).
func (m *Machine[S, St, E, M, T, TS]) Deadline(t T) (time.Time, bool) {
	if m.timers == nil {
		return time.Time{}, false
	}
	return m.timers.Deadline(int(t))
}

// StopTimers stops the clock timers, e.g. before discarding the machine.
// The snapshot still lists them as armed.
func (m *Machine[S, St, E, M, T, TS]) StopTimers() {
	if m.timers != nil {
		m.timers.StopAll()
	}
}

// SyncMachine is a Machine that is safe for concurrent use: every method and
// every timer expiry holds one mutex. Hooks run with it held, so a hook must
// not call back into the same SyncMachine (it would deadlock); hand the work
// to another goroutine instead. The generated package makes it with NewSync.
type SyncMachine[S comparable, St, E, M, T Enum, TS Set] struct {
	mu sync.Mutex
	m  Machine[S, St, E, M, T, TS]
}

// NewSync returns a SyncMachine that runs step, the generated Step of d's
// machine, in the initial snapshot.
func (d *Def[S, St, E, M, T, TS]) NewSync(step TypedStep[S, E, M, TS], opts ...Option[S, St, E, M, T, TS]) *SyncMachine[S, St, E, M, T, TS] {
	s := new(SyncMachine[S, St, E, M, T, TS])
	s.m.lock = &s.mu
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.init(d, step, opts)
	return s
}

// Fire applies event e; see Machine.Fire.
func (s *SyncMachine[S, St, E, M, T, TS]) Fire(e E) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Fire(e)
}

// Deliver applies the arrival of message msg; see Machine.Fire.
func (s *SyncMachine[S, St, E, M, T, TS]) Deliver(msg M) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Deliver(msg)
}

// State returns the current control state.
func (s *SyncMachine[S, St, E, M, T, TS]) State() St {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.State()
}

// Snapshot returns the current snapshot.
func (s *SyncMachine[S, St, E, M, T, TS]) Snapshot() S {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Snapshot()
}

// Can reports whether e takes effect now; see Machine.Can.
func (s *SyncMachine[S, St, E, M, T, TS]) Can(e E) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Can(e)
}

// Permitted lists the events for which Can is true.
func (s *SyncMachine[S, St, E, M, T, TS]) Permitted() []E {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Permitted()
}

// Deadline returns when timer t expires; see Machine.Deadline.
func (s *SyncMachine[S, St, E, M, T, TS]) Deadline(t T) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.Deadline(t)
}

// StopTimers stops the clock timers; see Machine.StopTimers.
func (s *SyncMachine[S, St, E, M, T, TS]) StopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.StopTimers()
}
