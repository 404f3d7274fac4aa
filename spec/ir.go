// Package spec loads and validates fsmgen's YAML state-machine specs and
// produces the intermediate representation (IR) that every emitter and the
// model checker consume. Every IR element carries the source position it came from.
package spec

import (
	"fmt"
	"strings"
	"time"
)

// Pos is a position in a spec file. Line and Col are 1-based; zero means unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Spec is a validated spec file: the IR. It declares one or more machines
// (roles) sharing one message vocabulary and one set of params, and the
// check configurations that run them as peers. Slices are in declaration
// order and every element's Index is its position in its slice.
type Spec struct {
	File     string // the name the spec was loaded under (used in positions and generated headers)
	Doc      string
	Pos      Pos
	Params   []*Param
	Messages []*Message
	// Letters are the distinct messages that can be in flight: one per
	// message kind and valuation of its fields, grouped by kind in
	// declaration order, valuations in order (the last field varies
	// fastest). A message without fields is one letter.
	Letters []*Letter

	// Machines are the spec's machines in declaration order. A file in the
	// single-machine form (a top-level machine:) has exactly one.
	Machines []*Machine

	// Machine is the spec's only machine when it declares exactly one, and
	// nil when it declares several; its fields read through Spec (s.States,
	// s.Rows, ...) for single-machine code such as the generated TCP machine.
	// Code that serves systems of several machines uses Machines, or the
	// machine each check peer runs.
	*Machine

	Checks []*Check

	// Warnings are findings that do not make the spec invalid (unreachable
	// states, events that can never fire). Strict validation turns them into errors.
	Warnings []*Error
}

// Machine is one state machine of a spec: a role that check peers run and
// that generated Go implements.
type Machine struct {
	Name  string // a Go identifier
	Doc   string
	Pos   Pos
	Index int
	File  string // the spec's file name

	// Params, Messages and Letters are the spec's, shared by all its machines.
	Params   []*Param
	Messages []*Message
	Letters  []*Letter

	Vars    []*Var
	Timers  []*Timer
	Calls   []*Call
	States  []*State
	Initial *State

	// Events lists every event: first one per call, then one receipt per
	// message, then one expiry per timer, each group in declaration order.
	Events []*Event
	// Inputs are the events as a machine executes them: calls, then one
	// receipt per letter (a message with its field values), then expiries.
	// Without message fields they are the events, index for index.
	Inputs []*Input

	// Rows are the transition rows as written, in file order.
	Rows []*Row
	// Table[state][event] lists the rows that may fire for that pair, in file
	// order. Their guards are mutually exclusive (checked by enumeration).
	Table [][][]*Row

	Unhandled Unhandled
	Layout    Layout

	several bool // the spec declares other machines too (error messages name the machine)
}

// Param is a named duration that timer expressions may use (MSL).
type Param struct {
	Name  string
	Value time.Duration
	Doc   string
	Pos   Pos
	Index int
}

// VarKind is the type of a machine variable.
type VarKind int

const (
	Bool VarKind = iota
	Enum
	Int
)

func (k VarKind) String() string {
	return [...]string{"bool", "enum", "int"}[k]
}

// Var is a small finite variable of the machine. Its value is encoded as a
// small unsigned number: bool false=0/true=1, an enum's value index, an
// int's value minus Min.
type Var struct {
	Name   string
	Kind   VarKind
	Values []string // enum values, in order
	Min    int      // int range, inclusive
	Max    int
	Init   int // initial value (decoded: true=1, enum index, or the int itself)
	Doc    string
	Pos    Pos
	Index  int
	Offset uint // bit offset within the packed snapshot (see Layout)
	Width  uint // bits used in the packed snapshot
}

// Size is the number of values the variable can take.
func (v *Var) Size() int {
	switch v.Kind {
	case Bool:
		return 2
	case Enum:
		return len(v.Values)
	}
	return v.Max - v.Min + 1
}

// Encode maps a decoded value (0/1, enum index, or int) to its packed code.
func (v *Var) Encode(val int) uint64 {
	if v.Kind == Int {
		return uint64(val - v.Min)
	}
	return uint64(val)
}

