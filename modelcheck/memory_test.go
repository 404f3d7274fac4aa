package modelcheck

import (
	"context"
	"runtime"
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
