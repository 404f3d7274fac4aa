// Package fsm is the runtime that fsmgen's generated machines import. A
// generated package holds what depends on its spec: its typed constants, its
// Snapshot, the rows as data and the pure Step that looks each step up in a
// table. This package holds what is the same for every spec:
//
//   - Def, the machine as the runtime sees it: the rows' actions, their
//     preallocated errors, the semantics of a step row by row (from which the
//     generated package works out its table) and the lists of messages sent;
//   - Machine and SyncMachine, which run a Step for embedding: timers on a
//     Clock (real or fake), hooks for sends, transitions and errors;
//   - Effects, RejectedError, ReportedError, Row and Transition, generic over
//     the generated types, which the generated package names with aliases;
//   - Packed, the machine over the model checker's packed snapshots;
//   - the version guard that stops a generated file compiling against a
//     runtime it was not generated for (EnforceVersion).
//
// Keeping the clock here, rather than in each generated file, lets several
// generated machines share one FakeClock in a test.
package fsm

import "errors"

// ErrRejected is wrapped by the error a generated machine returns for an
// event that no transition handles and the spec's unhandled policy rejects.
// A rejected event changes nothing.
var ErrRejected = errors.New("event rejected")

// ErrReported is wrapped by the error a generated machine returns when the
// transition that fired reports an error to the user ("connection reset").
// Unlike a rejection, the transition happened.
var ErrReported = errors.New("transition reported an error")

// Enum is the constraint of a generated machine's State, Event, Message and
// Timer types: small unsigned integers with names.
type Enum interface {
	~uint8 | ~uint16
	String() string
}

// Set is the constraint of a generated TimerSet: one bit per timer.
type Set interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64
}

// RejectedError is the error for an event that no transition handles in a
// state and that the spec's unhandled policy rejects; nothing changed. A
// generated Step returns a pointer to a shared, preallocated value, so
// rejecting does not allocate and equal rejections are equal errors. Match
// it with errors.Is(err, ErrRejected) or errors.As(err, new(*RejectedError)).
type RejectedError[St, E Enum] struct {
	machine string
	state   St
	event   E
	invalid bool // the event is out of range: NumEvents, or past it
}

// State is the state the event was rejected in.
func (e *RejectedError[St, E]) State() St { return e.state }

// Event is the rejected event.
func (e *RejectedError[St, E]) Event() E { return e.event }

// Error names the machine, the event and the state.
func (e *RejectedError[St, E]) Error() string {
	if e.invalid {
		return e.machine + ": invalid event (out of range, or the receipt of an invalid message) in state " + e.state.String() + ": event rejected"
	}
	return e.machine + ": " + e.event.String() + " in state " + e.state.String() + ": event rejected"
}

// Unwrap returns ErrRejected.
func (e *RejectedError[St, E]) Unwrap() error { return ErrRejected }

// ReportedError is an error a row of the spec reports to the user. On a
// call, it is a failed call ("connection does not exist"): nothing changed.
// On a message or timeout, the transition happened and reports it
// ("connection reset"). It is a pointer to a shared, preallocated value per
// row. Match it with errors.Is(err, ErrReported).
type ReportedError struct {
	machine, text string
	row           int
}

// Row is the index in the machine's Transitions of the row that reported
// the error.
func (e *ReportedError) Row() int { return e.row }

// Error returns the text the spec gives the error, after the machine's name.
func (e *ReportedError) Error() string { return e.machine + ": " + e.text }

// Unwrap returns ErrReported.
func (e *ReportedError) Unwrap() error { return ErrReported }
