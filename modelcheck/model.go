package modelcheck

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/fsmgen/fsmgen/spec"
)

// maxWords is the widest system state supported, in 64-bit words: more
// than the spec's limits can need (two 64-bit snapshots, two inbox content
// ids of at most 20 bits, and 8 bits for each of up to 2×256 call
// budgets). A power of two, so that a field's word index can be masked
// instead of bounds-checked.
const maxWords = 128

// vec is a packed system state: bit fields that never straddle a word. Word
// 0 holds at most 63 bits; its top bit marks an occupied slot in the
// visited set.
type vec [maxWords]uint64

// field is a bit field of a vec.
type field struct {
	word  uint8
	shift uint8
	width uint8
	mask  uint64
}

func (f field) get(v *vec) uint64 { return v[f.word&(maxWords-1)] >> f.shift & f.mask }
func (f field) set(v *vec, x uint64) {
	w := f.word & (maxWords - 1)
	v[w] = v[w]&^(f.mask<<f.shift) | x<<f.shift
}

// load and store are get and set on a state held as a slice of its words.
func (f field) load(v []uint64) uint64 { return v[f.word] >> f.shift & f.mask }
func (f field) store(v []uint64, x uint64) {
	v[f.word] = v[f.word]&^(f.mask<<f.shift) | x<<f.shift
}

type actionKind uint8

const (
	actCall actionKind = iota
	actDeliver
	actLose
	actDuplicate
	actTimeout
	actTick
)

func (k actionKind) String() string {
	return [...]string{"call", "deliver", "lose", "duplicate", "timeout", "tick"}[k]
}

// action is one action schema of the system: the unit of transitions,
// coverage and fairness.
type action struct {
	kind   actionKind
	peer   int // -1 for the tick
	ch     int // the channel of a delivery, loss or duplication; -1 otherwise
	arg    int // call index, message index, timer index, or position (ordered lose/duplicate)
	event  int // the peer event, for call/deliver/timeout
	budget int // index into model.budgets, or -1 (unbounded)
	class  int // fairness class, or -1 (losses and duplications)
	reply  int // the channel a delivery's replies go into; -1 otherwise
	age    int // the age of the message delivered, lost or duplicated in an unordered channel whose messages age; else 0
	// for an unordered deliver/lose/duplicate arg is the message kind; for an
	// ordered deliver it is -1 (the head).
}

// budget is a bounded call budget's field.
type budget struct {
	f    field
	init uint64
}

// model is a check configuration compiled for exploration.
type model struct {
	s         *spec.Spec
	check     *spec.Check
	mach      []*spec.Machine // the machine each peer runs
	step      []*peerStep
	peer      []field  // per peer: its snapshot
	box       []field  // per channel (spec.Check.Channels): its content
	inbox     []*inbox // per channel
	dest      [][]int  // per peer: the channels its sends go into
	budgets   []budget
	actions   []action
	recvEvent [][]int // per peer: message -> its receipt event
	byPeer    []peerActions
	byChan    []chanActions
	fast      []fastPeer // per peer: what expanding a state reads (expand.go)

	// Rows and unhandled (state, event) pairs are numbered across the
	// machines the peers run (each once, in spec order): a machine's row i
	// is rows[rowBase[machine]+i], its pair (state, event) is counted at
	// unhBase[machine] + state*len(Events) + event.
	machines []*spec.Machine
	rows     []*spec.Row
	rowMach  []*spec.Machine // the machine of each of rows
	rowBase  map[*spec.Machine]int
	unhBase  map[*spec.Machine]int
	unhSize  int

	monVar   map[*spec.Var]*field // each monitor variable's field
	handlers []compiledHandler    // the monitors' handlers, in order
	monIx    []monIndex           // per peer: the handlers of each call, message and state
	idle     bool                 // timeouts: idle

	// A timed check (docs/semantics.md, "Timed checks"): every peer's
	// timers with their remaining ticks, the channels whose messages age,
	// and per row (numbered as rows) the timers it starts and restarts,
	// as bits by timer index.
	timed      bool
	tickAt     int // the tick's index in actions
	timers     []timedTimer
	agedBoxes  []int
	rowStart   []uint64
	rowRestart []uint64
	classes    []string // fairness class names
	words      int      // words used by a state
	bits       int      // bits used by a state
	initial    vec

	invariants []compiledProp
	terminal   propFunc
	liveness   []compiledLive
}

