package fsm

import (
	"slices"
	"time"
)

// Row is one transition row as the spec writes it, for introspection and
// diagrams. K is the generated Message, or MessageKind when messages have
// fields (Effects.Sent and Effects.Replied then have their values).
type Row[St, E, K, T Enum] struct {
	From    []St // the states the row leaves
	On      []E
	Guard   string // the guard as written, or ""
	To      St     // the state entered, unless Stay
	Stay    bool   // the row stays in the state it fired in
	Send    []K    // to the peers the machine sends to
	Reply   []K    // after Send, back to the sender of the message received
	Start   []T
	Stop    []T
	Restart []T
	Set     []Assignment
	Error   string // the error reported to the user, or ""
	Doc     string
	Pos     string // where the row is written, file:line:col
}

// Assignment is one set action: Var takes the value of Value, evaluated on
// the old variables.
type Assignment struct {
	Var   string
	Value string
}

// CloneRows returns a deep copy of rows, so that a caller may change it
// without changing the generated table.
func CloneRows[St, E, K, T Enum](rows []Row[St, E, K, T]) []Row[St, E, K, T] {
	out := slices.Clone(rows)
	for i := range out {
		r := &out[i]
		r.From, r.On, r.Send, r.Reply, r.Set = slices.Clone(r.From), slices.Clone(r.On), slices.Clone(r.Send), slices.Clone(r.Reply), slices.Clone(r.Set)
		r.Start, r.Stop, r.Restart = slices.Clone(r.Start), slices.Clone(r.Stop), slices.Clone(r.Restart)
	}
	return out
}

// Spec describes a generated machine to NewDef: its sizes and timers, what
// its unhandled policy does, and the functions over its Snapshot that only
// generated code can write.
type Spec[S comparable, St, E, M, T Enum, TS Set] struct {
	Name         string // the machine, which its errors name
	NumStates    int
	NumEvents    int
	FirstRecv    int             // the first receipt event; the calls come before it
	FirstTimeout int             // the first timeout event, one per timer from it
	After        []time.Duration // each timer's duration
	IgnoreCalls  bool            // an unhandled call is accepted and changes nothing (else it is rejected)
	Reply        []M             // what an unhandled message is answered with (none: it is dropped)
	// NumLetters is, with message fields, the number of Message values: one
	// per message kind and valuation of its fields. Without, it is 0 and a
	// row's Send and Reply name the messages themselves.
	NumLetters int
	// SentOf is, with message fields, the index among the lists of messages
	// row r may send (its Send and Reply, each kind over its letters, the
	// last varying fastest) of the one it sends when it fires for e in s
	// (nil: always the first).
	SentOf func(s S, e E, r int) int
	// Guard reports whether the guard of row r holds for e in s (nil: no
	// row has a guard); it is called only for rows that have one.
	Guard func(s S, e E, r int) bool

	Initial S
	// Parts returns the control state and the armed timers of a snapshot.
	Parts func(S) (St, TS)
	// With returns s in state st with the timers ts armed.
	With func(s S, st St, ts TS) S
	// Recv is the event of message m arriving (NumEvents for an invalid m).
	Recv func(m M) E
	// Assign carries out the set actions of row r fired by e (nil when no
	// row sets variables): values read s and take effect simultaneously.
	Assign func(s S, e E, r int) S
	// Valid reports whether the state and every variable of s are in range.
	Valid func(S) bool
	// Index packs the state and the variables of s into a table column (see
	// Def.Fill); FromIndex is the snapshot, without timers, of a column.
	Index     func(S) uint
	FromIndex func(uint) S
}

// Def is a generated machine as the runtime sees it: its Spec, and per row
// one record of what it does, built once by NewDef from the rows. It
// carries out the semantics of a step row by row (StepRows), works out the
// generated package's lookup table from it (Fill), and gives Effects and
// Machine what they read.
type Def[S comparable, St, E, M, T Enum, TS Set] struct {
	spec       Spec[S, St, E, M, T, TS]
	tab        *table[M, TS]
	rejections []RejectedError[St, E] // (NumStates+1) * (NumEvents+1), out of range last
	// cands[state*NumEvents+event] are the rows for the state and event in
	// spec order, guarded or not: the first whose guard holds fires.
	cands     [][]int32
	guarded   []bool // per row, whether it has a guard
	sentBase  []int  // per row, its first list of sends
	timerMask TS
	// The generated table, once Fill has filled it: Machine looks steps up
	// in it as Step does.
	cells  []uint64
	outs   []Outcome[M, TS]
	layout Cells
}

