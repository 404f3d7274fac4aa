package modelcheck

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// This file keeps a search within its memory limit. The limit bounds what
// the process holds from the operating system: the visited set, the
// queues, the liveness graph and everything else. Two mechanisms share the
// work: before each large allocation (growing the visited set, joining the
// queues, building the liveness graph) the search estimates what it would
// hold afterwards and stops instead of passing the limit; and a watcher
// samples the runtime's own account of the memory it has mapped, making
// the garbage collector keep the heap under the limit and stopping the
// search if it is passed anyway.

// errMemoryLimit is the cause of a search cancelled at its memory limit.
var errMemoryLimit = errors.New("memory limit")

// DefaultMemoryLimit is the memory limit fsmgen check uses without
// --max-memory: three quarters of the machine's memory, or of the control
// group's limit where one is set and lower. It returns 0 where neither
// can be read.
func DefaultMemoryLimit() uint64 {
	total := machineMemory()
	if cg := cgroupLimit(); cg > 0 && (total == 0 || cg < total) {
		total = cg
	}
	return total / 4 * 3
}

// machineMemory reads MemTotal from /proc/meminfo.
func machineMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			fs := strings.Fields(rest)
			if len(fs) == 2 && fs[1] == "kB" {
				if n, err := strconv.ParseUint(fs[0], 10, 64); err == nil {
					return n << 10
				}
			}
		}
	}
	return 0
}

// cgroupLimit reads the memory limit of the process's control group (v2,
// then v1), or 0 when there is none.
func cgroupLimit() uint64 {
	paths := []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}
	if data, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "0::"); ok && rest != "/" && rest != "" {
				paths = append([]string{"/sys/fs/cgroup" + rest + "/memory.max"}, paths...)
			}
		}
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(data))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n >= 1<<60 { // v1's "no limit" is a huge number
			return 0
		}
		return n
	}
	return 0
}

// heldMemory is the memory the Go runtime holds from the operating system:
// everything it has mapped less what it has returned.
func heldMemory(samples []metrics.Sample) uint64 {
	metrics.Read(samples)
	total, released := samples[0].Value, samples[1].Value
	if total.Kind() != metrics.KindUint64 || released.Kind() != metrics.KindUint64 {
		return 0
	}
	return total.Uint64() - released.Uint64()
}

// baseOverhead is what a process holds beyond the Go runtime's account:
// the program text and data, thread stacks and the C runtime.
const baseOverhead = 8 << 20

// watchMemory keeps the search sr within limit until the returned stop
// function is called: it lowers the garbage collector's target below the
// limit and, every few milliseconds, stops the search (cancel, with
// errMemoryLimit) when the memory held comes within a sixteenth of it.
func (sr *search) watchMemory(limit uint64, cancel context.CancelCauseFunc) (stop func()) {
	if limit == 0 {
		return func() {}
	}
	// The collector works to keep the heap under 85% of the limit; the
	// rest is for what the runtime holds beyond the heap.
	target := int64(limit) / 20 * 17
	if limit > math.MaxInt64 {
		target = math.MaxInt64
	}
	target = max(target-baseOverhead, 1<<20)
	prev := debug.SetMemoryLimit(target)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// Stop a little short of the limit: allocations in flight
				// between two samples take the rest.
				if held := heldMemory(samples) + baseOverhead; held > limit-limit/16 {
					sr.halt(sr.memoryReason())
					cancel(errMemoryLimit)
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetMemoryLimit(prev)
	}
}

func (sr *search) memoryReason() string {
	return fmt.Sprintf("stopped at the memory limit (%s)", FormatBytes(sr.c.maxMemory))
}

// livenessBytes estimates what the liveness pass allocates for a graph of
// n nodes and e edges over a visited set of limit slots: the graph in
// compressed rows, the slot index, and the component search's scratch.
func livenessBytes(n, e, limit uint64, classes int) uint64 {
	nc := uint64(max(1, (classes+63)/64))
	perNode := 4 + 4 + 8*nc + // slot, off, enabled
		4 + 4 + 4 + 1 + 1 + // index, low, stamp, onStack, bad
		4 + 4 + 8 + 4 // the component search's lists, stacks and frames
	return 4*limit + n*perNode + e*(4+2)
}

// cancelReason says why ctx was cancelled.
func (sr *search) cancelReason(ctx context.Context) string {
	if errors.Is(context.Cause(ctx), errMemoryLimit) {
		return sr.memoryReason()
	}
	return "interrupted"
}

// joinQueues makes the workers' queues of the next level the frontier. It
// stops the search instead when the two copies would pass the memory
// limit, and lets the old frontier and the workers' queues go.
func (sr *search) joinQueues() ([]uint64, bool) {
	n := 0
	for _, w := range sr.workers {
		n += len(w.next)
	}
	if lim := sr.c.maxMemory; lim > 0 {
		held := sr.set.size*sr.set.bytesPerSlot() + baseOverhead
		for _, w := range sr.workers {
			held += uint64(cap(w.next)) * 8
		}
		if held+uint64(n)*8 > lim {
			sr.halt(sr.memoryReason())
			return nil, false
		}
	}
	sr.front = nil
	next := make([]uint64, 0, n)
	for _, w := range sr.workers {
		next = append(next, w.next...)
		if sr.c.maxMemory > 0 {
			w.next = nil // a fresh queue each level: the old one may be large
		} else {
			w.next = w.next[:0]
		}
	}
	return next, true
}