// timedTimer is a timer of a peer in a timed check: where its armed bit
// and its remaining ticks are.
type timedTimer struct {
	peer field  // the peer's snapshot
	bit  uint64 // the timer's armed bit in it
	rem  field  // its remaining ticks
}

type propFunc func(v *vec) int

type compiledProp struct {
	p    *spec.Property
	eval propFunc
}

type compiledLive struct {
	l    *spec.Liveness
	goal propFunc
}

// machineNames lists the machines the peers of c run, in peer order.
func machineNames(c *spec.Check) string {
	var names []string
	for _, p := range c.Peers {
		names = append(names, p.Machine.Name)
	}
	return strings.Join(names, " and ")
}

// newModel compiles check c of s. spread gives every field a word of its
// own instead of packing them (tests use it to run small checks through
// the multi-word search).
func newModel(s *spec.Spec, c *spec.Check, steps map[string]StepFunc, spread bool) (*model, error) {
	if c == nil {
		return nil, fmt.Errorf("modelcheck: no check configuration")
	}
	n := len(c.Peers)
	if n < 2 || len(c.Channels) != n*(n-1) {
		return nil, fmt.Errorf("%s: modelcheck: check %s needs two or more peers and a channel between each two", c.Pos, c.Name)
	}
	m := &model{s: s, check: c, idle: c.Timeouts == spec.IdleTimeout && c.Time == nil, timed: c.Time != nil,
		rowBase: map[*spec.Machine]int{}, unhBase: map[*spec.Machine]int{},
		mach: make([]*spec.Machine, n), step: make([]*peerStep, n), peer: make([]field, n),
		box: make([]field, len(c.Channels)), inbox: make([]*inbox, len(c.Channels)), dest: make([][]int, n),
		recvEvent: make([][]int, n), byPeer: make([]peerActions, n), byChan: make([]chanActions, len(c.Channels)),
		fast: make([]fastPeer, n)}
	for i, p := range c.Peers {
		if p.Machine == nil {
			return nil, fmt.Errorf("%s: modelcheck: peer %s runs no machine", p.Pos, p.Name)
		}
		m.mach[i] = p.Machine
	}
	for _, mc := range s.Machines {
		if !slices.Contains(m.mach, mc) {
			continue
		}
		m.machines = append(m.machines, mc)
		m.rowBase[mc], m.unhBase[mc] = len(m.rows), m.unhSize
		m.rows = append(m.rows, mc.Rows...)
		for range mc.Rows {
			m.rowMach = append(m.rowMach, mc)
		}
		m.unhSize += len(mc.States) * len(mc.Inputs)
	}
	if len(m.machines) == 0 {
		return nil, fmt.Errorf("%s: modelcheck: check %s: its peers run machines the spec does not declare", c.Pos, c.Name)
	}
	for name := range steps {
		if name != "" && s.MachineNamed(name) == nil {
			return nil, fmt.Errorf("modelcheck: a step function was given for machine %s, which the spec does not declare", name)
		}
	}
	if steps[""] != nil && slices.ContainsFunc(m.mach, func(x *spec.Machine) bool { return x != m.mach[0] }) {
		return nil, fmt.Errorf("%s: modelcheck: check %s runs machines %s: give each its step function with WithMachineStep", c.Pos, c.Name, machineNames(c))
	}
	var widths []int
	var slots []*field
	for i := range n {
		for _, ch := range c.Outbound(c.Peers[i]) {
			m.dest[i] = append(m.dest[i], ch.Index)
		}
		fn := steps[m.mach[i].Name]
		if fn == nil {
			fn = steps[""]
		}
		ps, err := newPeerStep(m.mach[i], fn, m.rowBase[m.mach[i]])
		if err != nil {
			return nil, err
		}
		m.step[i] = ps
		widths = append(widths, int(m.mach[i].Layout.Bits))
		slots = append(slots, &m.peer[i])
	}
	for i, ch := range c.Channels {
		b, err := newInbox(ch, len(s.Letters))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ch.Pos, err)
		}
		m.inbox[i] = b
		w := bits.Len(uint(b.n - 1))
		if c.Unused(ch) {
			w = 0 // never holds a message: always content 0, the empty one
		}
		widths = append(widths, w)
		slots = append(slots, &m.box[i])
	}
	budgetOf := map[[2]int]int{}
	for i, p := range c.Peers {
		for _, cb := range p.Calls {
			if cb.Budget == spec.Unbounded {
				continue
			}
			budgetOf[[2]int{i, cb.Call.Index}] = len(m.budgets)
			m.budgets = append(m.budgets, budget{init: uint64(cb.Budget)})
			widths = append(widths, bits.Len(uint(cb.Budget)))
		}
	}
	for i := range m.budgets {
		slots = append(slots, &m.budgets[i].f)
	}
	// A timed check: each timer's remaining ticks (0..Ticks).
	rem := make([][]field, n)
	for i, mc := range m.mach {
		rem[i] = make([]field, len(mc.Timers))
		if !m.timed {
			continue
		}
		for t, tm := range mc.Timers {
			widths = append(widths, bits.Len(uint(c.Ticks(mc, tm))))
			slots = append(slots, &rem[i][t])
		}
	}
	m.monVar = map[*spec.Var]*field{}
	for _, mon := range c.Monitors {
		for _, v := range mon.Vars {
			f := new(field)
			m.monVar[v] = f
			widths = append(widths, int(v.Width))
			slots = append(slots, f)
		}
	}
	// First fit, widest first, into as many words as it takes: word 0 holds
	// 63 bits (its top bit is the visited set's), every other word 64.
	var free []int
	order := make([]int, len(widths))
	for i := range order {
		order[i] = i
	}
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && widths[order[j]] > widths[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	for _, w := range widths {
		m.bits += w
	}
	for _, i := range order {
		w := widths[i]
		placed := false
		for k := range maxWords {
			if k == len(free) {
				free = append(free, 64) // a word opens when none before has room
				if k == 0 {
					free[0] = 63
				}
			}
			used := 63 - free[k]
			if k > 0 {
				used = 64 - free[k]
			}
			if free[k] < w || spread && used > 0 {
				continue
			}
			*slots[i] = field{word: uint8(k), shift: uint8(used), width: uint8(w), mask: 1<<uint(w) - 1}
			if w == 64 {
				slots[i].mask = ^uint64(0)
			}
			free[k] -= w
			placed = true
			break
		}
		if !placed {
			return nil, fmt.Errorf("%s: modelcheck: a system state of check %s needs %d bits: they do not fit in %d words (at most %d bits)", c.Pos, c.Name, m.bits, maxWords, 63+64*(maxWords-1))
		}
	}
	m.words = max(len(free), 1)
	if (n > 2 || m.timed) && m.words == 1 {
		m.words = 2 // the one-word fast path runs two peers, untimed
	}
	if m.words >= letterWord {
		return nil, fmt.Errorf("%s: modelcheck: a system state of check %s needs %d words: at most %d are supported", c.Pos, c.Name, m.words, letterWord-1)
	}
	for i, mc := range m.mach {
		for _, lt := range s.Letters {
			m.recvEvent[i] = append(m.recvEvent[i], mc.LetterInput(lt).Index)
		}
		m.peer[i].set(&m.initial, mc.InitialSnapshot())
	}
	for i := range m.budgets {
		m.budgets[i].f.set(&m.initial, m.budgets[i].init)
	}
	for v, f := range m.monVar {
		f.set(&m.initial, v.Encode(v.Init))
	}
	if err := m.compileMonitors(); err != nil {
		return nil, err
	}
	// Actions: the check's, as spec.Check.Actions defines them and orders them.
	classOf := map[string]int{}
	class := func(name string) int {
		if id, ok := classOf[name]; ok {
			return id
		}
		classOf[name] = len(m.classes)
		m.classes = append(m.classes, name)
		return classOf[name]
	}
	for _, sa := range c.Actions() {
		a := action{peer: -1, ch: -1, arg: -1, event: -1, budget: -1, class: -1, reply: -1}
		if sa.Peer != nil {
			a.peer = sa.Peer.Index
		}
		if sa.Channel != nil {
			a.ch = sa.Channel.Index
		}
		if sa.Reply != nil {
			a.reply = sa.Reply.Index
		}
		if sa.Input != nil {
			a.event = sa.Input.Index
		}
		if sa.Class != "" {
			a.class = class(sa.Class)
		}
		switch sa.Kind {
		case spec.CallAction:
			a.kind, a.arg = actCall, sa.Call.Call.Index
			if id, ok := budgetOf[[2]int{a.peer, a.arg}]; ok {
				a.budget = id
			}
		case spec.DeliverAction:
			a.kind, a.age = actDeliver, sa.Age
			if sa.Letter != nil {
				a.arg = sa.Letter.Index
			}
		case spec.TimeoutAction:
			a.kind, a.arg = actTimeout, sa.Timer.Index
		case spec.LoseAction, spec.DuplicateAction:
			a.kind, a.arg = actLose, sa.Slot
			if sa.Kind == spec.DuplicateAction {
				a.kind = actDuplicate
			}
			if sa.Letter != nil {
				a.arg, a.age = sa.Letter.Index, sa.Age
			}
		case spec.TickAction:
			a.kind, m.tickAt = actTick, len(m.actions)
		}
		m.actions = append(m.actions, a)
	}
	if len(m.actions) > 1<<15 {
		return nil, fmt.Errorf("%s: modelcheck: check %s has %d actions: at most %d are supported", c.Pos, c.Name, len(m.actions), 1<<15)
	}
	m.indexActions()
	m.fastPeers()
	if m.timed {
		m.compileTime(rem)
	}
	// Properties.
	var err error
	for _, p := range c.Invariants {
		cp := compiledProp{p: p}
		if cp.eval, err = m.compileProp(p.Expr); err != nil {
			return nil, err
		}
		m.invariants = append(m.invariants, cp)
	}
	if c.Terminal != nil {
		if m.terminal, err = m.compileProp(c.Terminal); err != nil {
			return nil, err
		}
	}
	for _, l := range c.Eventually {
		cl := compiledLive{l: l}
		if cl.goal, err = m.compileProp(l.Goal); err != nil {
			return nil, err
		}
		m.liveness = append(m.liveness, cl)
	}
	return m, nil
}

