// Package spec loads and validates fsmgen's YAML state-machine specs and
// produces the intermediate representation (IR) that every emitter and the
// model checker consume. Every IR element carries the source position it came from.
package spec

import (
	"fmt"
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

// Spec is a validated machine: the IR. Slices are in declaration order and
// every element's Index is its position in its slice.
type Spec struct {
	File     string // the name the spec was loaded under (used in positions and generated headers)
	Name     string // machine name, a Go identifier
	Doc      string
	Pos      Pos
	Params   []*Param
	Vars     []*Var
	Messages []*Message
	Timers   []*Timer
	Calls    []*Call
	States   []*State
	Initial  *State

	// Events lists every event: first one per call, then one receipt per
	// message, then one expiry per timer, each group in declaration order.
	Events []*Event

	// Rows are the transition rows as written, in file order.
	Rows []*Row
	// Table[state][event] lists the rows that may fire for that pair, in file
	// order. Their guards are mutually exclusive (checked by enumeration).
	Table [][][]*Row

	Unhandled Unhandled
	Checks    []*Check
	Layout    Layout

	// Warnings are findings that do not make the spec invalid (unreachable
	// states, events that can never fire). Strict validation turns them into errors.
	Warnings []*Error
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
	Index   int
	Pos     Pos
	Doc     string
	From    []*State // the states the row leaves (expanded from "*" and except)
	On      []*Event
	Guard   Expr   // nil when the row has no guard; type Bool, over the machine's variables
	To      *State // nil: the row stays in the state it fired in
	Send    []*Message
	Start   []*Timer // arm (an armed timer keeps running)
	Stop    []*Timer
	Restart []*Timer // disarm and arm afresh
	Set     []Assign // evaluated simultaneously on the old values
	Error   string   // a user-visible error the row reports ("connection reset"), or ""
}

// Target is the state the row enters when it fires in state from.
func (r *Row) Target(from *State) *State {
	if r.To == nil {
		return from
	}
	return r.To
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

// Check is a named check configuration: two peers running the machine, one
// channel per direction, and the properties to verify.
type Check struct {
	Name       string
	Doc        string
	Pos        Pos
	Index      int
	Default    bool // the configuration `fsmgen check` uses when none is named
	Peers      [2]*Peer
	Channels   [2]*Channel // Channels[i] carries messages to Peers[i] (from the other peer)
	Timeouts   TimeoutPolicy
	Terminal   Expr // deadlocks satisfying it are proper ends; nil: every deadlock is a violation
	Invariants []*Property
	Eventually []*Liveness

	TerminalSource string // Terminal as written
}

// Peer is one endpoint of a check: a named instance of the machine.
type Peer struct {
	Name  string
	Index int
	Pos   Pos
	// Calls lists the calls the peer may make. Budget is how many times in
	// a run; Unbounded means any number.
	Calls []*CallBudget
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
	To        int // index of the receiving peer; the sender is 1-To
	Order     Order
	Capacity  int
	Full      FullPolicy
	Loss      bool // any message in the channel may be lost
	Duplicate bool // any message in the channel may be duplicated while there is room
	Pos       Pos
}

// Property is a named invariant: it must hold in every reachable state.
type Property struct {
	Name   string
	Expr   Expr
	Source string
	Pos    Pos
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
}

// Lookup helpers.

// State returns the state named name, or nil.
func (s *Spec) State(name string) *State {
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

// CallEvent returns the event for call c.
func (s *Spec) CallEvent(c *Call) *Event { return s.Events[c.Index] }

// MessageEvent returns the receipt event for message m.
func (s *Spec) MessageEvent(m *Message) *Event { return s.Events[len(s.Calls)+m.Index] }

// TimerEvent returns the expiry event for timer t.
func (s *Spec) TimerEvent(t *Timer) *Event {
	return s.Events[len(s.Calls)+len(s.Messages)+t.Index]
}