// Decode maps a packed code back to the value Encode took.
func (v *Var) Decode(code uint64) int {
	if v.Kind == Int {
		return int(code) + v.Min
	}
	return int(code)
}

// Format renders a decoded value in spec syntax.
func (v *Var) Format(val int) string {
	switch v.Kind {
	case Bool:
		return fmt.Sprint(val != 0)
	case Enum:
		if val >= 0 && val < len(v.Values) {
			return v.Values[val]
		}
	}
	return fmt.Sprint(val)
}

// Message is a kind of message the peers exchange.
type Message struct {
	Name  string
	Doc   string
	Pos   Pos
	Index int
	// Fields are the message's data, small finite values declared like
	// variables (without init). A field's Offset and Width place its code
	// in the letter's code.
	Fields []*Var
	// Letters are the message with each valuation of its fields.
	Letters []*Letter
}

// Field returns the message's field named name, or nil.
func (m *Message) Field(name string) *Var {
	for _, f := range m.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Letter is a message kind with values for its fields: what a channel
// holds and a receipt delivers.
type Letter struct {
	Index   int // in Spec.Letters
	Message *Message
	Values  []int // decoded, per field (as Var.Decode gives)
}

// Value returns the letter's value of the field named name (ok false if
// its message has no such field).
func (l *Letter) Value(name string) (int, bool) {
	for i, f := range l.Message.Fields {
		if f.Name == name {
			return l.Values[i], true
		}
	}
	return 0, false
}

// String renders the letter: "SYN", or "DATA(bit=true, seq=2)".
func (l *Letter) String() string {
	if len(l.Message.Fields) == 0 {
		return l.Message.Name
	}
	parts := make([]string, len(l.Values))
	for i, f := range l.Message.Fields {
		parts[i] = f.Name + "=" + f.Format(l.Values[i])
	}
	return l.Message.Name + "(" + strings.Join(parts, ", ") + ")"
}

// Input is one input of a machine as it executes: an event, and for a
// receipt the letter received.
type Input struct {
	Index  int
	Event  *Event
	Letter *Letter // with a receipt
}

// String renders the input as the event, with the letter for a receipt:
// "CLOSE", "recv DATA(bit=true)" or "timeout rto".
func (in *Input) String() string {
	if in.Letter != nil {
		return "recv " + in.Letter.String()
	}
	return in.Event.String()
}

// Timer is a named timer. After is its duration with the spec's params applied.
type Timer struct {
	Name      string
	After     time.Duration
	AfterExpr string // the duration as written, e.g. "2*MSL"
	Doc       string
	Pos       Pos
	Index     int
}

// Call is a user call (an API operation such as OPEN or CLOSE).
type Call struct {
	Name  string
	Doc   string
	Pos   Pos
	Index int
}

// State is a control state of the machine.
type State struct {
	Name    string
	Doc     string
	Initial bool
	Pos     Pos
	Index   int
}

// EventKind says what an event is.
type EventKind int

const (
	CallEvent    EventKind = iota // the user made a call
	MessageEvent                  // a message arrived
	TimerEvent                    // a timer expired
)

func (k EventKind) String() string {
	return [...]string{"call", "recv", "timeout"}[k]
}

// Event is one input of the machine. Exactly one of Call, Message, Timer is set.
type Event struct {
	Kind    EventKind
	Call    *Call
	Message *Message
	Timer   *Timer
	Index   int
}

// Name is the bare name of the call, message or timer.
func (e *Event) Name() string {
	switch e.Kind {
	case CallEvent:
		return e.Call.Name
	case MessageEvent:
		return e.Message.Name
	}
	return e.Timer.Name
}

// String renders the event as the spec's `on:` syntax writes it:
// "CLOSE", "recv SYN" or "timeout time_wait".
func (e *Event) String() string {
	if e.Kind == CallEvent {
		return e.Call.Name
	}
	return e.Kind.String() + " " + e.Name()
}

// Row is one transition row as written in the spec. It fires for every
// (state, event) pair of From × On when its guard holds.
type Row struct {
	Index int
	Pos   Pos
	Doc   string
	From  []*State // the states the row leaves (expanded from "*" and except)
	On    []*Event
	Guard Expr   // nil when the row has no guard; type Bool, over the machine's variables
	To    *State // nil: the row stays in the state it fired in
	// Send lists the messages sent, in order: first those of `send:`,
	// which go where the peer sends (its sends_to), then the last Replies
	// of them, those of `reply:`, which go back to the sender of the
	// message received (only a receipt row replies).
	Send []*Message
	// SendFields holds, per entry of Send, the value of each of the
	// message's fields (nil for a message without fields). The values
	// are expressions over the machine's variables and, in a receipt
	// row, the received message's fields (msg.NAME).
	SendFields [][]Expr
	Replies    int      // how many of the last entries of Send are replies
	Start      []*Timer // arm (an armed timer keeps running)
	Stop       []*Timer
	Restart    []*Timer // disarm and arm afresh
	Set        []Assign // evaluated simultaneously on the old values
	Error      string   // a user-visible error the row reports ("connection reset"), or ""
}

// Target is the state the row enters when it fires in state from.
func (r *Row) Target(from *State) *State {
	if r.To == nil {
		return from
	}
	return r.To
}

// Sent lists the messages of the row's `send:`.
func (r *Row) Sent() []*Message { return r.Send[:len(r.Send)-r.Replies] }

// Replied lists the messages of the row's `reply:`.
func (r *Row) Replied() []*Message { return r.Send[len(r.Send)-r.Replies:] }

// ReadsMsg reports whether any expression of the row (guard, set, send
// fields) reads the received message (msg.FIELD).
func (r *Row) ReadsMsg() bool {
	if readsMsg(r.Guard) {
		return true
	}
	for _, a := range r.Set {
		if readsMsg(a.Value) {
			return true
		}
	}
	for _, fs := range r.SendFields {
		for _, x := range fs {
			if readsMsg(x) {
				return true
			}
		}
	}
	return false
}

// Assign is one `set:` entry: Var takes the value of Value (an expression over the old values).
type Assign struct {
	Var   *Var
	Value Expr
}

// UnhandledMessage says what happens to a message that no row handles.
type UnhandledMessage int

const (
	DropMessage  UnhandledMessage = iota // discard it
	ReplyMessage                         // discard it and send Unhandled.Reply back
)

// UnhandledCall says what happens to a call that no row handles.
type UnhandledCall int

const (
	RejectCall UnhandledCall = iota // return an error to the caller; nothing changes
	IgnoreCall                      // accept it and do nothing
)

func (c UnhandledCall) String() string { return [...]string{"reject", "ignore"}[c] }

// Unhandled is the policy for events that no row handles. An expired timer
// that no row handles is simply disarmed.
type Unhandled struct {
	Messages UnhandledMessage
	Reply    *Message // with ReplyMessage
	Calls    UnhandledCall
	Pos      Pos
}

// Layout is how a peer's snapshot (control state, variables, armed timers)
// packs into one machine word: the state index in the low StateBits bits,
// each variable's code at its Offset (Width bits), and one bit per timer
// from TimerOffset, in timer order.
type Layout struct {
	StateBits   uint
	TimerOffset uint
	Bits        uint // total bits used
}

// Order is how a channel delivers.
type Order int

const (
	Unordered Order = iota // any message present may be delivered next
	Ordered                // first in, first out
)

func (o Order) String() string { return [...]string{"unordered", "ordered"}[o] }

// FullPolicy is what a send to a full channel does.
type FullPolicy int

const (
	DropWhenFull  FullPolicy = iota // the message is lost
	BlockWhenFull                   // the sending action cannot happen until there is room
)

func (f FullPolicy) String() string { return [...]string{"drop", "block"}[f] }

// TimeoutPolicy says when an armed timer may fire in a check. Checks are
// untimed, so without a policy a timer may fire at any moment, however
// soon after it was started.
type TimeoutPolicy int

const (
	// AnyTimeout lets an armed timer fire at any moment: premature
	// retransmissions and all.
	AnyTimeout TimeoutPolicy = iota
	// IdleTimeout lets an armed timer fire only while no message is in
	// flight in either direction: the timer outlasts every round trip, so
	// it fires only once what was sent has arrived or been lost. This is
	// what a 2*MSL wait guarantees, and what a retransmission timeout longer
	// than the round trip approximates.
	IdleTimeout
)

func (t TimeoutPolicy) String() string { return [...]string{"any", "idle"}[t] }

// Fairness is the fairness a liveness goal is checked under.
type Fairness int

const (
	NoFairness Fairness = iota
	WeakFairness
	StrongFairness
)

func (f Fairness) String() string { return [...]string{"none", "weak", "strong"}[f] }

// Check is a named check configuration: two peers, each running a machine, one
// channel per direction, and the properties to verify.
type Check struct {
	Name    string
	Doc     string
	Pos     Pos
	Index   int
	Default bool // the configuration `fsmgen check` uses when none is named
	// Peers are the check's peers (2 to 8), in declaration order.
	Peers []*Peer
	// Channels has one channel per ordered pair of peers, grouped by the
	// receiving peer in peer order, then by sender: with two peers,
	// Channels[i] carries the messages sent to Peers[i].
	Channels []*Channel
	Timeouts TimeoutPolicy
	// Time makes the check timed (docs/semantics.md, "Timed checks"):
	// time passes in ticks, timers fire at their deadlines and messages
	// age; nil: untimed.
	Time *Timing
	// Params are the params in effect for the check: the spec's, with the
	// check's own params: overriding some. Timer durations and lifetimes
	// in the check are evaluated with them.
	Params   []*Param
	Terminal Expr // deadlocks satisfying it are proper ends; nil: every deadlock is a violation
	// Invariants and Eventually include the monitors' (named MONITOR.NAME).
	Invariants []*Property
	Eventually []*Liveness
	// Monitors observe the peers: their variables are part of the checked
	// state, never of a machine.
	Monitors []*Monitor

	TerminalSource string // Terminal as written
	// Overrides are the command-line overrides applied to the check, as
	// "--set FIELD=VALUE", for errors found after loading to name them.
	Overrides []string

	carries []bool // Carries by channel, once the loader has wired the peers
}

// Timing is a timed check's time: its tick and the windows of early timers.
type Timing struct {
	Tick  time.Duration
	Early map[string]time.Duration // by timer name; absent = 0
	Pos   Pos
}

// duration is t's duration under c's params: its after expression
// evaluated with them (t.After when that cannot be done, as for a check
// built by hand without Params).
func (c *Check) duration(m *Machine, t *Timer) time.Duration {
	params := c.Params
	if params == nil {
		params = m.Params
	}
	if d, err := evalDuration(t.AfterExpr, params); err == nil {
		return d
	}
	return t.After
}

// Ticks is t's duration in ticks under c's params; 0 when c is untimed.
func (c *Check) Ticks(m *Machine, t *Timer) int {
	if c.Time == nil || c.Time.Tick <= 0 {
		return 0
	}
	return int(c.duration(m, t) / c.Time.Tick)
}

// EarlyTicks is how many ticks before its deadline t may fire (its early
// window in ticks); 0 when c is untimed or gives t no window.
func (c *Check) EarlyTicks(m *Machine, t *Timer) int {
	if c.Time == nil || c.Time.Tick <= 0 {
		return 0
	}
	return int(c.Time.Early[t.Name] / c.Time.Tick)
}

// Monitor is an observer of a check, as P's spec machines and TLA+'s
// history variables: bounded variables, updated by handlers on what the
// peers do, and properties over them.
type Monitor struct {
	Name     string
	Doc      string
	Pos      Pos
	Index    int
	Vars     []*Var // Offset and Width place each in the monitor's packed value
	Bits     uint   // the width of the packed value
	Handlers []*Handler
}

// Observed is what a monitor handler observes.
type Observed int

const (
	ObserveCall  Observed = iota // a peer's successful call
	ObserveSend                  // a message a peer sends (one handler run per message)
	ObserveRecv                  // a message delivered to a peer, handled or not
	ObserveEnter                 // a peer's step that enters a state from another
)

func (o Observed) String() string { return [...]string{"call", "send", "recv", "enter"}[o] }

// Handler updates a monitor's variables when a peer does what it observes.
// Its guard and values read the monitor's variables, the peers' states
// and variables before the action, and for send and recv the message
// (msg.FIELD). The handlers of one action run in order: the call or
// receipt, then each message sent, then the entry into a state.
type Handler struct {
	Kind    Observed
	Peer    *Peer
	Call    *Call    // ObserveCall
	Message *Message // ObserveSend, ObserveRecv
	State   *State   // ObserveEnter
	Guard   Expr     // nil: always
	Set     []Assign // evaluated simultaneously on the values before the handler
	Pos     Pos
}

// Target is what h observes as written: "PEER.NAME".
func (h *Handler) Target() string {
	name := ""
	switch h.Kind {
	case ObserveCall:
		name = h.Call.Name
	case ObserveSend, ObserveRecv:
		name = h.Message.Name
	case ObserveEnter:
		name = h.State.Name
	}
	return h.Peer.Name + "." + name
}

// String renders what h observes: "recv r.DATA".
func (h *Handler) String() string { return h.Kind.String() + " " + h.Target() }

// Peer is one endpoint of a check: a named instance of one of the spec's machines.
type Peer struct {
	Name    string
	Index   int
	Pos     Pos
	Machine *Machine
	// Calls lists the calls the peer may make. Budget is how many times in
	// a run; Unbounded means any number.
	Calls []*CallBudget
	// SendsTo are the peers its messages go to: the only other peer of a
	// two-peer check, else those its sends_to names (each message is sent
	// to every one of them).
	SendsTo []*Peer
}

// MaxPeers bounds the peers of a check.
const MaxPeers = 8

// Peer returns the peer named name, or nil.
func (c *Check) Peer(name string) *Peer {
	for _, p := range c.Peers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Into lists the channels that carry messages to peer to, by sender.
func (c *Check) Into(to int) []*Channel {
	var out []*Channel
	for _, ch := range c.Channels {
		if ch.To == to {
			out = append(out, ch)
		}
	}
	return out
}

// Between returns the channel from peer from to peer to.
func (c *Check) Between(from, to int) *Channel {
	for _, ch := range c.Channels {
		if ch.From == from && ch.To == to {
			return ch
		}
	}
	return nil
}

// Unused reports whether the system leaves channel ch out: with more than
// two peers, a channel that never Carries a message has no actions, no
// bits of state, no place in traces and no part in the range of len(net).
// A two-peer check keeps both its channels, whatever its machines send.
func (c *Check) Unused(ch *Channel) bool { return len(c.Peers) > 2 && !c.Carries(ch) }

// Carries reports whether a message may ever be in channel ch: whether
// its sender's machine sends, and to its receiver (sends_to), or replies,
// and its receiver may send it a message (the channel back carries).
func (c *Check) Carries(ch *Channel) bool {
	if c.carries != nil {
		return c.carries[ch.Index]
	}
	return c.carrying()[ch.Index]
}

// carrying computes Carries for every channel: the sends, then replies
// to what arrives, until nothing changes.
func (c *Check) carrying() []bool {
	out := make([]bool, len(c.Channels))
	replies := make([]bool, len(c.Peers))
	for i, p := range c.Peers {
		if p.Machine == nil {
			continue // reported by the loader
		}
		replies[i] = p.Machine.Replies()
		if sends, _ := machineSends(p.Machine); !sends {
			continue
		}
		for _, to := range p.SendsTo {
			if ch := c.Between(i, to.Index); ch != nil {
				out[ch.Index] = true
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, ch := range c.Channels {
			if !out[ch.Index] && replies[ch.From] {
				if back := c.Between(ch.To, ch.From); back != nil && out[back.Index] {
					out[ch.Index], changed = true, true
				}
			}
		}
	}
	return out
}

// Unbounded is the budget of a call a peer may make any number of times.
const Unbounded = -1

// CallBudget is a call a peer may make and how often.
type CallBudget struct {
	Call   *Call
	Budget int // > 0, or Unbounded
	Pos    Pos
}

// Channel is the network in one direction.
type Channel struct {
	Index     int // in Check.Channels
	From      int // index of the sending peer
	To        int // index of the receiving peer
	Order     Order
	Capacity  int
	Full      FullPolicy
	Loss      bool // any message in the channel may be lost
	Duplicate bool // any message in the channel may be duplicated while there is room
	// Lifetime is how many ticks a message lives in the channel in a timed
	// check: its age (ticks since its send) stays below it. The tick that
	// would age a message to Lifetime loses it in a lossy channel and, in
	// a lossless one, waits until it is delivered. At least 1 when set;
	// 0: messages do not age (always 0 in an untimed check).
	Lifetime int
	Pos      Pos
}

// Ages is the number of ages a message in ch may have, 0 to Ages()-1:
// Lifetime when messages age in it, else 1. With a Lifetime of 1 too a
// message has the one age 0, but the lifetime still applies: ask
// Lifetime > 0, not Ages() > 1, whether the tick concerns ch.
func (ch *Channel) Ages() int {
	if ch.Lifetime > 0 {
		return ch.Lifetime
	}
	return 1
}

// Property is a named invariant: it must hold in every reachable state.
type Property struct {
	Name    string
	Expr    Expr
	Source  string
	Pos     Pos
	Monitor *Monitor // the monitor that declares it, or nil
}

// Liveness is a named goal that every fair behaviour must reach again and
// again: a reachable fair cycle (or a deadlock) on which Goal never holds
// violates it.
type Liveness struct {
	Name     string
	Goal     Expr
	Source   string
	Fairness Fairness
	Pos      Pos
	Monitor  *Monitor // the monitor that declares it, or nil
}

// Lookup helpers.

// MachineNamed returns the machine named name, or nil.
func (s *Spec) MachineNamed(name string) *Machine {
	for _, m := range s.Machines {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// SelectMachine returns the machine named name, or the spec's only machine
// when name is empty; the error lists the machines to choose from.
func (s *Spec) SelectMachine(name string) (*Machine, error) {
	if m := s.MachineNamed(name); m != nil {
		return m, nil
	}
	if name == "" && s.Machine != nil {
		return s.Machine, nil
	}
	var names []string
	for _, m := range s.Machines {
		names = append(names, m.Name)
	}
	if name == "" {
		return nil, fmt.Errorf("%s: the spec declares %d machines: name one of %s", s.Pos, len(names), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%s: no machine %q: expected one of %s", s.Pos, name, strings.Join(names, ", "))
}

// State returns the state named name, or nil.
func (s *Machine) State(name string) *State {
	for _, st := range s.States {
		if st.Name == name {
			return st
		}
	}
	return nil
}

// Check returns the check configuration named name, or nil. An empty name
// selects the default configuration.
func (s *Spec) Check(name string) *Check {
	for _, c := range s.Checks {
		if c.Name == name || (name == "" && c.Default) {
			return c
		}
	}
	return nil
}

// LetterInput returns the input that receives letter l.
func (s *Machine) LetterInput(l *Letter) *Input { return s.Inputs[len(s.Calls)+l.Index] }

// EventInput returns the input of a call or expiry event.
func (s *Machine) EventInput(e *Event) *Input {
	switch e.Kind {
	case CallEvent:
		return s.Inputs[e.Call.Index]
	case TimerEvent:
		return s.Inputs[len(s.Calls)+len(s.Letters)+e.Timer.Index]
	}
	panic("spec: EventInput of a receipt: a receipt's input depends on the letter")
}

// CallEvent returns the event for call c.
func (s *Machine) CallEvent(c *Call) *Event { return s.Events[c.Index] }

// MessageEvent returns the receipt event for message m.
func (s *Machine) MessageEvent(m *Message) *Event { return s.Events[len(s.Calls)+m.Index] }

// TimerEvent returns the expiry event for timer t.
func (s *Machine) TimerEvent(t *Timer) *Event {
	return s.Events[len(s.Calls)+len(s.Messages)+t.Index]
}
