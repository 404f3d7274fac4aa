package fsm

import (
	"math/bits"
	"time"
)

// Timers runs a generated machine's timers on a Clock. The machine keeps
// the set of armed timers in its snapshot (one bit per timer); after each
// step it calls Apply with that set, and Timers starts, re-arms and stops
// clock timers to match. Its callbacks call expire with the timer's index;
// the machine then asks Expired whether the expiry is genuine before firing
// the timeout event.
//
// Timers is not safe for concurrent use: the machine serialises Apply and
// Expired (a generated SyncMachine holds its lock around both). After the
// first arming of each timer, Apply does not allocate.
type Timers struct {
	clock   Clock
	after   []time.Duration
	funcs   []func()
	timers  []Timer
	due     []time.Time
	running uint64 // timers scheduled on the clock and not yet expired
}

// NewTimers returns the timers with the given durations, at most 64, whose
// expiries call expire(i) on the clock's goroutine.
func NewTimers(clock Clock, after []time.Duration, expire func(i int)) *Timers {
	n := min(len(after), 64)
	t := &Timers{
		clock:  clock,
		after:  after[:n:n],
		funcs:  make([]func(), n),
		timers: make([]Timer, n),
		due:    make([]time.Time, n),
	}
	for i := range t.funcs {
		t.funcs[i] = func() { expire(i) }
	}
	return t
}

// Apply makes the running clock timers match armed, the armed set after a
// step. Timers in fresh begin a new period even if they are running
// (restarted, or started while stopped); other armed timers keep running,
// or are scheduled for a full period if they are not running (a timeout
// whose transition left its timer armed: it fires again one period later).
func (t *Timers) Apply(armed, fresh uint64) {
	change := (armed ^ t.running) | (fresh & armed)
	var now time.Time // read once, when a timer is armed
	for change != 0 {
		i := bits.TrailingZeros64(change)
		change &= change - 1
		if i >= len(t.timers) {
			continue
		}
		bit := uint64(1) << i
		if armed&bit == 0 {
			t.timers[i].Stop()
			t.running &^= bit
			continue
		}
		if now.IsZero() {
			now = t.clock.Now()
		}
		d := t.after[i]
		t.due[i] = now.Add(d)
		if t.timers[i] == nil {
			t.timers[i] = t.clock.AfterFunc(d, t.funcs[i])
		} else {
			t.timers[i].Reset(d)
		}
		t.running |= bit
	}
}

// Expired reports whether the callback of timer i that is running now is a
// genuine expiry: the timer is scheduled and its deadline has passed. A
// callback that raced with a Stop or Reset is not. A genuine expiry marks
// the timer as no longer running.
func (t *Timers) Expired(i int) bool {
	if i < 0 || i >= len(t.timers) {
		return false
	}
	bit := uint64(1) << i
	if t.running&bit == 0 || t.clock.Now().Before(t.due[i]) {
		return false
	}
	t.running &^= bit
	return true
}

// Deadline returns when timer i expires, and false if it is not running.
func (t *Timers) Deadline(i int) (time.Time, bool) {
	if i < 0 || i >= len(t.timers) || t.running&(1<<i) == 0 {
		return time.Time{}, false
	}
	return t.due[i], true
}

// StopAll stops every running clock timer, e.g. when the machine is discarded.
func (t *Timers) StopAll() { t.Apply(0, 0) }
