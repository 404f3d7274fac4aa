package modelcheck

import (
	"context"
	"fmt"
	"syscall"
	"testing"

	"github.com/fsmgen/fsmgen/spec"
	"github.com/fsmgen/fsmgen/spec/spectest"
)

// tcpBenchSpec is the TCP spec without sequence numbers (the model the
// performance bars were set on; the sequenced spec's 26 letters give an
// unordered inbox of capacity 7 too many contents to tabulate) with its
// lossy check set to an unordered network of the given capacity (loss, no
// duplication).
func tcpBenchCheck(tb testing.TB, capacity int) (*spec.Spec, *spec.Check) {
	tb.Helper()
	s := spectest.Load(tb, "../spec/testdata/tcp_unsequenced.yaml")
	c := s.Check("lossy")
	if c == nil {
		tb.Skip("spec/tcp.yaml has no lossy check")
	}
	for _, ch := range c.Channels {
		ch.Order, ch.Capacity, ch.Loss, ch.Duplicate, ch.Full = spec.Unordered, capacity, true, false, spec.DropWhenFull
	}
	if anyTimeouts {
		c.Timeouts = spec.AnyTimeout
	}
	// Safety only: the benchmark measures exploration.
	c.Eventually = nil
	c.Terminal = &spec.Const{T: spec.Type{Kind: spec.BoolType}, Val: 1, Src: "true"}
	c.Invariants = nil
	return s, c
}

// anyTimeouts makes the benchmark's timers fire at any moment (timeouts:
// any) rather than only with nothing in flight: many more states, the
// figures the performance bars are stated for.
const anyTimeouts = true

func BenchmarkTCPLossy(b *testing.B) {
	for capacity := 4; capacity <= 7; capacity++ {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("cap%d/workers%d", capacity, workers), func(b *testing.B) {
				s, c := tcpBenchCheck(b, capacity)
				var res *Result
				var cpu float64
				for b.Loop() {
					t0 := cpuSeconds()
					ck, err := New(s, c, Workers(workers))
					if err != nil {
						b.Fatal(err)
					}
					if res, err = ck.Run(context.Background()); err != nil {
						b.Fatal(err)
					}
					cpu += cpuSeconds() - t0
				}
				b.ReportMetric(float64(res.States), "states")
				b.ReportMetric(float64(res.States)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
				b.ReportMetric(res.BytesPerState, "bytes/state")
				b.ReportMetric(float64(res.Transitions), "transitions")
				b.ReportMetric(float64(res.States)*float64(b.N)/cpu, "states/cpu-s")
			})
		}
	}
}

// cpuSeconds is the process's user and system CPU time: a figure that a
// machine shared with other work disturbs less than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkTCPLossyWords is BenchmarkTCPLossy's check explored through the
// multi-word search (every field in a word of its own), which timed checks,
// monitors and more than two peers take.
func BenchmarkTCPLossyWords(b *testing.B) {
	for capacity := 4; capacity <= 5; capacity++ {
		b.Run(fmt.Sprintf("cap%d", capacity), func(b *testing.B) {
			s, c := tcpBenchCheck(b, capacity)
			var res *Result
			for b.Loop() {
				ck, err := New(s, c, Workers(1), func(c *Checker) { c.spread = true })
				if err != nil {
					b.Fatal(err)
				}
				if res, err = ck.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.States), "states")
			b.ReportMetric(float64(res.States)*float64(b.N)/b.Elapsed().Seconds(), "states/s")
		})
	}
}
