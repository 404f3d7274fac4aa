package fsm_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fsmgen/fsmgen/fsm"
)

func ExampleFakeClock() {
	clock := fsm.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	start := clock.Now()
	clock.AfterFunc(2*time.Minute, func() { fmt.Println("second, at", clock.Now().Sub(start)) })
	t := clock.AfterFunc(time.Minute, func() { fmt.Println("first, at", clock.Now().Sub(start)) })
	clock.AfterFunc(time.Hour, func() { fmt.Println("never") })
	clock.Advance(30 * time.Second)
	t.Reset(time.Minute) // now due at 1m30s
	clock.Advance(5 * time.Minute)
	fmt.Println("now", clock.Now().Sub(start), "pending", len(clock.Pending()))
	// Output:
	// first, at 1m30s
	// second, at 2m0s
	// now 5m30s pending 1
}

func TestFakeClockCallbackSchedules(t *testing.T) {
	clock := fsm.NewFakeClock(time.Unix(0, 0))
	var ticks []time.Duration
	var tick fsm.Timer
	tick = clock.AfterFunc(time.Second, func() {
		ticks = append(ticks, clock.Now().Sub(time.Unix(0, 0)))
		tick.Reset(time.Second)
	})
	clock.Advance(3500 * time.Millisecond)
	if len(ticks) != 3 || ticks[2] != 3*time.Second {
		t.Fatalf("ticks %v, want 1s 2s 3s", ticks)
	}
	if !tick.Stop() || tick.Stop() {
		t.Fatal("Stop should report pending once")
	}
}

func TestTimers(t *testing.T) {
	clock := fsm.NewFakeClock(time.Unix(0, 0))
	var expired []int
	var ts *fsm.Timers
	ts = fsm.NewTimers(clock, []time.Duration{time.Second, time.Minute}, func(i int) {
		if ts.Expired(i) {
			expired = append(expired, i)
		}
	})
	ts.Apply(0b11, 0b11)
	if d, ok := ts.Deadline(1); !ok || d.Sub(time.Unix(0, 0)) != time.Minute {
		t.Fatalf("deadline %v %v", d, ok)
	}
	clock.Advance(500 * time.Millisecond)
	ts.Apply(0b11, 0b01) // restart timer 0: due at 1.5s
	ts.Apply(0b11, 0)    // no change
	clock.Advance(900 * time.Millisecond)
	if len(expired) != 0 {
		t.Fatalf("expired early: %v", expired)
	}
	clock.Advance(200 * time.Millisecond)
	if len(expired) != 1 || expired[0] != 0 {
		t.Fatalf("expired %v, want [0]", expired)
	}
	if _, ok := ts.Deadline(0); ok {
		t.Fatal("an expired timer is still running")
	}
	ts.Apply(0b00, 0) // stop timer 1
	clock.Advance(time.Hour)
	if len(expired) != 1 || len(clock.Pending()) != 0 {
		t.Fatalf("expired %v, pending %v", expired, clock.Pending())
	}
	if ts.Expired(5) || ts.Expired(-1) {
		t.Fatal("Expired accepts an index out of range")
	}
	allocs := testing.AllocsPerRun(100, func() {
		ts.Apply(0b11, 0b11)
		ts.Apply(0b00, 0)
	})
	if allocs != 0 {
		t.Errorf("Apply allocates %v times once the timers exist", allocs)
	}
}

func TestSystemClock(t *testing.T) {
	done := make(chan struct{})
	timer := fsm.SystemClock.AfterFunc(time.Millisecond, func() { close(done) })
	<-done
	if timer.Stop() {
		t.Error("Stop after expiry reports pending")
	}
	if fsm.SystemClock.Now().IsZero() {
		t.Error("zero time")
	}
}