// compileProp turns a property over peers and network into a closure over a packed state.
func (m *model) compileProp(e spec.Expr) (propFunc, error) {
	peerOK := func(p int) error {
		if p < 0 || p >= len(m.peer) {
			return fmt.Errorf("%s: modelcheck: %q does not name a peer", e.Pos(), e.String())
		}
		return nil
	}
	switch e := e.(type) {
	case *spec.Const:
		v := e.Val
		return func(*vec) int { return v }, nil
	case *spec.StateOf:
		if err := peerOK(e.Peer); err != nil {
			return nil, err
		}
		f, sm := m.peer[e.Peer], m.mach[e.Peer].Layout.StateMask()
		return func(v *vec) int { return int(f.get(v) & sm) }, nil
	case *spec.VarRef:
		if err := peerOK(e.Peer); err != nil {
			return nil, err
		}
		f, g := m.peer[e.Peer], varReader(e.Var)
		return func(v *vec) int { return g(f.get(v)) }, nil
	case *spec.Armed:
		if err := peerOK(e.Peer); err != nil {
			return nil, err
		}
		f, bit := m.peer[e.Peer], m.mach[e.Peer].Layout.TimerBit(e.Timer)
		return func(v *vec) int { return b2i(f.get(v)&bit != 0) }, nil
	case *spec.Count:
		var boxes []int
		for _, ch := range m.check.Channels {
			if e.To < 0 || ch.To == e.To {
				boxes = append(boxes, ch.Index)
			}
		}
		if len(boxes) == 0 {
			return nil, fmt.Errorf("%s: modelcheck: %q does not name an inbox", e.Pos(), e.String())
		}
		var parts []propFunc
		for _, i := range boxes {
			f, b := m.box[i], m.inbox[i]
			if e.Msg == nil {
				parts = append(parts, func(v *vec) int { return int(b.length[f.get(v)]) })
			} else if lts := e.Msg.Letters; b.ages > 1 {
				// Every letter of the message at every age.
				lo, hi := lts[0].Index, lts[len(lts)-1].Index
				parts = append(parts, func(v *vec) int {
					n, id := 0, int(f.get(v))
					for lt := lo; lt <= hi; lt++ {
						n += b.letterCount(id, lt)
					}
					return n
				})
			} else if len(lts) == 1 {
				k, lt := uint64(b.kinds), uint64(lts[0].Index)
				parts = append(parts, func(v *vec) int { return int(b.count[f.get(v)*k+lt]) })
			} else {
				// Every letter of the message: its kind with any field values.
				k, lo, hi := uint64(b.kinds), uint64(lts[0].Index), uint64(lts[len(lts)-1].Index)
				parts = append(parts, func(v *vec) int {
					n, row := 0, f.get(v)*k
					for lt := lo; lt <= hi; lt++ {
						n += int(b.count[row+lt])
					}
					return n
				})
			}
		}
		switch len(parts) {
		case 1:
			return parts[0], nil
		case 2:
			a, b := parts[0], parts[1]
			return func(v *vec) int { return a(v) + b(v) }, nil
		}
		return func(v *vec) int {
			n := 0
			for _, part := range parts {
				n += part(v)
			}
			return n
		}, nil
	case *spec.MonRef:
		f, v := m.monVar[e.Var], e.Var
		if f == nil {
			return nil, fmt.Errorf("%s: modelcheck: %s is not a variable of this check's monitors", e.Pos(), e)
		}
		return func(x *vec) int { return v.Decode(f.get(x)) }, nil
	case *spec.MsgField:
		// In a monitor handler: the message observed, whose letter the
		// handler's scratch state holds in its last word (monitor.go).
		vals := make([]int, len(m.s.Letters))
		for i, lt := range m.s.Letters {
			vals[i], _ = lt.Value(e.Name)
		}
		return func(x *vec) int { return vals[x[letterWord]] }, nil
	}
	rec := func(x spec.Expr) (func(*vec) int, error) { return m.compileProp(x) }
	if f, ok, err := compileOps(e, rec); ok {
		return f, err
	}
	return nil, fmt.Errorf("%s: modelcheck: unsupported expression %q", e.Pos(), e.String())
}

// varReader reads v's decoded value from a peer snapshot (v.Get, with the
// decoding chosen once).
func varReader(v *spec.Var) guardFunc {
	off, mask := v.Offset, uint64(1)<<v.Width-1
	if v.Kind == spec.Int {
		min := v.Min
		return func(s uint64) int { return int(s>>off&mask) + min }
	}
	return func(s uint64) int { return int(s >> off & mask) }
}
