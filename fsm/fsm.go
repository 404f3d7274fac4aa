// Package fsm is the small runtime that fsmgen's generated machines import:
// the clock their timers run on (real or fake), the scheduling of those
// timers (Timers), and the sentinel errors their rejections and reported
// errors wrap.
//
// The pure core of a generated package (Step, StepPacked) needs none of it;
// only the Machine wrappers schedule timers. Keeping the clock here, rather
// than in each generated file, lets several generated machines share one
// FakeClock in a test.
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