// action is one row's record: what it does and what it reports.
type action[M Enum, TS Set] struct {
	to                   int
	stay                 bool
	stop, start, restart TS
	reported             ReportedError // text "" when the row reports nothing
}

// table is what Effects reads: the rows' actions and the lists of messages
// sent.
type table[M Enum, TS Set] struct {
	acts    []action[M, TS]
	sends   [][]M
	replies []int // per list of sends, how many of its last messages are replies
	reply   int   // the list of Reply, or 0
}

// NewDef builds the Def of a generated machine from its Spec and its rows.
// kindOf is, with message fields, the kind of each letter (Message.Kind),
// from which the lists of letters the rows may send are made; without, it
// is nil.
func NewDef[S comparable, St, E, M, T Enum, TS Set, K Enum](spec Spec[S, St, E, M, T, TS], rows []Row[St, E, K, T], kindOf func(M) K) *Def[S, St, E, M, T, TS] {
	d := &Def[S, St, E, M, T, TS]{spec: spec, tab: &table[M, TS]{}}
	mask := func(ts []T) (m TS) {
		for _, t := range ts {
			m |= 1 << t
		}
		return m
	}
	d.timerMask = 1<<len(spec.After) - 1
	d.cands = make([][]int32, spec.NumStates*spec.NumEvents)
	// letters[k] are the letters of kind k: k itself without fields.
	letters := func(k K) []M { return []M{M(k)} }
	if kindOf != nil {
		byKind := map[K][]M{}
		for m := range spec.NumLetters {
			byKind[kindOf(M(m))] = append(byKind[kindOf(M(m))], M(m))
		}
		letters = func(k K) []M { return byKind[k] }
	}
	// List 0 sends nothing.
	d.tab.sends, d.tab.replies = [][]M{nil}, []int{0}
	for i, r := range rows {
		a := action[M, TS]{to: int(r.To), stay: r.Stay, stop: mask(r.Stop), start: mask(r.Start), restart: mask(r.Restart)}
		a.reported = ReportedError{machine: spec.Name, text: r.Error, row: i}
		d.tab.acts = append(d.tab.acts, a)
		d.guarded = append(d.guarded, r.Guard != "")
		for _, st := range r.From {
			for _, e := range r.On {
				c := &d.cands[int(st)*spec.NumEvents+int(e)]
				*c = append(*c, int32(i))
			}
		}
		d.sentBase = append(d.sentBase, len(d.tab.sends))
		addLists(d.tab, append(slices.Clone(r.Send), r.Reply...), len(r.Reply), letters)
	}
	if len(spec.Reply) > 0 {
		d.tab.reply = len(d.tab.sends)
		d.tab.sends = append(d.tab.sends, spec.Reply)
		d.tab.replies = append(d.tab.replies, len(spec.Reply))
	}
	ns, ne := spec.NumStates+1, spec.NumEvents+1
	d.rejections = make([]RejectedError[St, E], ns*ne)
	for s := range ns {
		for e := range ne {
			d.rejections[s*ne+e] = RejectedError[St, E]{spec.Name, St(s), E(e), e == spec.NumEvents}
		}
	}
	return d
}

// addLists adds the lists of letters that a row sending kinds may send,
// its last replies of them replies: every combination of the kinds'
// letters, the last kind varying fastest (Spec.SentOf counts them so).
func addLists[M Enum, TS Set, K Enum](tab *table[M, TS], kinds []K, replies int, letters func(K) []M) {
	total := 1
	for _, k := range kinds {
		total *= len(letters(k))
	}
	for c := range total {
		var list []M
		if len(kinds) > 0 {
			list = make([]M, len(kinds))
		}
		for j := len(kinds) - 1; j >= 0; j-- {
			ls := letters(kinds[j])
			list[j] = ls[c%len(ls)]
			c /= len(ls)
		}
		tab.sends = append(tab.sends, list)
		tab.replies = append(tab.replies, replies)
	}
}

// Effects is what one step does besides changing the snapshot: the row that
// fired and the messages it sent. Its methods read the row's messages, timer
// actions and error from the machine's Def, so Effects stays a few words
// that Step returns in registers.
type Effects[M Enum, TS Set] struct {
	// Row is the index in Transitions of the row that fired, or -1 when none
	// did (the event was unhandled or rejected).
	Row  int
	sent int // the messages sent: an index in the Def's lists
	tab  *table[M, TS]
}

// Effects returns the effects of row r (-1: none) that sends the list sent
// (an index in the lists the Def makes of the rows' Send and Reply, see
// Spec.SentOf).
func (d *Def[S, St, E, M, T, TS]) Effects(r, sent int) Effects[M, TS] {
	return Effects[M, TS]{r, sent, d.tab}
}

