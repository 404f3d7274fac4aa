package fsm

import (
	"sort"
	"sync"
	"time"
)

// Clock is what a generated Machine reads the time from and schedules its
// timers on.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has elapsed, on a goroutine of the clock's
	// choosing (see SystemClock and FakeClock), and returns a handle that
	// stops or re-arms it.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a scheduled callback. Reset re-arms it to run d from now (also
// after it ran or was stopped); Stop cancels it. Both report whether the
// timer was pending.
type Timer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

// SystemClock is the real clock. Its callbacks run on their own goroutines,
// so a machine driven by it must be safe for concurrent use (a generated
// SyncMachine is).
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// FakeClock is a manual clock for tests. Time moves only in Advance, which
// runs the callbacks that come due synchronously on the caller's goroutine,
// in deadline order (ties in the order the timers were created), with the
// clock set to each deadline in turn. A FakeClock is safe for concurrent
// use; callbacks run without its lock held, so they may use the clock.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer // every timer ever created, in creation order
}

// NewFakeClock returns a fake clock that reads start until advanced.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f to run when the clock has been advanced by d.
func (c *FakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clock: c, f: f, when: c.now.Add(d), pending: true}
	c.timers = append(c.timers, t)
	return t
}

// Advance moves the clock forward by d, running every callback that comes
// due, including ones those callbacks schedule within the interval.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	for {
		var next *fakeTimer
		for _, t := range c.timers {
			if t.pending && !t.when.After(end) && (next == nil || t.when.Before(next.when)) {
				next = t
			}
		}
		if next == nil {
			break
		}
		next.pending = false
		if next.when.After(c.now) {
			c.now = next.when
		}
		c.mu.Unlock()
		next.f()
		c.mu.Lock()
	}
	if end.After(c.now) {
		c.now = end
	}
	c.mu.Unlock()
}

// Pending returns the deadlines of the timers still to run, earliest first.
func (c *FakeClock) Pending() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Time
	for _, t := range c.timers {
		if t.pending {
			out = append(out, t.when)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

type fakeTimer struct {
	clock   *FakeClock
	f       func()
	when    time.Time
	pending bool
}

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.pending
	t.pending = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.pending
	t.when = t.clock.now.Add(d)
	t.pending = true
	return was
}
