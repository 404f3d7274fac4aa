package modelcheck

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

func TestDefaultMemoryLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/meminfo")
	}
	total := machineMemory()
	if total == 0 {
		t.Fatal("no MemTotal in /proc/meminfo")
	}
	got := DefaultMemoryLimit()
	want := total
	if cg := cgroupLimit(); cg > 0 && cg < want {
		want = cg
	}
	if got != want/4*3 {
		t.Errorf("DefaultMemoryLimit() = %s, want three quarters of %s", FormatBytes(got), FormatBytes(want))
	}
	t.Logf("machine %s, control group %s, default limit %s", FormatBytes(total), FormatBytes(cgroupLimit()), FormatBytes(got))
}

// After a cancel the ticker halts the search once and then only waits for
// the level to end, instead of selecting the closed channel again and again.
func TestTickHaltsOnceAfterCancel(t *testing.T) {
	sr := &search{c: &Checker{every: time.Hour}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		sr.tick(ctx, done, func() {})
	}()
	time.Sleep(50 * time.Millisecond) // the level still running
	close(done)
	<-finished
	if n := sr.halts.Load(); n != 1 {
		t.Errorf("halt called %d times, want once", n)
	}
	if sr.reason != "interrupted" {
		t.Errorf("reason %q", sr.reason)
	}
}

// The watcher stops a search, the liveness pass included (it runs under
// the cancelled context), when the memory held nears the limit, whatever
// holds it.
func TestWatchMemoryStopsAtTheLimit(t *testing.T) {
	debug.FreeOSMemory() // what earlier tests left is not reused below
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	limit := heldMemory(samples) + baseOverhead + 64<<20
	sr := &search{c: &Checker{maxMemory: limit}}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := sr.watchMemory(limit, cancel)
	var hold [][]byte
	for i := 0; i < 256 && ctx.Err() == nil; i++ { // 256 MiB at most
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(j)
		}
		hold = append(hold, b)
		time.Sleep(time.Millisecond)
	}
	stop()
	if !errors.Is(context.Cause(ctx), errMemoryLimit) {
		t.Fatalf("not stopped after holding %d MiB more under a limit %s above what was held", len(hold), FormatBytes(64<<20))
	}
	if !strings.Contains(sr.reason, "stopped at the memory limit") || sr.cancelReason(ctx) != sr.reason {
		t.Errorf("reason %q, cancel reason %q", sr.reason, sr.cancelReason(ctx))
	}
	// The watcher samples every few milliseconds while the loop adds a MiB
	// a millisecond, and a busy machine delays both: a few MiB past the
	// limit is the sampling, many more would be a watcher that missed it.
	if len(hold) > 64+16 {
		t.Errorf("stopped only after %d MiB more under a limit 64 MiB above", len(hold))
	}
	runtime.KeepAlive(hold)
}