// Sent returns the messages to send to the peers the machine sends to, in
// order. The slice is shared by every step with the same effects and must
// not be modified; it does not allocate.
func (fx Effects[M, TS]) Sent() []M {
	l, r := fx.list()
	return l[: len(l)-r : len(l)-r] // an append copies rather than overwrite the replies
}

// Replied returns the messages to send back to the sender of the message
// received (the row's reply, or the unhandled policy's), in order, after
// those of Sent. The slice is shared and must not be modified.
func (fx Effects[M, TS]) Replied() []M {
	l, r := fx.list()
	return l[len(l)-r:]
}

// list returns the messages the step sends, replies last, and how many of
// them are replies.
func (fx Effects[M, TS]) list() ([]M, int) {
	if fx.tab == nil || uint(fx.sent) >= uint(len(fx.tab.sends)) {
		return nil, 0
	}
	l := fx.tab.sends[fx.sent]
	if uint(fx.sent) < uint(len(fx.tab.replies)) {
		return l, fx.tab.replies[fx.sent]
	}
	return l, 0
}

// act returns the record of the row that fired, or nil.
func (fx Effects[M, TS]) act() *action[M, TS] {
	if fx.tab != nil && uint(fx.Row) < uint(len(fx.tab.acts)) {
		return &fx.tab.acts[fx.Row]
	}
	return nil
}

// Stop is the set of timers the row disarms (before it arms any).
func (fx Effects[M, TS]) Stop() TS { stop, _, _ := fx.timers(); return stop }

// Start is the set of timers the row starts: a running timer keeps running.
func (fx Effects[M, TS]) Start() TS { _, start, _ := fx.timers(); return start }

// Restart is the set of timers the row restarts: each begins a new period.
func (fx Effects[M, TS]) Restart() TS { _, _, restart := fx.timers(); return restart }

// timers returns Stop, Start and Restart.
func (fx Effects[M, TS]) timers() (stop, start, restart TS) {
	if a := fx.act(); a != nil {
		return a.stop, a.start, a.restart
	}
	return 0, 0, 0
}

// ErrorText is the error the row reports to the user, or "". A call row
// with an error is a failed call (Step returns its *ReportedError); a message
// or timeout row with one took effect and reports it (Machine calls OnError).
func (fx Effects[M, TS]) ErrorText() string {
	if a := fx.act(); a != nil {
		return a.reported.text
	}
	return ""
}

// Reject returns the rejection of e in st. A state or event out of range
// (from an unchecked conversion) is reported as NumStates or NumEvents, so
// that rejecting never allocates.
func (d *Def[S, St, E, M, T, TS]) Reject(st St, e E) error {
	s, ev := min(int(st), d.spec.NumStates), min(int(e), d.spec.NumEvents)
	return &d.rejections[s*(d.spec.NumEvents+1)+ev]
}

// Reported returns the preallocated error of row r.
func (d *Def[S, St, E, M, T, TS]) Reported(r int) error { return &d.tab.acts[r].reported }

// StepRows applies e to s row by row, as docs/semantics.md says: the first
// row of the machine for (state, e) whose guard holds fires; when none does,
// an unhandled call is rejected (or accepted, changing nothing) and an
// unhandled message is dropped or answered; a timer's expiry disarms it
// before any row applies. A call row that reports an error is a failed call:
// s is returned unchanged with its *ReportedError. An event out of range,
// or a snapshot whose state or a variable is out of range, is rejected.
// It is the reference from which the generated package works out its
// table, and its Step when the variables take too many values for one.
func (d *Def[S, St, E, M, T, TS]) StepRows(s S, e E) (S, Effects[M, TS], error) {
	sp := &d.spec
	st, ts := sp.Parts(s)
	if int(e) >= sp.NumEvents || !sp.Valid(s) {
		return s, d.Effects(-1, 0), d.Reject(st, e)
	}
	call, timeout := int(e) < sp.FirstRecv, int(e) >= sp.FirstTimeout
	if timeout {
		// A timer that has fired is no longer running; a row that wants it again restarts it.
		ts &^= 1 << (int(e) - sp.FirstTimeout)
	}
	r := d.match(s, e)
	if r < 0 {
		if call && !sp.IgnoreCalls {
			return s, d.Effects(-1, 0), d.Reject(st, e)
		}
		sent := 0
		if !call && !timeout {
			sent = d.sentOf(s, e, -1)
		}
		return sp.With(s, st, ts), d.Effects(-1, sent), nil
	}
	a := &d.tab.acts[r]
	if call && a.reported.text != "" {
		// A call row with an error is a failed call; it has no other effect.
		return s, d.Effects(r, 0), &a.reported
	}
	n := s
	if sp.Assign != nil {
		n = sp.Assign(s, e, r)
	}
	if !a.stay {
		st = St(a.to)
	}
	return sp.With(n, st, ts&^a.stop|a.start|a.restart), d.Effects(r, d.sentOf(s, e, r)), nil
}

// match returns the row that fires for e in s, or -1: the first of the
// rows for its state and e whose guard holds. s and e are in range.
func (d *Def[S, St, E, M, T, TS]) match(s S, e E) int {
	st, _ := d.spec.Parts(s)
	for _, r := range d.cands[int(st)*d.spec.NumEvents+int(e)] {
		if !d.guarded[r] || d.spec.Guard(s, e, int(r)) {
			return int(r)
		}
	}
	return -1
}

// sentOf is the list row r (-1: none) sends for e in s.
func (d *Def[S, St, E, M, T, TS]) sentOf(s S, e E, r int) int {
	switch {
	case r < 0:
		return d.tab.reply
	case d.spec.SentOf != nil:
		return d.sentBase[r] + d.spec.SentOf(s, e, r)
	}
	return d.sentBase[r]
}

// Outcome is what a step returns besides the next snapshot: a generated
// table's cell holds the index of its outcome.
type Outcome[M Enum, TS Set] struct {
	Fx  Effects[M, TS]
	Err error
}

// Cells is the layout of a generated table and its cells. A column holds
// what each event does to the snapshots that Index maps to it (Columns bits
// of column, the state in the low IndexVars of them), in a uint64 cell that
// packs, from bit 0: the next state in StateBits bits (the width of the
// generated State), the next variables' codes as Index packs them, the
// timers the step stops (the expired one included) from bit Stop, those it
// arms from bit Arm, and from bit Out the index of its Outcome. When the
// outcome has an error, the next snapshot is the one the step started from
// (with a state or variable out of range clamped as Index clamps it).
type Cells struct {
	Columns, StateBits, IndexVars, Stop, Arm, Out uint
}

// Machine keeps a copy of the table with cells of its own layout, fixed so
// that it reads them with constant shifts: the next column in bits 0 to 15,
// Effects.Row as an int16 in bits 16 to 31, in bit 32 whether the step
// fails, 8 bits each of timers stopped and armed, and the outcome from bit
// 49. A machine whose table or timers do not fit has no copy: its Machine
// calls Step.
const (
	mcRow, mcFail, mcStop, mcArm, mcOut = 16, 32, 33, 41, 49
)

// Fill fills t, the generated table of Step: t[e<<l.Columns | i] is the
// cell of event e, up to NumEvents (which is rejected), in the snapshot of
// column i. It returns the outcomes the cells index, in the order they
// first occur, and keeps Machine's copy of the table.
func (d *Def[S, St, E, M, T, TS]) Fill(t []uint64, l Cells) []Outcome[M, TS] {
	bits := l.Columns
	mc := make([]uint64, len(t))
	sp := &d.spec
	type key struct {
		row, sent int
		err       error
	}
	index := map[key]uint64{}
	var outs []Outcome[M, TS]
	for j := range t {
		s, e := sp.FromIndex(uint(j)&(1<<bits-1)), E(j>>bits)
		st, _ := sp.Parts(s)
		s = sp.With(s, st, 0)
		next, fx, err := d.StepRows(s, e)
		// How the timers change does not depend on them: find it from none and all.
		all, _, _ := d.StepRows(sp.With(s, st, d.timerMask), e)
		if err != nil {
			next, all = s, sp.With(s, st, d.timerMask)
		}
		k := key{fx.Row, fx.sent, err}
		o, ok := index[k]
		if !ok {
			o = uint64(len(outs))
			index[k] = o
			outs = append(outs, Outcome[M, TS]{fx, err})
		}
		_, kept := sp.Parts(all)
		nst, armed := sp.Parts(next)
		col, stop := uint64(sp.Index(next)), uint64(d.timerMask&^kept)
		t[j] = uint64(nst) | col>>l.IndexVars<<l.StateBits | stop<<l.Stop | uint64(armed)<<l.Arm | o<<l.Out
		mc[j] = col | uint64(uint16(fx.Row))<<mcRow | stop<<mcStop | uint64(armed)<<mcArm | o<<mcOut
		if err != nil {
			mc[j] |= 1 << mcFail
		}
	}
	if bits <= mcRow && len(d.tab.acts) < 1<<15 && len(d.spec.After) <= mcArm-mcStop && len(outs) <= 1<<(64-mcOut) {
		d.cells, d.outs, d.layout = mc, outs, l
	}
	return outs
}
